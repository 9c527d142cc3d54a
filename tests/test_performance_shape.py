"""The caseload and the student file stay set-based: the number of queries a load issues does
not grow with the number of students (no query per student or per row). Counted, not timed:
the same loads on a store with 3 and with 12 students must issue the same number of queries,
both with the day cache empty and filled."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import World, healthy_student

from dashboard.security import access
from dashboard.signals import caseload, day_cache
from dashboard.signals.caseload import CaseloadFilters
from dashboard.store import open_store
from dashboard.students import student_file

T = dt.date(2025, 3, 3)
ADMIN = access.CLI_USER
MENTOR = access.User(username="m", kind="guide", person_id="M-S1")


class CountingCursor:
    def __init__(self, cur, counter: list[str]):
        self._cur, self._counter = cur, counter

    def execute(self, sql, *args, **kwargs):
        self._counter.append(sql)
        self._cur.execute(sql, *args, **kwargs)
        return self

    def executemany(self, sql, *args, **kwargs):
        self._counter.append(sql)
        self._cur.executemany(sql, *args, **kwargs)
        return self

    def __getattr__(self, name):
        return getattr(self._cur, name)


class CountingConnection:
    def __init__(self, con, counter: list[str]):
        self._con, self._counter = con, counter

    def cursor(self):
        return CountingCursor(self._con.cursor(), self._counter)

    def __getattr__(self, name):
        return getattr(self._con, name)


def school(tmp_path, n: int):
    store = open_store(tmp_path / f"school{n}.duckdb")
    world = World()
    for i in range(1, n + 1):
        s = healthy_student(world, T, f"S{i}")
        if i % 3 == 0:
            s.remove(s.contact("start"))
        if i % 4 == 0:
            s.add_guides(6, T - dt.timedelta(days=10))
    world.save(store)
    counter: list[str] = []
    store._con = CountingConnection(store._con, counter)
    return store, counter


def queries(counter: list[str], load) -> int:
    counter.clear()
    load()
    return len(counter)


@pytest.fixture
def small_and_large(tmp_path):
    stores = [school(tmp_path, 3), school(tmp_path, 12)]
    yield stores
    for store, _ in stores:
        store.close()


def test_caseload_queries_do_not_grow_with_students(small_and_large):
    counts = []
    for store, counter in small_and_large:

        def load(store=store):
            result = caseload.caseload(store, ADMIN, T, CaseloadFilters(), "nl")
            assert len(result.students) >= 3 and len(result.signals) > 0

        cold = queries(counter, load)
        warm = queries(counter, load)
        counts.append((cold, warm))
    assert counts[0] == counts[1]
    cold, warm = counts[0]
    assert warm < cold  # the day's signals and plan are not evaluated again


def test_student_file_queries_do_not_grow_with_students_or_contacts(small_and_large):
    counts = []
    for store, counter in small_and_large:
        day_cache.evaluate(store, T)  # the day's cache filled, as on a running server
        counts.append(queries(counter, lambda s=store: student_file.load(s, MENTOR, "S1", T)))
    assert counts[0] == counts[1]


def test_a_view_does_not_make_the_next_caseload_evaluate_again(small_and_large):
    store, counter = small_and_large[1]
    caseload.caseload(store, ADMIN, T, CaseloadFilters())
    warm = queries(counter, lambda: caseload.caseload(store, ADMIN, T, CaseloadFilters()))
    student_file.load(store, ADMIN, "S3", T)  # an audited view: a write, but no data change
    after_view = queries(counter, lambda: caseload.caseload(store, ADMIN, T, CaseloadFilters()))
    assert after_view == warm  # a view changes no data: the cached day is used as it is
