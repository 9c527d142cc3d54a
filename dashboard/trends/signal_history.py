"""Signals over time, for the trends page (issue 17, section 3): the open signals per code and
severity at the start of every week of a period, and how long signals stay open.

The weeks are evaluated as of those past days by the signal engine itself (one pass of
queries/signals.sql over all the Mondays, signals.rules.signal_query), over the data as stored
now with the settings as they are now: never stored by hand, and a week's figures equal what
`regiebord flags --as-of` that Monday lists. Aggregates only: the students whose figures
the user may see (access.aggregate_scope_sql) and the filters go into the query, and only
counts per week, code and severity come out, with the small cells of dashboard.trends hidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from dashboard.security import access
from dashboard.security.access import User
from dashboard.signals.catalogue import CODES, SEVERITY_ORDER
from dashboard.signals.rules import evaluation_days, signal_query
from dashboard.store import Store
from dashboard.store.tx import aggregate_row
from dashboard.trends import TrendFilters, privacy
from dashboard.trends.period import Period

MIN_BASE = 10  # a median rests on at least this many ended signals (the rule for rates)

# Over `signal` (the engine's rows for the Mondays) and `week` (those Mondays, numbered):
# open signals per week, severity and code, and per week and severity (code NULL), each with
# the distinct students behind it; then per code the signals that stopped firing (on the
# first Monday they no longer fire: days since their since) and those open on the last one.
_AGGREGATES = """
, week AS (
    SELECT unnest($weeks::DATE[]) AS as_of, generate_subscripts($weeks::DATE[], 1) AS idx
),
open_count AS (
    SELECT as_of AS week, severity, code, count(*) AS open,
           count(DISTINCT student_id) AS open_students
    FROM signal
    WHERE NOT acknowledged
    GROUP BY GROUPING SETS ((as_of, severity, code), (as_of, severity))
),
run AS (
    SELECT s.code, s.student_id, s.since, w.idx,
           lead(w.idx) OVER (PARTITION BY s.code, s.student_id, coalesce(s.placement_id, ''),
                                          s.since ORDER BY w.idx) AS next_idx
    FROM signal s
    JOIN week w ON w.as_of = s.as_of
),
duration AS (
    SELECT r.code,
           count(*) FILTER (WHERE e.as_of IS NOT NULL) AS ended,
           count(DISTINCT r.student_id) FILTER (WHERE e.as_of IS NOT NULL) AS ended_students,
           median(e.as_of - r.since) AS median_days,
           count(*) FILTER (WHERE r.idx = len($weeks::DATE[])) AS still_open,
           count(DISTINCT r.student_id) FILTER (WHERE r.idx = len($weeks::DATE[]))
               AS still_open_students
    FROM run r
    LEFT JOIN week e ON e.idx = r.idx + 1 AND r.next_idx IS DISTINCT FROM r.idx + 1
    GROUP BY r.code
)
SELECT (SELECT list(open_count ORDER BY week, severity, code) FROM open_count),
       (SELECT list(duration ORDER BY code) FROM duration)
"""


@dataclass(frozen=True)
class SignalHistory:
    """Counts are Int64, medians Float64; a hidden cell is pd.NA (shown as "< 5")."""

    # week (the Monday), severity, code (every code of the catalogue, in its order), open:
    # signals not acknowledged that Monday
    open: pd.DataFrame
    # week, severity (high, medium, low), open: the same per severity (all its codes)
    open_by_severity: pd.DataFrame
    # code, severity, ended (signals that stopped firing during the period), median_days
    # (days from since to the first Monday they no longer fired; shown when 10 or more ended),
    # still_open (firing on the last Monday, open or acknowledged)
    duration: pd.DataFrame
    weeks: tuple[dt.date, ...]


def week_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The Mondays from `first` up to `last` (the weeks that start in the period)."""
    monday = first + dt.timedelta(days=-first.weekday() % 7)
    return evaluation_days(monday, last, 7) if monday <= last else []


def signal_history(
    store: Store,
    user: User,
    first: dt.date,
    last: dt.date,
    filters: TrendFilters | None = None,
) -> SignalHistory:
    """Signals over the weeks from `first` to `last` for the students `user` may see figures
    of (managers and care coordinators: their locations; admins: everyone) and `filters`.
    NotAllowed without view_trends."""
    access.ensure(user, "view_trends")
    weeks = week_starts(first, last)
    if not weeks:
        return _result(pd.DataFrame(), pd.DataFrame(), (), privacy.MIN_STUDENTS)
    students = _students(store, user, filters or TrendFilters())
    sql, params = signal_query(store, weeks, students, ordered=False)
    with store.read() as cur:
        open_rows, duration_rows = aggregate_row(
            cur, f"WITH signal AS MATERIALIZED ({sql}) {_AGGREGATES}", {**params, "weeks": weeks}
        )
    raw_open, raw_duration = pd.DataFrame(open_rows or []), pd.DataFrame(duration_rows or [])
    return _result(raw_open, raw_duration, weeks, privacy.threshold(store))


