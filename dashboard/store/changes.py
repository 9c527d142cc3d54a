"""The change feed: a counter that every committed data write bumps, and the students each
write changed, both in the database (migration 004_changes).

Caches (the pages' cached reads, dashboard.signals.day_cache) remember the version they were
computed at and ask `since(version)` what changed after it. Because the feed lives in the
store, not in one process's memory, a cache follows writes made by any process.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from dashboard.store.tx import Tx

# Versions whose touched students are kept. A cache further behind than this starts afresh,
# as after a store-wide change. Writes come one at a time (forms, imports), so this is days
# of a busy school's work; the table stays a few thousand rows.
KEPT_VERSIONS = 10_000
# Older versions are pruned by every PRUNE_EVERY-th write only: the others save a statement
# while they hold the store's write lock. The feed then keeps up to KEPT + PRUNE_EVERY.
PRUNE_EVERY = 100


@dataclass(frozen=True)
class Changes:
    """What changed after a version: `version` is the store's version now, `student_ids` the
    students written since (empty when nothing was), or None when anything may have changed
    (a store-wide write, or changes older than the feed keeps)."""

    version: int
    student_ids: frozenset[str] | None


def current(tx: Tx) -> int:
    return int(tx.scalar("SELECT version FROM change_counter"))


def record(tx: Tx, student_ids: Collection[str] | None) -> int:
    """Bump the counter and note the touched students (None: everything), inside the write's
    transaction; returns the new version. Every PRUNE_EVERY-th prunes the versions older than
    KEPT_VERSIONS."""
    version = int(tx.scalar("UPDATE change_counter SET version = version + 1 RETURNING version"))
    if student_ids is None:
        tx.execute("INSERT INTO changes VALUES ($v, NULL)", {"v": version})
    else:
        tx.execute(
            "INSERT INTO changes SELECT $v, unnest($ids::VARCHAR[])",
            {"v": version, "ids": sorted(student_ids)},
        )
    if version % PRUNE_EVERY == 0:
        tx.execute("DELETE FROM changes WHERE version <= $v", {"v": version - KEPT_VERSIONS})
    return version


def since(tx: Tx, version: int) -> Changes:
    """The changes after `version`, read in one statement (one snapshot of counter and feed).
    When the counter still reads `version`, nothing changed and the feed is not read: every
    page run asks this, and on PostgreSQL the feed (up to KEPT_VERSIONS writes) comes over the
    wire whole (7 of a guide's caseload's ~110 ms at 500,000 students, three times)."""
    if current(tx) == version:
        return Changes(version, frozenset())
    rows = tx.tuples(
        "SELECT c.version, ch.version, ch.student_id FROM change_counter c "
        "LEFT JOIN changes ch ON ch.version > $since AND ch.version <= c.version",
        {"since": version},
    )
    now = rows[0][0]
    if now == version:
        return Changes(now, frozenset())
    versions = {r[1] for r in rows if r[1] is not None}
    store_wide = any(r[1] is not None and r[2] is None for r in rows)
    if now < version or len(versions) < now - version or store_wide:
        return Changes(now, None)
    return Changes(now, frozenset(r[2] for r in rows))
