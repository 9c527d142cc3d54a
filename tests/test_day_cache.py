"""The day cache (dashboard.signals.day_cache) gives what signals.evaluate / describe and the plan
give, also after writes: audited student writes re-evaluate just those students, other writes
drop the cache, views change nothing."""

from __future__ import annotations

import datetime as dt
import threading
import time
from types import SimpleNamespace

import pandas as pd
import psycopg
import pytest
from factories import World, days, healthy_student

from dashboard import settings, signals
from dashboard.app import runtime
from dashboard.security import access
from dashboard.signals import caseload, day_cache
from dashboard.signals.caseload import CaseloadFilters
from dashboard.store.postgres import PgStore
from dashboard.students import records, student_file
from validation.forms import ContactForm

T = dt.date(2025, 3, 3)
ADMIN = access.CLI_USER


@pytest.fixture
def world_store(store):
    """S1 and S2 healthy, S3 without start meeting, S4 without mentor."""
    world = World()
    healthy_student(world, T, "S1")
    healthy_student(world, T, "S2")
    s3 = healthy_student(world, T, "S3")
    s3.remove(s3.contact("start"))
    s4 = healthy_student(world, T, "S4")
    s4.remove(s4.role("mentor"))
    world.save(store)
    return store


def same(cached: pd.DataFrame, fresh: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        cached.reset_index(drop=True), fresh.reset_index(drop=True), check_dtype=False
    )


def test_cached_signals_equal_evaluate_for_every_subset(world_store):
    same(day_cache.evaluate(world_store, T), signals.evaluate(world_store, T))
    for ids in (["S3"], ["S4", "S1"], []):
        same(
            day_cache.evaluate(world_store, T, ids),
            signals.evaluate(world_store, T, student_ids=ids),
        )
    found = day_cache.evaluate(world_store, T, ["S3", "S4"])
    same(
        day_cache.describe(world_store, found, "en", T),
        signals.describe(world_store, found, "en", T),
    )


def test_an_audited_write_re_evaluates_that_student(world_store):
    assert "START_MISSING" in set(day_cache.evaluate(world_store, T, ["S3"])["code"])
    day = day_cache._cache(world_store).days[T]
    # the start meeting is held after all
    start = next(p for p in records_placements(world_store) if p["student_id"] == "S3")
    records.log_contact(
        world_store,
        ADMIN,
        "S3",
        ContactForm(
            kind="start",
            date=T - days(1),
            channel="in_person",
            participants=["M-S3", "W-S3"],
            student_present=True,
            placement_id=start["placement_id"],
        ),
        T,
    )
    same(day_cache.evaluate(world_store, T), signals.evaluate(world_store, T))
    assert day_cache._cache(world_store).days[T] is day  # brought up to date, not dropped
    found = day_cache.evaluate(world_store, T, ["S3"])
    assert "START_MISSING" not in set(found["code"])
    same(
        day_cache.describe(world_store, found, "nl", T),
        signals.describe(world_store, found, "nl", T),
    )


def records_placements(store) -> list[dict]:
    with store.read() as cur:
        rel = cur.execute("SELECT placement_id, student_id FROM placements")
        return [dict(zip(("placement_id", "student_id"), r)) for r in rel.fetchall()]


def test_a_write_without_audit_drops_the_cache(world_store):
    assert len(day_cache.evaluate(world_store, T, ["S1"])) == 0
    with world_store.write() as cur:  # e.g. a repair by hand: it declares no students
        cur.execute("DELETE FROM roles WHERE student_id = 'S1' AND role = 'mentor'")
    assert "NO_MENTOR" in set(day_cache.evaluate(world_store, T, ["S1"])["code"])


def test_a_settings_change_drops_the_cache(world_store):
    before = day_cache.rows(world_store, caseload.UPCOMING, T)
    settings.save(world_store, ADMIN, {"upcoming_days": 30})
    after = day_cache.rows(world_store, caseload.UPCOMING, T)
    same(after, caseload.upcoming_moments(world_store, T, None))
    assert len(after) > len(before)  # S1..S4's final moments (T + 20) now fall in the window


def test_views_keep_the_cache_and_each_day_is_its_own(world_store):
    day_cache.evaluate(world_store, T)
    student_file.load(world_store, ADMIN, "S1", T)  # audited as a view
    cache = day_cache._cache(world_store)
    frame = cache.days[T].frames["signals"]
    day_cache.evaluate(world_store, T)
    assert cache.days[T].frames["signals"] is frame  # nothing was evaluated again
    later = T + days(30)
    same(day_cache.evaluate(world_store, later), signals.evaluate(world_store, later))


