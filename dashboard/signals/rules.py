"""The rules of docs/flags.md as one set-based DuckDB query (queries/signals.sql), ready to run.

The query takes its evaluation days as a list: one day for the app and `regiebord flags
--as-of`, many for a history (`regiebord flags --from --to --counts`, the trends page), in one
pass. Shared by signals.evaluate (a frame for the app), signals.report (which wraps it to let
DuckDB order and format the rows) and signals.history. Imports no pandas: the command line must
start fast.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from dashboard import queries, settings
from dashboard.signals.catalogue import CODES, SEVERITY_ORDER
from dashboard.store import Store

# The query's switches (fixed SQL fragments, never values): `scope` filters the base
# tables to $student_ids; `scoped` materializes the scoped contacts, which pays off only
# when they are few (a caseload) and would copy the largest table otherwise; `order` sorts the
# rows as signals.evaluate promises (day, severity, since, student, code, placement), or not.
_ORDER = {
    True: "ORDER BY s.as_of, c.rank, s.since, s.student_id, c.code_rank, s.placement_id NULLS FIRST",
    False: "",
}
_SWITCHES = {
    False: {"scope": "true", "scoped": "NOT MATERIALIZED"},
    True: {
        "scope": "student_id IN (SELECT unnest($student_ids::VARCHAR[]))",
        "scoped": "MATERIALIZED",
    },
}


def evaluation_days(first: dt.date, last: dt.date, every: int = 7) -> list[dt.date]:
    """The days first, first + every, first + 2 * every, ... up to last (docs/flags.md, "Counts
    over time"); callers check that last is not before first and every is at least 1."""
    if every < 1 or last < first:
        raise ValueError(f"no evaluation days from {first} to {last} every {every}")
    return [first + dt.timedelta(days=i) for i in range(0, (last - first).days + 1, every)]


def signal_query(
    store: Store,
    days: Sequence[dt.date],
    student_ids: list[str] | None = None,
    ordered: bool = True,
) -> tuple[str, dict]:
    """The signal query for the evaluation `days` (at least one) and its parameters: the
    settings' thresholds and the catalogue (code, severity and their ranks, for the order of
    signals.evaluate). Its rows carry their day in the column as_of.

    With `student_ids` only those students are evaluated (the filter runs before the rules).
    With `ordered` False the rows come in no order: for a caller that sorts or aggregates them
    itself (a history of many days saves the sort of all its rows).
    """
    if not days:
        raise ValueError("the signal query needs at least one day")
    restricted = student_ids is not None
    sql = queries.load(
        "signals", **_SWITCHES[restricted], order=_ORDER[ordered]
    )  # without comments: they name $s too
    values = {
        **settings.current(store),
        "days": sorted(set(days)),
        "first_day": min(days),
        "last_day": max(days),
        "codes": list(CODES),
        "severities": list(CODES.values()),
        "ranks": [SEVERITY_ORDER.index(s) for s in CODES.values()],
        "student_ids": list(student_ids or []),
    }
    return sql, {name: values[name] for name in set(re.findall(r"\$(\w+)", sql))}
