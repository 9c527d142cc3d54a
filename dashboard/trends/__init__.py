"""The trends a manager watches: per month, over a period (the 12 months up to a day, or a
school year), for the students in their scope: contacts, the fixed contact moments held, and
dropout beside direction (regie). The page's other figures are in trends/overview.py.

Aggregates only. One set-based query (queries/trends.sql) counts everything in DuckDB; no
student row reaches Python. Small cells are hidden so that no student can be singled out
(the rule and its complementary suppression: trends/privacy.py).

This protects each table on its own. Tables for neighbouring filters or days can still be
subtracted from each other (all locations minus all but one; today minus yesterday): a page
should offer whole scopes and periods (whole months, a school year) rather than any
combination of days.

The definitions (active, due, held, on the rolls, direction) are in queries/trends.sql.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from dashboard import queries, settings
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import aggregate_row
from dashboard.trends import privacy
from dashboard.trends.period import Period

MIN_STUDENTS = privacy.MIN_STUDENTS
MONTHS = 12


@dataclass(frozen=True)
class TrendFilters:
    """Empty tuple = no filter on that field. The programme names the level too (free text
    such as "Entree Horeca" or "Niveau 2 Retail"); the store has no separate level."""

    locations: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    cohort: int | None = None  # the school year of enrolment (its first year: 2024 = 2024-2025)


@dataclass(frozen=True)
class Trends:
    """One row per month (the month's first day in `month`), oldest first; the last month
    runs up to as_of. Counts are Int64 and ratios Float64; a hidden cell is pd.NA."""

    # month, active_students (active on the month's last day, or on as_of),
    # contacts, fixed_contacts (start/mid/final), incidental_contacts,
    # contacts_per_active_student, fixed_per_active_student, incidental_per_active_student
    contacts: pd.DataFrame
    # month, kind (start, mid, final: one row each), due (moments whose due day fell in the
    # month, up to as_of), on_time (held by the due day), late (held after it, by as_of),
    # not_held (not held by as_of); all_three (held, with all three parties) and partial
    # (held without one of them)
    moments: pd.DataFrame
    # month, students (on the rolls in the month: enrolled by its last day, not left before
    # its first), dropouts (status dropped_out dated in the month), dropout_rate; the same
    # split by an active direction agreement on the student's last active day in the month:
    # students_with_direction, dropouts_with_direction, dropout_rate_with_direction,
    # students_without_direction, dropouts_without_direction, dropout_rate_without_direction
    dropout: pd.DataFrame
    as_of: dt.date
    # by (location, programme), group, due, on_time, late, not_held, all_three, partial: the
    # moments due in the whole period
    moment_groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    # month and the counts of `moments`, all kinds together
    moments_all: pd.DataFrame = field(default_factory=pd.DataFrame)


def trends(
    store: Store,
    user: User,
    as_of: dt.date,
    filters: TrendFilters,
    period: Period | None = None,
    *,
    min_students: int = MIN_STUDENTS,
    min_rate_base: int = 1,
) -> Trends:
    """The trends over the students `user` may see figures of (access.aggregate_scope_sql)
    and `filters`, for `period` (default: the 12 months up to `as_of`). Counts resting on
    fewer than `min_students` students are hidden, ratios over a base below `min_rate_base`
    too (the page passes the school's setting and privacy.MIN_RATE_BASE). NotAllowed without
    view_trends."""
    access.ensure(user, "view_trends")
    period = period or Period()
    sql, params = _query(store, user, as_of, filters, period)
    with store.read() as cur:
        contacts, moments, dropout, groups, moments_all = aggregate_row(cur, sql, params)
    rule = (max(min_students, MIN_STUDENTS), min_rate_base)
    return Trends(
        _contacts(pd.DataFrame(contacts), *rule),
        _moments(pd.DataFrame(moments), rule[0]),
        _dropout(pd.DataFrame(dropout), *rule),
        period.end(as_of),
        _moment_groups(pd.DataFrame(groups or []), rule[0]),
        _moments_all(pd.DataFrame(moments_all), rule[0]),
    )


def scope_params(
    user: User, filters: TrendFilters, period: Period, as_of: dt.date
) -> tuple[str, dict]:
    """The `visible` switch for `user` and the parameters every trends query shares: the
    scope's, the filters (locations, programmes, cohort) and the period's window."""
    visible, params = access.aggregate_scope_sql(user)
    cohort = Period(filters.cohort) if filters.cohort is not None else None
    return visible, {
        **params,
        "as_of": period.end(as_of),
        "window_start": period.start(as_of),
        "months": period.months(as_of),
        "locations": list(filters.locations),
        "programmes": list(filters.programmes),
        "cohort_start": cohort.start(as_of) if cohort else None,
        "cohort_end": cohort.last_day() if cohort else None,
    }


def _query(
    store: Store, user: User, as_of: dt.date, filters: TrendFilters, period: Period
) -> tuple[str, dict]:
    """The SQL of queries/trends.sql for this user, day, filters and period, with its
    parameters."""
    values = settings.current(store)
    visible, params = scope_params(user, filters, period, as_of)
    sql = queries.load("trends", visible=visible)
    return sql, access.used_params(
        sql,
        {
            **params,
            "start_grace_days": values["start_grace_days"],
            "mid_grace_days": values["mid_grace_days"],
            "final_grace_days": values["final_grace_days"],
        },
    )


def _contacts(raw: pd.DataFrame, threshold: int, min_base: int) -> pd.DataFrame:
    ratios = {
        "contacts": "contacts_per_active_student",
        "fixed_contacts": "fixed_per_active_student",
        "incidental_contacts": "incidental_per_active_student",
    }
    hidden = privacy.hidden(raw, "contacts", ("fixed_contacts", "incidental_contacts"), threshold)
    hidden["active_students"] = privacy.small(raw["active_students"], threshold)
    out = privacy.counts(raw, hidden, ["active_students", *ratios])
    for count, ratio in ratios.items():
        out[ratio] = privacy.ratio(out[count], out["active_students"], min_base)
    return out


MOMENT_PARTITIONS = (
    ("due", ("on_time", "late", "not_held")),
    ("due", ("all_three", "partial", "not_held")),
)
MOMENT_COUNTS = ["due", "on_time", "late", "not_held", "all_three", "partial"]


def _moments(raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    out = privacy.suppress(
        raw, columns=MOMENT_COUNTS, partitions=MOMENT_PARTITIONS, threshold=threshold
    )
    return out[["month", "kind", *MOMENT_COUNTS]]


def _moments_all(raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    out = privacy.suppress(
        raw, columns=MOMENT_COUNTS, partitions=MOMENT_PARTITIONS, threshold=threshold
    )
    return out[["month", *MOMENT_COUNTS]]


def _moment_groups(raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Per location and per programme over the period. The groups of each add up to the
    period's total (the sum of the months), so they are hidden as parts of it too."""
    if raw.empty:
        return pd.DataFrame(columns=["by", "group", *MOMENT_COUNTS])
    out = privacy.suppress(
        raw,
        columns=MOMENT_COUNTS,
        keys=("by",),
        group="group",
        partitions=MOMENT_PARTITIONS,
        threshold=threshold,
    )
    return out[["by", "group", *MOMENT_COUNTS]]


def _dropout(raw: pd.DataFrame, threshold: int, min_base: int) -> pd.DataFrame:
    groups = ("with_direction", "without_direction")
    hidden = pd.concat(
        [
            privacy.hidden(raw, "students", tuple(f"students_{g}" for g in groups), threshold),
            privacy.hidden(raw, "dropouts", tuple(f"dropouts_{g}" for g in groups), threshold),
        ],
        axis=1,
    )
    out = privacy.counts(raw, hidden, list(hidden.columns))
    out["dropout_rate"] = privacy.ratio(out["dropouts"], out["students"], min_base)
    for g in groups:
        out[f"dropout_rate_{g}"] = privacy.ratio(
            out[f"dropouts_{g}"], out[f"students_{g}"], min_base
        )
    columns = ["students", "dropouts", "dropout_rate"]
    for g in groups:
        columns += [f"students_{g}", f"dropouts_{g}", f"dropout_rate_{g}"]
    return out[["month", *columns]]