def test_caseload_plan_comes_from_the_cache_in_plan_order(world_store):
    plan = caseload.caseload(world_store, ADMIN, T, CaseloadFilters()).upcoming
    direct = caseload.upcoming_moments(world_store, T, ["S1", "S2", "S3", "S4"])
    same(plan, direct.drop(columns=["last_name", "first_name"]))


def test_warming_fills_the_day_so_the_first_page_evaluates_nothing(world_store, monkeypatch):
    fresh = signals.evaluate(world_store, T, ["S3", "S4"])
    assert {"NO_MENTOR", "START_MISSING"} <= set(fresh["code"])
    day_cache.warm(world_store, T, (day_cache.SIGNALS, caseload.UPCOMING))
    evaluated = []
    monkeypatch.setattr(signals, "evaluate", lambda *a, **k: evaluated.append(a))
    same(day_cache.evaluate(world_store, T, ["S3", "S4"]), fresh)
    assert evaluated == []


def test_a_failed_warm_up_is_logged_not_raised(world_store, caplog):
    world_store.close()
    day_cache.warm(world_store, T, (day_cache.SIGNALS,))
    assert "warming the day cache" in caplog.text


def _write_around_the_store(store, sql: str, touched: str | None) -> None:
    """Change data and record the change in the feed the way another process's Store.write
    would, but over this store's connection and around its Store.write: no listener runs and
    nothing of this process's memory learns of it. DuckDB lets only one process write a
    file, so this stands in for that other process; it proves the cache follows the feed in
    the database, not that two processes can share the file. On PostgreSQL it is a
    connection of its own, as another process's would be."""
    if isinstance(store, PgStore):
        with psycopg.connect(store.url) as con:
            con.execute(sql)
            con.execute("UPDATE change_counter SET version = version + 1")
            con.execute(
                "INSERT INTO changes SELECT version, %(sid)s FROM change_counter",
                {"sid": touched},
            )
        return
    with store.read() as cur:
        cur.execute("BEGIN TRANSACTION")
        cur.execute(sql)
        cur.execute("UPDATE change_counter SET version = version + 1")
        cur.execute(
            "INSERT INTO changes SELECT version, $sid FROM change_counter", {"sid": touched}
        )
        cur.execute("COMMIT")


def test_the_cache_follows_a_write_it_only_knows_of_from_the_database(world_store):
    assert len(day_cache.evaluate(world_store, T, ["S1"])) == 0
    day = day_cache._cache(world_store).days[T]
    _write_around_the_store(
        world_store, "DELETE FROM roles WHERE student_id = 'S1' AND role = 'mentor'", "S1"
    )
    assert "NO_MENTOR" in set(day_cache.evaluate(world_store, T, ["S1"])["code"])
    assert day_cache._cache(world_store).days[T] is day  # S1 computed again, the day kept
    same(day_cache.evaluate(world_store, T), signals.evaluate(world_store, T))


def test_a_store_wide_change_in_the_database_drops_the_days(world_store):
    day_cache.evaluate(world_store, T)
    day = day_cache._cache(world_store).days[T]
    _write_around_the_store(
        world_store, "DELETE FROM roles WHERE student_id = 'S2' AND role = 'mentor'", None
    )
    assert "NO_MENTOR" in set(day_cache.evaluate(world_store, T, ["S2"])["code"])
    assert day_cache._cache(world_store).days[T] is not day


def test_services_declare_what_they_changed(world_store):
    """What each kind of write leaves in the feed: the student, everything, or nothing."""

    def after(write) -> frozenset[str] | None:
        before = world_store.version
        write()
        return world_store.changes_since(before).student_ids

    assert after(lambda: student_file.load(world_store, ADMIN, "S1", T)) == frozenset()
    assert after(
        lambda: signals.acknowledge(
            world_store, ADMIN, "NO_MENTOR", "S4", None, T, "arranged", T + days(7), today=T
        )
    ) == frozenset({"S4"})
    assert after(lambda: settings.save(world_store, ADMIN, {"upcoming_days": 30})) is None
    assert after(lambda: settings.save(world_store, ADMIN, {"upcoming_days": 30})) == frozenset()


# -- the app's warm-ups (dashboard/app/runtime.py): one at a time however many changes ask, and
# a watcher that asks when another process wrote or a new day began ------------------------------

WAIT = 10.0  # seconds a test waits for a background thread before it fails