def _students(store: Store, user: User, filters: TrendFilters) -> list[str] | None:
    """The students the figures count (None: every student, the engine's fastest form)."""
    visible, params = access.aggregate_scope_sql(user)
    if visible == "SELECT student_id FROM students" and filters == TrendFilters():
        return None
    sql = (
        f"SELECT student_id FROM students WHERE student_id IN ({visible})"
        " AND (len($locations::VARCHAR[]) = 0 OR list_contains($locations::VARCHAR[], location))"
        " AND (len($programmes::VARCHAR[]) = 0"
        " OR list_contains($programmes::VARCHAR[], programme))"
        " AND ($cohort_start::DATE IS NULL"
        " OR enrolment_date BETWEEN $cohort_start::DATE AND $cohort_end::DATE)"
    )
    cohort = Period(filters.cohort) if filters.cohort is not None else None
    values = {
        **params,
        "locations": list(filters.locations),
        "programmes": list(filters.programmes),
        "cohort_start": cohort.start(cohort.last_day()) if cohort else None,
        "cohort_end": cohort.last_day() if cohort else None,
    }
    with store.read() as cur:
        return [r[0] for r in cur.execute(sql, access.used_params(sql, values)).fetchall()]


def _result(
    raw_open: pd.DataFrame, raw_duration: pd.DataFrame, weeks, threshold: int
) -> SignalHistory:
    by_code, by_severity = _open(raw_open, list(weeks), threshold)
    return SignalHistory(by_code, by_severity, _duration(raw_duration, threshold), tuple(weeks))


def _open(
    raw: pd.DataFrame, weeks: list[dt.date], threshold: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per severity a wide frame (a row per week: the severity's total and each code), hidden
    as dashboard.trends hides a total and its parts, then back to long rows."""
    by_code, by_severity = [], []
    for severity in SEVERITY_ORDER:
        codes = [c for c, s in CODES.items() if s == severity]
        names = ["total", *codes]
        wide = pd.DataFrame({"month": weeks})  # trends' helpers name the row key `month`
        mine = raw[raw["severity"] == severity] if len(raw) else raw
        for value, suffix in (("open", ""), ("open_students", "_students")):
            if len(mine):
                table = mine.assign(code=mine["code"].fillna("total")).pivot(
                    index="week", columns="code", values=value
                )
            else:
                table = pd.DataFrame()
            table = table.reindex(index=weeks, columns=names).fillna(0).astype("int64")
            for name in names:
                wide[f"{name}{suffix}"] = table[name].to_numpy()
        hidden = privacy.hidden(wide, "total", tuple(codes), threshold)
        shown = privacy.counts(wide, hidden, ["total", *codes]).rename(columns={"month": "week"})
        long = shown.melt("week", codes, var_name="code", value_name="open")
        long["code"] = pd.Categorical(long["code"], categories=codes, ordered=True)
        long = long.sort_values(["week", "code"]).assign(severity=severity)
        by_code.append(long.astype({"code": str}))
        by_severity.append(shown[["week"]].assign(severity=severity, open=shown["total"]))
    order = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    codes_frame = pd.concat(by_code, ignore_index=True)
    codes_frame = codes_frame.sort_values(
        ["week", "severity"],
        key=lambda c: c.map(order) if c.name == "severity" else c,
        kind="stable",
    )[["week", "severity", "code", "open"]]
    severity_frame = pd.concat(by_severity, ignore_index=True).sort_values(
        ["week", "severity"],
        key=lambda c: c.map(order) if c.name == "severity" else c,
        kind="stable",
    )[["week", "severity", "open"]]
    return codes_frame.reset_index(drop=True), severity_frame.reset_index(drop=True)


def _duration(raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Per code of the catalogue: ended and still open (hidden on 1 to 4 students) and the
    median days (hidden unless 10 or more signals ended and their count is shown)."""
    found = {row["code"]: row for row in raw.to_dict("records")} if len(raw) else {}
    rows = []
    for code, severity in CODES.items():
        row = found.get(code, {})
        ended, ended_students = row.get("ended", 0), row.get("ended_students", 0)
        still, still_students = row.get("still_open", 0), row.get("still_open_students", 0)
        ended_hidden = 0 < ended_students < threshold
        rows.append(
            {
                "code": code,
                "severity": severity,
                "ended": pd.NA if ended_hidden else ended,
                "median_days": (
                    float(row["median_days"])
                    if not ended_hidden and ended >= MIN_BASE and row.get("median_days") is not None
                    else pd.NA
                ),
                "still_open": pd.NA if 0 < still_students < threshold else still,
            }
        )
    return pd.DataFrame(rows).astype(
        {"ended": "Int64", "median_days": "Float64", "still_open": "Int64"}
    )
