"""The trends a manager watches: per month, over the 12 months up to a day, for the students
in their scope: contacts, the fixed contact moments held, and dropout beside direction (regie).

Aggregates only. One set-based query (queries/trends.sql) counts everything in DuckDB; no
student row reaches Python. Small cells are hidden so that no student can be singled out:
every count that rests on 1 to 4 students is NULL (pd.NA), and so is every ratio whose
numerator or denominator is hidden. A zero stays: it singles out nobody. Where a row holds a
total and its parts (contacts = fixed + incidental, due = on time + late + not held, dropouts
= with + without direction), a hidden part would follow from the total minus the shown
parts, so the smallest shown part is hidden too until the hidden parts together (counted
part by part) rest on no student or on 5 or more.

This protects each table on its own. Tables for neighbouring filters or days can still be
subtracted from each other (all locations minus all but one; today minus yesterday): a page
should offer whole scopes and months rather than any combination.

The definitions (active, due, held, on the rolls, direction) are in queries/trends.sql.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard import queries, settings
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import aggregate_row

MIN_STUDENTS = 5  # a count resting on fewer students (but more than none) is hidden
MONTHS = 12


@dataclass(frozen=True)
class TrendFilters:
    """Empty tuple = no filter on that field. The programme names the level too (free text
    such as "Entree Horeca" or "Niveau 2 Retail"); the store has no separate level."""

    locations: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()


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
    # not_held (not held by as_of)
    moments: pd.DataFrame
    # month, students (on the rolls in the month: enrolled by its last day, not left before
    # its first), dropouts (status dropped_out dated in the month), dropout_rate; the same
    # split by an active direction agreement on the student's last active day in the month:
    # students_with_direction, dropouts_with_direction, dropout_rate_with_direction,
    # students_without_direction, dropouts_without_direction, dropout_rate_without_direction
    dropout: pd.DataFrame
    as_of: dt.date


def trends(store: Store, user: User, as_of: dt.date, filters: TrendFilters) -> Trends:
    """The trends over the students `user` may see figures of (access.aggregate_scope_sql)
    and `filters`, for the 12 months up to `as_of`. NotAllowed without view_trends."""
    access.ensure(user, "view_trends")
    sql, params = _query(store, user, as_of, filters)
    with store.read() as cur:
        contacts, moments, dropout = aggregate_row(cur, sql, params)
    return Trends(
        _contacts(pd.DataFrame(contacts)),
        _moments(pd.DataFrame(moments)),
        _dropout(pd.DataFrame(dropout)),
        as_of,
    )


def _query(store: Store, user: User, as_of: dt.date, filters: TrendFilters) -> tuple[str, dict]:
    """The SQL of queries/trends.sql for this user, day and filters, with its parameters."""
    values = settings.current(store)
    visible, params = access.aggregate_scope_sql(user)
    sql = queries.load("trends", visible=visible)
    return sql, access.used_params(
        sql,
        {
            **params,
            "as_of": as_of,
            "window_start": _months_before(as_of.replace(day=1), MONTHS - 1),
            "months": MONTHS,
            "locations": list(filters.locations),
            "programmes": list(filters.programmes),
            "start_grace_days": values["start_grace_days"],
            "mid_grace_days": values["mid_grace_days"],
            "final_grace_days": values["final_grace_days"],
        },
    )


def _months_before(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def _contacts(raw: pd.DataFrame) -> pd.DataFrame:
    ratios = {
        "contacts": "contacts_per_active_student",
        "fixed_contacts": "fixed_per_active_student",
        "incidental_contacts": "incidental_per_active_student",
    }
    hidden = _hidden(raw, "contacts", ("fixed_contacts", "incidental_contacts"))
    hidden["active_students"] = _small(raw["active_students"])
    out = _counts(raw, hidden, ["active_students", *ratios])
    for count, ratio in ratios.items():
        out[ratio] = _ratio(out[count], out["active_students"])
    return out


def _moments(raw: pd.DataFrame) -> pd.DataFrame:
    hidden = _hidden(raw, "due", ("on_time", "late", "not_held"))
    return _counts(raw, hidden, ["kind", *hidden.columns])


def _dropout(raw: pd.DataFrame) -> pd.DataFrame:
    groups = ("with_direction", "without_direction")
    hidden = pd.concat(
        [
            _hidden(raw, "students", tuple(f"students_{g}" for g in groups)),
            _hidden(raw, "dropouts", tuple(f"dropouts_{g}" for g in groups)),
        ],
        axis=1,
    )
    out = _counts(raw, hidden, list(hidden.columns))
    out["dropout_rate"] = _ratio(out["dropouts"], out["students"])
    for g in groups:
        out[f"dropout_rate_{g}"] = _ratio(out[f"dropouts_{g}"], out[f"students_{g}"])
    columns = ["students", "dropouts", "dropout_rate"]
    for g in groups:
        columns += [f"students_{g}", f"dropouts_{g}", f"dropout_rate_{g}"]
    return out[["month", *columns]]


def _students(raw: pd.DataFrame, column: str) -> pd.Series:
    """The distinct students behind a count: its `_students` column, else the count itself
    (a count of students)."""
    return raw.get(f"{column}_students", raw[column])


def _small(students: pd.Series) -> pd.Series:
    return (students > 0) & (students < MIN_STUDENTS)


def _hidden(raw: pd.DataFrame, total: str, parts: tuple[str, ...]) -> pd.DataFrame:
    """Which cells of a total and its parts to hide (see the module docstring)."""
    students = pd.DataFrame({c: _students(raw, c) for c in (total, *parts)})
    hidden = _small(students)
    part_students = students[list(parts)].to_numpy()
    part_hidden = hidden[list(parts)].to_numpy(copy=True)
    for _ in parts:
        given_away = np.where(part_hidden, part_students, 0).sum(axis=1)
        shown = np.where(~part_hidden & (part_students > 0), part_students, np.inf)
        more = (given_away > 0) & (given_away < MIN_STUDENTS) & np.isfinite(shown.min(axis=1))
        part_hidden[more, shown[more].argmin(axis=1)] = True
    hidden[list(parts)] = part_hidden
    return hidden


def _counts(raw: pd.DataFrame, hidden: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`raw`'s month and `columns`, with the hidden cells set to pd.NA."""
    out = pd.DataFrame({"month": raw["month"]})
    for column in columns:
        if column in hidden:
            out[column] = raw[column].astype("Int64").mask(hidden[column])
        else:
            out[column] = raw[column]
    return out


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator; NA when either is hidden or the denominator is 0."""
    ratio = numerator.astype("Float64") / denominator.astype("Float64").replace(0, pd.NA)
    return ratio.astype("Float64")