def _tomorrow() -> SimpleNamespace:
    """A stand-in for a module's `dt` whose date.today() is tomorrow: the clock past midnight."""
    real = dt.date.today()

    class Date(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return real + dt.timedelta(days=1)

    return SimpleNamespace(date=Date, datetime=dt.datetime, timedelta=dt.timedelta)


def test_changes_during_a_warm_up_make_one_more_run_not_a_pile(world_store):
    runs: list[dt.date] = []
    release = threading.Event()

    def slow_warm(store, as_of: dt.date) -> None:
        runs.append(as_of)
        release.wait(WAIT)

    warmer = runtime._Warmer(world_store, slow_warm)
    for _ in range(5):  # a burst of saves while the first warm-up runs
        warmer.request()
    busy = [t for t in threading.enumerate() if t.name == runtime.WARM_THREAD]
    assert len(busy) == 1 and runs == [dt.date.today()]
    release.set()
    busy[0].join(WAIT)
    assert not busy[0].is_alive()
    assert len(runs) == 2  # the first, and one for everything asked meanwhile
    warmer.request()  # idle again: a new request starts a new run
    for t in threading.enumerate():
        if t.name == runtime.WARM_THREAD:
            t.join(WAIT)
    assert len(runs) == 3


def test_a_failed_warm_up_does_not_stop_the_next(world_store, caplog):
    runs: list[dt.date] = []

    def failing_once(store, as_of: dt.date) -> None:
        runs.append(as_of)
        if len(runs) == 1:
            raise RuntimeError("the store went away")

    warmer = runtime._Warmer(world_store, failing_once)
    for _ in range(2):
        warmer.request()
        for t in threading.enumerate():
            if t.name == runtime.WARM_THREAD:
                t.join(WAIT)
    assert len(runs) == 2 and "a background warm-up failed" in caplog.text


class _Seen:
    """The real store as the watcher reads it, telling the test when it first looked (on a
    busy machine that first look may come later than any fixed pause)."""

    def __init__(self, store):
        self._store = store
        self.looked = threading.Event()

    @property
    def is_open(self) -> bool:
        return self._store.is_open

    @property
    def version(self) -> int:
        version = self._store.version
        self.looked.set()
        return version


def _watching(store, every: float = 0.05):
    """The watcher in a thread, back once it has looked at the store the first time; returns
    (the times it called, its stop event, the thread)."""
    calls: list[float] = []
    stop = threading.Event()
    seen = _Seen(store)
    thread = threading.Thread(
        target=runtime.watch, args=(seen, lambda: calls.append(time.monotonic()), every, stop)
    )
    thread.start()
    assert seen.looked.wait(WAIT)
    return calls, stop, thread


def _until(condition) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_watcher_asks_after_another_process_wrote(world_store):
    calls, stop, thread = _watching(world_store)
    try:
        time.sleep(0.3)
        assert calls == []  # nothing moved: nothing asked
        _write_around_the_store(
            world_store, "DELETE FROM roles WHERE student_id = 'S1' AND role = 'mentor'", "S1"
        )
        assert _until(lambda: len(calls) == 1)
        time.sleep(0.3)
        assert len(calls) == 1  # once per change, not on every look
    finally:
        stop.set()
        thread.join(WAIT)


def test_the_watcher_asks_when_a_new_day_begins(world_store, monkeypatch):
    calls, stop, thread = _watching(world_store)
    try:
        monkeypatch.setattr(runtime, "dt", _tomorrow())
        assert _until(lambda: len(calls) == 1)
    finally:
        stop.set()
        thread.join(WAIT)


def test_the_watcher_ends_with_its_store(world_store):
    _, _, thread = _watching(world_store)
    world_store.close()
    thread.join(WAIT)
    assert not thread.is_alive()


def test_after_midnight_the_warm_up_is_for_today_not_the_last_day_asked(world_store, monkeypatch):
    day_cache.evaluate(world_store, T)
    assert day_cache.latest_day(world_store) == T  # a page asked for T today: warm T
    monkeypatch.setattr(day_cache, "dt", _tomorrow())
    assert day_cache.latest_day(world_store) is None  # the runtime then warms today


def test_a_warm_up_after_midnight_fills_today(world_store, monkeypatch):
    """The real warm-up of a _Warmer: after midnight it fills the day the pages now use."""
    day_cache.evaluate(world_store, T)
    monkeypatch.setattr(day_cache, "dt", _tomorrow())
    warmed: list[dt.date] = []
    warmer = runtime._Warmer(world_store, lambda store, as_of: warmed.append(as_of))
    warmer.request()
    for t in threading.enumerate():
        if t.name == runtime.WARM_THREAD:
            t.join(WAIT)
    assert warmed == [dt.date.today()]
