"""The reports of `regiebord flags` (docs/flags.md), made by DuckDB: the signals of one day,
and the counts per day and code over many days (`--counts`).

A whole school's report runs at the command line as a process of its own, so its cost is
start-up plus one query: this module imports no pandas, and DuckDB orders the rows of the
signal query and formats their values (for CSV it also writes the lines), instead of a loop in
Python. The bytes are those Python's csv and json modules give for the same rows:
tests/test_signal_report.py compares them with the plain Python way.

DuckDB's Python binding imports pandas (most of a second) as soon as it binds a parameter, so
the report writes the query's few parameters into it as typed SQL literals (`_literal`): a
date, whole numbers from the settings and codes from the catalogue, never free text.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from dashboard.errors import Invalid
from dashboard.problem import Problem
from dashboard.security import access
from dashboard.security.access import User
from dashboard.signals.rules import signal_query
from dashboard.store import Store

REPORT_COLUMNS = ("code", "severity", "student_id", "placement_id", "since", "acknowledged")
COUNT_COLUMNS = ("day", "code", "severity", "open", "acknowledged")

# Over `signal` (the signal query's rows): the report's values as text, in its order.
_REPORT = """
SELECT code, severity, student_id, coalesce(placement_id, '') AS placement_id,
       CAST(since AS VARCHAR) AS since,
       CASE WHEN acknowledged THEN 'yes' ELSE 'no' END AS acknowledged
FROM signal
ORDER BY student_id, code, placement_id
"""


# Over `signal` (the signal query's rows for many days): per day and code with a signal, the
# signals not acknowledged on that day and those that were, sorted by day, then code.
_COUNTS = """
SELECT CAST(as_of AS VARCHAR) AS day, code, severity,
       count(*) FILTER (WHERE NOT acknowledged) AS open,
       count(*) FILTER (WHERE acknowledged) AS acknowledged
FROM signal
GROUP BY as_of, code, severity
ORDER BY as_of, code
"""


def _csv_field(column: str) -> str:
    """SQL for a text field as csv.writer writes it with `\\n` line ends: quoted when it holds a
    comma, a double quote or a newline, with quotes doubled (ids are free text)."""
    return (
        f"CASE WHEN contains({column}, ',') OR contains({column}, '\"')"
        f" OR contains({column}, chr(10))"
        f" THEN '\"' || replace({column}, '\"', '\"\"') || '\"' ELSE {column} END"
    )


# Over `report`: its rows as CSV lines, joined in its order.
_CSV_LINES = f"""
SELECT string_agg(
    code || ',' || severity || ',' || {_csv_field("student_id")} || ','
        || {_csv_field("placement_id")} || ',' || since || ',' || acknowledged || chr(10),
    '' ORDER BY student_id, code, placement_id)
FROM report
"""


def _literal(value: object) -> str:
    """A parameter value as a DuckDB literal; only the types the signal query takes."""
    if isinstance(value, bool):
        raise TypeError("no booleans among the signal query's parameters")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    raise TypeError(f"no literal for {type(value).__name__}")


def _with_values(sql: str, params: dict) -> str:
    return re.sub(r"\$(\w+)", lambda m: _literal(params[m.group(1)]), sql)


def flags_report(store: Store, user: User, as_of: dt.date, fmt: str = "csv") -> str:
    """The output of `regiebord flags` (docs/flags.md): columns code, severity, student_id,
    placement_id, since, acknowledged, sorted by student_id, code, placement_id.

    Values are the same in both formats: acknowledged `yes`/`no`, since ISO, placement_id the
    empty string when the signal has no placement. CSV has a header row and `\\n` line ends;
    JSON is a list of objects with those keys and those string values (so "" rather than
    null for no placement: one reading of "the same as a list of objects"). Every student's
    signals, so admins only (the command line acts as one).
    """
    access.ensure(user, "report_signals")
    if fmt not in ("csv", "json"):
        raise Invalid([Problem("cli.unknown_format", {"format": fmt})])
    # One statement: DuckDB plans the large signal query once (a relation per step would
    # bind it again for each).
    signal = f"WITH signal AS ({_with_values(*signal_query(store, [as_of], ordered=False))})"
    with store.read() as cur:
        if fmt == "csv":
            sql = f"{signal}, report AS ({_REPORT}) {_CSV_LINES}"
            [(lines,)] = cur.execute(sql).fetchall()  # one row: an aggregate
            return ",".join(REPORT_COLUMNS) + "\n" + (lines or "")
        rows = cur.execute(f"{signal} {_REPORT}").fetchall()
    objects = [dict(zip(REPORT_COLUMNS, row, strict=True)) for row in rows]
    return json.dumps(objects, ensure_ascii=False, indent=2) + "\n"


def counts_report(store: Store, user: User, days: list[dt.date], fmt: str = "csv") -> str:
    """The output of `regiebord flags --counts` (docs/flags.md, "Counts over time"): columns
    day, code, severity, open, acknowledged, one row per evaluation day and code that has at
    least one signal that day, sorted by day, then code.

    All `days` are evaluated in one pass of the signal query (the same query `flags_report`
    runs for one day, so a day's counts always equal that day's list). An acknowledgement
    counts on day d when it was made on or before d, its end date is on or after d and its
    since is the signal's since on d. CSV has a header row and `\\n` line ends; JSON is a list
    of objects with those keys, day as an ISO date and the two counts as numbers. Admins only.
    """
    access.ensure(user, "report_signals")
    if fmt not in ("csv", "json"):
        raise Invalid([Problem("cli.unknown_format", {"format": fmt})])
    signal = f"WITH signal AS ({_with_values(*signal_query(store, days, ordered=False))})"
    with store.read() as cur:
        rows = cur.execute(f"{signal} {_COUNTS}").fetchall()
    if fmt == "csv":  # codes, severities, ISO dates and numbers: nothing to quote
        lines = [",".join(COUNT_COLUMNS), *(",".join(map(str, row)) for row in rows)]
        return "\n".join(lines) + "\n"
    objects = [dict(zip(COUNT_COLUMNS, row, strict=True)) for row in rows]
    return json.dumps(objects, ensure_ascii=False, indent=2) + "\n"
