"""The caseload: the working list of a care coordinator or guide.

One row per visible student with their signals, the open signals counted per code, and the
plan of fixed contact moments coming up. The student set is filtered in SQL first (scope,
location, programme, class, guide, role, "my students"); their signals and the plan come from
the day cache (dashboard.signals.day_cache: computed once per day, kept current from the
store's change feed), and the severity / code filters apply to that result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from dashboard import queries, settings, signals
from dashboard.security import access
from dashboard.security.access import User
from dashboard.signals import day_cache
from dashboard.store import Store
from dashboard.store.tx import aggregate_row


@dataclass(frozen=True)
class CaseloadFilters:
    """Empty tuple / None / False = no filter on that field."""

    locations: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    guide_id: str | None = None  # students for whom this person holds an active role
    guide_role: str | None = None  # ... in this role (of that guide, or of anyone)
    severities: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    mine: bool = False  # students for whom the signed-in user's person holds an active role


@dataclass(frozen=True)
class Caseload:
    # student_id, name, location, programme, class_code, mentor, open_signals,
    # acknowledged_signals, worst (severity of the worst open signal or None),
    # badges (list of (code, severity, acknowledged) in signal order)
    students: pd.DataFrame
    # signals.describe columns + name; in spec order (severity, since, student)
    signals: pd.DataFrame
    # code, severity, open, acknowledged: one row per code that occurs
    counts: pd.DataFrame
    # student_id, name, placement_id, company, supervisor, kind, due, deadline
    upcoming: pd.DataFrame
    upcoming_days: int  # the window of `upcoming` (setting upcoming_days)


@dataclass(frozen=True)
class CaseloadOptions:
    locations: list[str]
    programmes: list[str]
    classes: list[str]
    guides: list[tuple[str, str]]  # (person_id, name), sorted by name
    roles: list[str]


def filter_options(store: Store, user: User, as_of: dt.date) -> CaseloadOptions:
    """The values the filters can take among the students this user may see on `as_of`."""
    access.ensure(user, "view_caseload")
    visible, params = access.scope_sql(user)
    sql = queries.load("caseload_options", visible=visible, active_role=access.ACTIVE_ROLE)
    with store.read() as cur:
        row = aggregate_row(cur, sql, access.used_params(sql, {**params, "today": as_of}))
    locations, programmes, classes, guides, roles = (list(v or []) for v in row)
    guides = sorted(((g["id"], g["name"]) for g in guides), key=lambda g: (g[1], g[0]))
    return CaseloadOptions(locations, programmes, classes, guides, roles)


# The `guide` and `mine` switches of caseload_students.sql: fixed SQL, a subquery only when the
# filter is used.
_ACTIVE_ROLE_OF = (
    "s.student_id IN (SELECT r.student_id FROM roles r WHERE r.role <> 'parent'"
    f" AND {access.ACTIVE_ROLE} AND {{}})"
)
_GUIDE = {
    (True, True): _ACTIVE_ROLE_OF.format("r.person_id = $guide AND r.role = $role"),
    (True, False): _ACTIVE_ROLE_OF.format("r.person_id = $guide"),
    (False, True): _ACTIVE_ROLE_OF.format("r.role = $role"),
    (False, False): "true",
}
_MINE = {True: _ACTIVE_ROLE_OF.format("r.person_id = $me"), False: "true"}


# Up to this many students, a caseload's scope goes to the database as bound values.
BOUND_SCOPE_MAX = 1000


def caseload_students(
    store: Store, user: User, as_of: dt.date, filters: CaseloadFilters
) -> pd.DataFrame:
    """The visible students matching the student filters (not severity / code)."""
    access.ensure(user, "view_caseload")
    with store.read(keyed=True) as cur:
        scope = _scope(cur, user, as_of)
    # Bound values read every table by key, except a role filter without its guide (all
    # roles of that kind); a wide scope reads whole tables (Store.read says why it matters).
    keyed = scope.bound and (filters.guide_role is None or filters.guide_id is not None)
    with store.read(keyed=keyed) as cur:
        sql = queries.load(
            "caseload_students",
            in_scope=scope.in_scope,
            mentor_scope=scope.mentor_scope,
            active_role=access.ACTIVE_ROLE,
            guide=_GUIDE[(filters.guide_id is not None, filters.guide_role is not None)],
            mine=_MINE[filters.mine],
        )
        params = access.used_params(
            sql,
            {
                **scope.params,
                "today": as_of,
                "locations": list(filters.locations),
                "programmes": list(filters.programmes),
                "classes": list(filters.classes),
                "guide": filters.guide_id,
                "role": filters.guide_role,
                "me": user.person_id or "",
            },
        )
        found = cur.execute(sql, params).df()
        mentor_ids = found.pop("mentor_ids")
        names = _staff_names(cur, sorted({p for ids in mentor_ids for p in ids}))
    mentors = [
        ", ".join(sorted({names[p] for p in ids if p in names})) or None for ids in mentor_ids
    ]
    found.insert(found.columns.get_loc("class_code") + 1, "mentor", mentors)
    return found


def _staff_names(cur, person_ids: list[str]) -> dict[str, str]:
    """The names of these staff. Up to BOUND_SCOPE_MAX of them as bound values, which
    PostgreSQL answers from its index: joining staff in the query read all its rows over the
    wire (150 of a guide's 380 ms caseload at 500,000 students, issue 20)."""
    if not person_ids:
        return {}
    params: dict[str, object]
    if len(person_ids) <= BOUND_SCOPE_MAX:
        marks, params = queries.bound(person_ids, "p")
        sql = f"SELECT person_id, name FROM staff WHERE person_id IN ({marks})"
    else:
        sql = "SELECT person_id, name FROM staff WHERE person_id IN (SELECT unnest($ids))"
        params = {"ids": person_ids}
    return {p: name for p, name in cur.execute(sql, params).fetchall() if name is not None}


class _Scope(NamedTuple):
    in_scope: str  # the switches of caseload_students.sql
    mentor_scope: str
    params: dict  # their parameters
    bound: bool  # the students go as bound values


def _scope(cur, user: User, as_of: dt.date) -> _Scope:
    """The `in_scope` and `mentor_scope` switches of caseload_students.sql, with their
    parameters. A caseload of up to BOUND_SCOPE_MAX students (a guide's own) goes as bound
    values, one parameter each: PostgreSQL answers those from its indexes, where a subquery is
    not sent to it and DuckDB reads the students and roles tables whole over the wire (issue 20;
    147 ms of a 218 ms caseload at 30,000 students). A wider scope stays the scope query."""
    visible, params = access.scope_sql(user)
    probe = f"SELECT student_id FROM ({visible}) AS v LIMIT {BOUND_SCOPE_MAX + 1}"
    found = cur.execute(probe, access.used_params(probe, {**params, "today": as_of})).fetchall()
    ids = sorted(student_id for (student_id,) in found)
    if len(ids) > BOUND_SCOPE_MAX:
        return _Scope(
            f"s.student_id IN ({visible})",
            "r.student_id IN (SELECT student_id FROM chosen)",
            params,
            bound=False,
        )
    if not ids:
        return _Scope("false", "false", {}, bound=True)
    marks, values = queries.bound(ids, "s")
    return _Scope(f"s.student_id IN ({marks})", f"r.student_id IN ({marks})", values, bound=True)


def upcoming_moments(store: Store, as_of: dt.date, student_ids: list[str] | None) -> pd.DataFrame:
    """Fixed moments due within the setting `upcoming_days`, not held and not yet overdue,
    of `student_ids` (None: every student), with last_name and first_name to sort on.

    `student_ids` must already be access-checked (caseload passes its own student set).
    """
    values = settings.current(store)
    scope = (
        "true" if student_ids is None else "student_id IN (SELECT unnest($student_ids::VARCHAR[]))"
    )
    sql = queries.load("caseload_upcoming", scope=scope)
    params = {
        "student_ids": student_ids,
        "today": as_of,
        "days": values["upcoming_days"],
        "start_grace": values["start_grace_days"],
        "mid_grace": values["mid_grace_days"],
        "final_grace": values["final_grace_days"],
    }
    with store.read() as cur:
        return cur.execute(sql, access.used_params(sql, params)).df()


def _upcoming_order(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["due", "last_name", "first_name", "student_id", "placement_id", "kind"]
    return frame.sort_values(keys, kind="stable")


UPCOMING = day_cache.Kind("upcoming", upcoming_moments, _upcoming_order)


def caseload(
    store: Store, user: User, as_of: dt.date, filters: CaseloadFilters, lang: str = "nl"
) -> Caseload:
    """The caseload of `user` on `as_of` (access-checked: only students in the user's scope)."""
    students = caseload_students(store, user, as_of, filters)
    ids = students["student_id"].tolist()
    found = day_cache.evaluate(store, as_of, ids) if ids else _no_signals()
    if filters.severities:
        found = found[found["severity"].isin(filters.severities)]
    if filters.codes:
        found = found[found["code"].isin(filters.codes)]
    found = found.reset_index(drop=True)
    described = day_cache.describe(store, found, lang, as_of)
    names = students.set_index("student_id")["name"]
    described = described.assign(name=described["student_id"].map(names))

    rows = _student_rows(students, found, filtered=bool(filters.severities or filters.codes))
    upcoming = day_cache.rows(store, UPCOMING, as_of, ids).drop(columns=["last_name", "first_name"])
    days = settings.current(store)["upcoming_days"]
    return Caseload(rows, described, _counts(found), upcoming, days)


def _no_signals() -> pd.DataFrame:
    columns = ["code", "severity", "student_id", "placement_id", "since", "acknowledged"]
    return pd.DataFrame(columns=[*columns, "ack_reason", "ack_until", "ack_by"])


def _rank(severity: pd.Series) -> pd.Series:
    return severity.map({s: i for i, s in enumerate(signals.SEVERITY_ORDER)})


def _counts(found: pd.DataFrame) -> pd.DataFrame:
    """Open and acknowledged signals per code, most severe first."""
    if found.empty:
        return pd.DataFrame(columns=["code", "severity", "open", "acknowledged"])
    acknowledged = found["acknowledged"].astype(bool)
    counts = (
        found.assign(open=~acknowledged, acknowledged=acknowledged)
        .groupby(["code", "severity"], as_index=False)[["open", "acknowledged"]]
        .sum()
    )
    counts = counts.assign(rank=_rank(counts["severity"]))
    counts = counts.sort_values(["rank", "open", "code"], ascending=[True, False, True])
    return counts.drop(columns="rank").reset_index(drop=True)


def _student_rows(students: pd.DataFrame, found: pd.DataFrame, *, filtered: bool) -> pd.DataFrame:
    """One row per student, worst open signal first (then its oldest since, then the id).

    Lists the active students and any student with a signal (a stop can flag a student who
    left); with a severity or code filter, only the students having such a signal.
    """
    rank = {s: i for i, s in enumerate(signals.SEVERITY_ORDER)}
    per_student: dict[str, list] = {}
    for signal in found.itertuples(index=False):  # in spec order: badges keep it
        per_student.setdefault(signal.student_id, []).append(signal)
    rows = []
    for student in students.to_dict("records"):
        own = per_student.get(student["student_id"], [])
        if not own and (filtered or not student["is_active"]):
            continue
        open_ = [s for s in own if not s.acknowledged]
        worst = min(open_, key=lambda s: (rank[s.severity], s.since), default=None)
        order = (0, rank[worst.severity], worst.since) if worst else (1, 0, dt.date.max)
        rows.append(
            {
                **{k: v for k, v in student.items() if k != "is_active"},
                "open_signals": len(open_),
                "acknowledged_signals": len(own) - len(open_),
                "worst": worst.severity if worst else None,
                "badges": [(s.code, s.severity, bool(s.acknowledged)) for s in own],
                "_order": (*order, student["student_id"]),
            }
        )
    rows.sort(key=lambda r: r["_order"])
    columns = [*students.columns.drop("is_active"), "open_signals", "acknowledged_signals"]
    frame = pd.DataFrame(rows, columns=[*columns, "worst", "badges", "_order"])
    return frame.drop(columns="_order")
