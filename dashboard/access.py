"""Who may see what. Every read of student data passes here; pages only decide what to show.

Kinds of account (users.kind):
- admin: users, settings, import/export, the student's rights (inzage, erase); sees all records.
- manager: the trends page (aggregates only), no student records.
- care_coordinator: the students of their location(s) (users.locations), all visibilities.
- care_worker: the students for whom they hold an active role; all visibilities.
- guide: school guides (mentor, BPV coordinator, class counsellor): the students for whom they
  hold an active role; `care` contacts only where that role is a care role (class counsellor).
- workplace: workplace supervisors: the students of their own placements, only contacts with
  visibility `guides`, personal circumstances only with the student's consent for `workplace`.

A student the user may not see is reported exactly as a student that does not exist (NotFound).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from dashboard.codes import CARE_ROLES, SCHOOL_GUIDE_ROLES
from dashboard.errors import NotAllowed, NotFound

KINDS = ("admin", "manager", "care_coordinator", "care_worker", "guide", "workplace")
# A workplace supervisor keeps access this long after their placement ended (final moment).
WORKPLACE_AFTER_END_DAYS = 90
# ... and gets it this long before the placement starts (preparing the start moment).
WORKPLACE_BEFORE_START_DAYS = 30

# What each kind may do, besides reading the students in its scope.
ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {
            "manage_users",
            "manage_settings",
            "import_export",
            "student_rights",
            "view_audit",
            "view_students",
            "view_caseload",
            "write_student",
            "log_contact",
            "acknowledge",
        }
    ),
    "manager": frozenset({"view_trends"}),
    "care_coordinator": frozenset(
        {"view_students", "view_caseload", "write_student", "log_contact", "acknowledge"}
    ),
    "care_worker": frozenset(
        {"view_students", "view_caseload", "write_student", "log_contact", "acknowledge"}
    ),
    "guide": frozenset(
        {"view_students", "view_caseload", "write_student", "log_contact", "acknowledge"}
    ),
    "workplace": frozenset({"view_students", "log_contact"}),
}


@dataclass(frozen=True)
class User:
    """A signed-in user. `person_id` links to staff; admins and managers may have none."""

    username: str
    kind: str
    person_id: str | None = None
    name: str = ""
    locations: tuple[str, ...] = field(default_factory=tuple)

    @property
    def actor(self) -> str:
        return self.username


# The command line runs with the rights of whoever can open the file: an admin.
CLI_USER = User(username="cli", kind="admin", name="command line")


def may(user: User, action: str) -> bool:
    return action in ACTIONS.get(user.kind, frozenset())


def ensure(user: User, action: str) -> None:
    if not may(user, action):
        raise NotAllowed(action)


def scope_sql(user: User) -> tuple[str, dict]:
    """A query returning the student_ids `user` may see on day $today, with its parameters.

    Used as `student_id IN (<sql>)`, so every list and detail query filters the same way
    (list equals detail).
    """
    active_role = "r.start_date <= $today AND (r.end_date IS NULL OR r.end_date >= $today)"
    if user.kind == "admin":
        return "SELECT student_id FROM students", {}
    if user.kind == "care_coordinator":
        return (
            "SELECT student_id FROM students WHERE list_contains($scope_locations, location) "
            "UNION SELECT r.student_id FROM roles r "
            f"WHERE r.person_id = $scope_person AND r.role <> 'parent' AND {active_role}",
            {"scope_locations": list(user.locations), "scope_person": user.person_id or ""},
        )
    if user.kind in ("care_worker", "guide"):
        return (
            "SELECT DISTINCT r.student_id FROM roles r "
            f"WHERE r.person_id = $scope_person AND r.role <> 'parent' AND {active_role}",
            {"scope_person": user.person_id or ""},
        )
    if user.kind == "workplace":
        return (
            "SELECT DISTINCT p.student_id FROM placements p "
            "WHERE p.supervisor_id = $scope_person "
            f"AND p.start_date - INTERVAL {WORKPLACE_BEFORE_START_DAYS} DAY <= $today "
            f"AND coalesce(p.ended_early_on, p.end_date) + INTERVAL {WORKPLACE_AFTER_END_DAYS} DAY"
            " >= $today",
            {"scope_person": user.person_id or ""},
        )
    return "SELECT student_id FROM students WHERE false", {}


def visible_student_ids(cur: duckdb.DuckDBPyConnection, user: User, today: dt.date) -> list[str]:
    sql, params = scope_sql(user)
    rows = cur.execute(f"SELECT student_id FROM ({sql}) ORDER BY 1", {**params, "today": today})
    return [r[0] for r in rows.fetchall()]


def may_see_student(
    cur: duckdb.DuckDBPyConnection, user: User, student_id: str, today: dt.date
) -> bool:
    if not may(user, "view_students"):
        return False
    sql, params = scope_sql(user)
    row = cur.execute(
        f"SELECT count(*) FROM students WHERE student_id = $sid AND student_id IN ({sql})",
        {**params, "today": today, "sid": student_id},
    ).fetchone()
    return row[0] > 0


def require_student(
    cur: duckdb.DuckDBPyConnection, user: User, student_id: str, today: dt.date
) -> None:
    """Raise NotFound (the same as for an unknown id) unless `user` may see the student."""
    if not may_see_student(cur, user, student_id, today):
        raise NotFound(student_id)


def visibilities(
    cur: duckdb.DuckDBPyConnection, user: User, student_id: str, today: dt.date
) -> tuple[str, ...]:
    """The contact visibilities (`guides`, `school`, `care`) `user` may read for this student.

    Assumes require_student passed. A contact without visibility counts as `guides`.
    """
    if user.kind in ("admin", "care_coordinator", "care_worker"):
        return ("guides", "school", "care")
    if user.kind == "workplace":
        return ("guides",)
    roles = {
        r[0]
        for r in cur.execute(
            "SELECT role FROM roles r WHERE r.student_id = $sid AND r.person_id = $pid "
            "AND r.start_date <= $today AND (r.end_date IS NULL OR r.end_date >= $today)",
            {"sid": student_id, "pid": user.person_id or "", "today": today},
        ).fetchall()
    }
    if roles & set(CARE_ROLES):
        return ("guides", "school", "care")
    if roles & set(SCHOOL_GUIDE_ROLES):
        return ("guides", "school")
    return ("guides",)


def sees_personal_circumstances(
    cur: duckdb.DuckDBPyConnection, user: User, student_id: str, today: dt.date
) -> bool:
    """Workplace supervisors only with the student's latest `workplace` consent saying yes."""
    if user.kind != "workplace":
        return True
    row = cur.execute(
        "SELECT shares FROM consents WHERE student_id = $sid AND audience = 'workplace' "
        "AND decided_on <= $today ORDER BY decided_on DESC LIMIT 1",
        {"sid": student_id, "today": today},
    ).fetchone()
    return bool(row and row[0])
