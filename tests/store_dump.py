"""Every row of every table of a store (the audit trail included), on either backend: tests
compare a dump before and after a refused write, which must change nothing."""

from __future__ import annotations

from dashboard.store import store_tables


def dump(store) -> dict[str, list]:
    with store.read() as cur:
        tables = store_tables(cur)
        return {t: cur.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
