"""Kill the app at any moment and nothing acknowledged is lost (issue 21, point 1).

A child process opens the store the way the app does and writes a stream of audited writes
through the services (contacts, agreements, signal acknowledgements, meeting actions), telling the parent over
a pipe about each write once its service call has returned. The parent kills it with SIGKILL
at a random moment, reopens the store (replaying DuckDB's write-ahead log, as the app does on
its next start; on PostgreSQL the server rolls back the killed connection's transaction) and checks: every acknowledged write is there; at most the one write in flight
is there unacknowledged; every write has its audit event and its change-feed entry and
nothing else is (nothing half-written); the audit chain verifies. Many trials run on one
store, each starting from what the previous kill left, for TRIAL_SECONDS.

This is DuckDB's own shape (test/sql/storage/wal/, kill -9 then reopen) run over our layers.
The children are forked from the test process, which has the app imported and no store open
at that moment, so a trial costs the writes and not Python's start-up.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time

import service_writes as sw

from dashboard.store import open_store

TRIAL_SECONDS = 20.0
MIN_TRIALS = 5
LONGEST_LIFE = 1.5  # seconds a child may write before its kill (drawn uniformly up to this)


def _children() -> multiprocessing.context.ForkContext:
    """Children forked from this process, which has the app imported and no store open (a
    fork server would import the installed package, not necessarily the code under test)."""
    return multiprocessing.get_context("fork")


def _run_and_kill(context, path: str, label: str, life: float) -> list[sw.Written]:
    """Start a writing child, collect its acknowledgements for `life` seconds, SIGKILL it,
    and return every write it acknowledged (also those still in the pipe at the kill)."""
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=sw.write_stream, args=(path, sender, label, 7), daemon=True)
    child.start()
    sender.close()
    acknowledged: list[sw.Written] = []
    stop = time.monotonic() + life
    while (left := stop - time.monotonic()) > 0:
        if receiver.poll(left):
            acknowledged.append(sw.Written(*receiver.recv()))
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert child.exitcode == -signal.SIGKILL, f"the writer ended by itself: {child.exitcode}"
    while receiver.poll(0):  # sent before the kill (each message is one atomic pipe write)
        try:
            acknowledged.append(sw.Written(*receiver.recv()))
        except EOFError:
            break
    receiver.close()
    return acknowledged


def test_every_acknowledged_write_survives_a_kill_at_any_moment(store_location):
    store = open_store(store_location)
    sw.build(store)
    baseline = store.version
    store.close()
    context = _children()
    rng = random.Random()
    seed = rng.randrange(10**6)
    rng.seed(seed)
    acknowledged: list[sw.Written] = []
    trials = 0
    deadline = time.monotonic() + TRIAL_SECONDS
    while trials < MIN_TRIALS or time.monotonic() < deadline:
        life = rng.uniform(0.05, LONGEST_LIFE)
        now = _run_and_kill(context, store_location, f"{seed}.{trials}", life)
        acknowledged += now
        trials += 1
        store = open_store(store_location)  # replays the write-ahead log, as the app does
        try:
            after = sw.facts(store)
        finally:
            store.close()
        why = f"trial {trials} (seed {seed}, killed after {life:.2f}s)"
        lost = [done for done in acknowledged if not after.holds(done)]
        assert lost == [], f"{why}: acknowledged writes lost: {lost}"
        assert sw.problems(after, baseline) == [], why
        # writes go one at a time: at most the one in flight got in without its acknowledgement
        assert after.writes - len(acknowledged) in (0, 1), why
        acknowledged = _all_stored(after)
    assert len(acknowledged) > 2 * MIN_TRIALS, (  # some hundreds on a quiet machine
        f"{trials} trials, {len(acknowledged)} writes ({seed})"
    )


def _all_stored(now: sw.Facts) -> list[sw.Written]:
    """Every stream write in the store: the next trial must keep the unacknowledged one too."""
    return [sw.Written(kind, key) for kind in sw.KINDS for key in getattr(now, kind + "s")]
