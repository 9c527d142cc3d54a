"""Many users at once (issue 21, point 2): 16 sessions in one process, as Streamlit serves them
(one thread each, one shared Store), write and read through the services; nothing is lost and
nothing raises (the day cache is warmed after every write in threads of its own, as the app
does). Meanwhile a reader checks, in one snapshot at a time, that the store is whole
(every write with its audit event and change-feed entry, the audit chain verifying) and that
counts and the version only grow: DuckDB's test_concurrentupdate shape, over our layers.
On PostgreSQL the same sessions also run spread over four processes (app servers), with
the reader in a fifth.
"""

from __future__ import annotations

import multiprocessing
import threading

import pytest
import service_writes as sw

from dashboard.signals import caseload, day_cache
from dashboard.store import open_store
from dashboard.students import listing, student_file

SESSIONS = 16
PROCESSES = 4  # app servers over one PostgreSQL store
REPORT_SECONDS = 300  # how long the test waits for an app server's report
WRITES_PER_SESSION = 4


def _session(store, number: int, written: list[sw.Written]) -> None:
    """One user's session: a write, then one of the pages that follow it (the file, the
    list, the caseload, in turn), WRITES_PER_SESSION times."""
    user = sw.WRITERS[number % 2]
    for n in range(WRITES_PER_SESSION):
        done = sw.write(store, user, sw.KINDS[(number + n) % len(sw.KINDS)], f"{number}.{n}")
        written.append(done)
        page = (number + n) % 3
        if page == 0:
            assert student_file.load(store, user, "S1", sw.T).student.student_id == "S1"
        elif page == 1:
            listed = listing.list_students(store, user, sw.T, listing.StudentFilters())
            assert "S1" in set(listed.rows["student_id"])
        else:
            found = caseload.caseload(store, user, sw.T, caseload.CaseloadFilters())
            assert "S1" in set(found.students["student_id"])


def _watch(store, baseline: int, stop: threading.Event, seen: list[sw.Facts]) -> None:
    """Check the store while the sessions write, until `stop`; keeps every snapshot seen."""
    while not stop.is_set():
        now = sw.facts(store)
        assert sw.problems(now, baseline) == []
        if seen:
            before = seen[-1]
            assert now.version >= before.version
            for kind in sw.KINDS:
                assert getattr(now, kind + "s") >= getattr(before, kind + "s")
        seen.append(now)


def _warm_after_every_write(store) -> list[threading.Thread]:
    """Bring the day cache up to date after every write in a thread of its own, as the app
    does (dashboard/app/runtime.py), but without its one-at-a-time rule: warm-ups overlapping
    each other and the writes are the harder case. Returns those threads, for joining."""
    started: list[threading.Thread] = []

    def warm() -> None:
        kinds = (day_cache.SIGNALS, caseload.UPCOMING)
        thread = threading.Thread(target=day_cache.warm, args=(store, sw.T, kinds))
        thread.start()
        started.append(thread)

    store.on_change(warm)
    return started


def _run(target, *args, failures: list[BaseException]) -> threading.Thread:
    def guarded() -> None:
        try:
            target(*args)
        except BaseException as exc:  # reported by the test, which fails on any
            failures.append(exc)

    thread = threading.Thread(target=guarded)
    thread.start()
    return thread


def test_sixteen_sessions_at_once_lose_nothing_and_raise_nothing(store_location):
    store = open_store(store_location)
    try:
        sw.build(store)
        baseline = store.version
        warmers = _warm_after_every_write(store)
        failures: list[BaseException] = []
        written: list[sw.Written] = []
        seen: list[sw.Facts] = []
        stop = threading.Event()
        watcher = _run(_watch, store, baseline, stop, seen, failures=failures)
        sessions = [_run(_session, store, n, written, failures=failures) for n in range(SESSIONS)]
        for thread in sessions:
            thread.join()
        stop.set()
        watcher.join()
        for thread in warmers:
            thread.join()
        assert failures == [], failures
        after = sw.facts(store)
    finally:
        store.close()
    assert len(written) == SESSIONS * WRITES_PER_SESSION
    assert [done for done in written if not after.holds(done)] == []
    assert after.writes == len(written)
    assert sw.problems(after, baseline) == []
    assert len(seen) > 1  # the watcher really looked while the sessions wrote


def _app_server(url: str, first: int, sender) -> None:
    """A child process: an app server over `url` running its share of the sessions (numbers
    `first` on), then sending back what they wrote and what they raised."""
    written: list[sw.Written] = []
    failures: list[BaseException] = []
    try:
        store = open_store(url)
        try:
            share = SESSIONS // PROCESSES
            sessions = [
                _run(_session, store, first + n, written, failures=failures) for n in range(share)
            ]
            for thread in sessions:
                thread.join()
        finally:
            store.close()
    except BaseException as exc:
        failures.append(exc)
    sender.send(([tuple(done) for done in written], [repr(exc) for exc in failures]))


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_four_app_servers_at_once_lose_nothing_and_raise_nothing(store_location):
    store = open_store(store_location)
    sw.build(store)
    baseline = store.version
    store.close()  # forked children must not inherit an open store (its pool's threads)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    share = SESSIONS // PROCESSES
    children = [
        context.Process(target=_app_server, args=(store_location, n * share, sender))
        for n in range(PROCESSES)
    ]
    for child in children:
        child.start()
    sender.close()
    store = open_store(store_location)
    try:
        failures: list[BaseException] = []
        seen: list[sw.Facts] = []
        stop = threading.Event()
        watcher = _run(_watch, store, baseline, stop, seen, failures=failures)
        reports = []
        for _ in children:  # a child that died without a word fails here, not hangs
            assert receiver.poll(REPORT_SECONDS), "an app server process sent no report"
            reports.append(receiver.recv())
        for child in children:
            child.join()
        stop.set()
        watcher.join()
        after = sw.facts(store)
    finally:
        store.close()
    assert failures == [], failures
    assert [raised for _, raised in reports if raised] == []
    assert [child.exitcode for child in children] == [0] * PROCESSES
    written = [sw.Written(*done) for wrote, _ in reports for done in wrote]
    assert len(written) == SESSIONS * WRITES_PER_SESSION
    assert [done for done in written if not after.holds(done)] == []
    assert after.writes == len(written)
    assert sw.problems(after, baseline) == []
    assert len(seen) > 1  # the watcher really looked while the app servers wrote
