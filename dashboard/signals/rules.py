"""The rules of docs/flags.md as one set-based DuckDB query (queries/signals.sql), ready to run.

Shared by signals.evaluate (a frame for the app) and signals.report (`regiebord flags`, which
wraps it to let DuckDB order and format the rows). Imports no pandas: the command line must
start fast.
"""

from __future__ import annotations

import datetime as dt
import re

from dashboard import queries, settings
from dashboard.signals.catalogue import CODES, SEVERITY_ORDER
from dashboard.store import Store

# The query's two switches (fixed SQL fragments, never values): `scope` filters the base
# tables to $student_ids; `scoped` materializes the scoped contacts, which pays off only
# when they are few (a caseload) and would copy the largest table otherwise.
_SWITCHES = {
    False: {"scope": "true", "scoped": "NOT MATERIALIZED"},
    True: {
        "scope": "student_id IN (SELECT unnest($student_ids::VARCHAR[]))",
        "scoped": "MATERIALIZED",
    },
}


def signal_query(
    store: Store, as_of: dt.date, student_ids: list[str] | None = None
) -> tuple[str, dict]:
    """The signal query for day `as_of` and its parameters: the settings' thresholds and the
    catalogue (code, severity and their ranks, for the order of signals.evaluate).

    With `student_ids` only those students are evaluated (the filter runs before the rules).
    """
    restricted = student_ids is not None
    sql = queries.load("signals", **_SWITCHES[restricted])  # without comments: they name $s too
    values = {
        **settings.current(store),
        "as_of": as_of,
        "codes": list(CODES),
        "severities": list(CODES.values()),
        "ranks": [SEVERITY_ORDER.index(s) for s in CODES.values()],
        "student_ids": list(student_ids or []),
    }
    return sql, {name: values[name] for name in set(re.findall(r"\$(\w+)", sql))}
