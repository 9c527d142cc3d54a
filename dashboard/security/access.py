"""Who may see what. Every read of student data passes here; pages only decide what to show.

Kinds of account (users.kind):
- admin: users, settings, import/export, the student's rights (inzage, erase); sees all records.
- manager: the trends page (aggregates only), no student records; a manager with locations
  (users.locations) sees the figures of those locations, one without sees the whole school.
- care_coordinator: the students of their location(s) (users.locations), all visibilities;
  the trends page over those locations (none without locations).
- care_worker: the students for whom they hold an active role; all visibilities.
- guide: school guides (mentor, BPV coordinator, class counsellor): the students for whom they
  hold an active role; `care` contacts only where that role is a care role (class counsellor).
- workplace: workplace supervisors: the students of their own placements, only contacts with
  visibility `guides`, personal circumstances only with the student's consent for `workplace`.
  In the student's network they see only the school's guides and care coordinator, themselves
  and (with that consent) the personal roles: never another company's supervisor or a peer
  coach (data minimisation).

A student the user may not see is reported exactly as a student that does not exist (NotFound).
Caseload meetings: coordinators and admins run them (`run_meetings`); who sees a meeting is
`meeting_visible_sql` (docs/security.md, 5a).

Services: `ensure` first (deny by default: an action no kind lists is refused), then
`scope_sql` / `require_student` decide which students (`aggregate_scope_sql` for the
figures of the trends page, which never show a student): a query file takes the scope as its
`visible` switch and ACTIVE_ROLE as its `active_role` switch (dashboard.queries.load); then `lens()` (one student's
file, row by row) or `contact_filter_sql` / `role_filter_sql` (lists over many students) decide
which contacts, roles, agreement details and status reasons of those students.
docs/security.md lists the promises and the tests that hold them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb

from dashboard.codes import CARE_ROLES, SCHOOL_GUIDE_ROLES
from dashboard.errors import NotAllowed, NotFound
from dashboard.store.tx import Tx, scalar

# Where an access check reads: a read's DuckDB cursor, or a write's own transaction. A write
# passes its Tx, so on PostgreSQL the check runs inside that transaction over psycopg (under the
# write lock, seeing the write's own rows) instead of through DuckDB's attachment, which cost
# more than half of a contact's write (issue 20). The checks' SQL keeps to what both accept.
Reader = duckdb.DuckDBPyConnection | Tx


def _scalar(cur: Reader, sql: str, params: dict) -> object:
    return cur.scalar(sql, params) if isinstance(cur, Tx) else scalar(cur, sql, params)


def _column(cur: Reader, sql: str, params: dict) -> list:
    if isinstance(cur, Tx):
        return cur.column(sql, params)
    return [row[0] for row in cur.execute(sql, params).fetchall()]


KINDS = ("admin", "manager", "care_coordinator", "care_worker", "guide", "workplace")
# A workplace supervisor keeps access this long after their placement ended (final moment).
WORKPLACE_AFTER_END_DAYS = 90
# ... and gets it this long before the placement starts (preparing the start moment).
WORKPLACE_BEFORE_START_DAYS = 30


def active_role(alias: str = "r", day: str = "$today") -> str:
    """SQL: the role row `alias` is active on `day` (docs/interchange.md, roles). The one
    definition of an active role: scopes, lists and notices all use it."""
    return (
        f"{alias}.start_date <= {day} AND ({alias}.end_date IS NULL OR {alias}.end_date >= {day})"
    )


# The role row `r` is active on $today.
ACTIVE_ROLE = active_role()

# "Personal circumstances" that a workplace supervisor sees only with the student's consent
# for audience `workplace`: contacts for these reasons (and their summaries), roles that show
# which services are involved, the details of agreements on these topics, the status reason.
PERSONAL_REASONS = ("personal", "care")
PERSONAL_ROLES = ("external", "care_worker", "parent")
PERSONAL_TOPICS = ("expertise",)
# The roles a workplace supervisor always sees in a student's network: the people at school
# they work with. Besides these only their own roles, and PERSONAL_ROLES with consent.
WORKPLACE_NETWORK_ROLES = (*SCHOOL_GUIDE_ROLES, "care_coordinator")
# Which roles may read contacts of each visibility (a contact without one counts as `guides`).
READERS = {"school": (*SCHOOL_GUIDE_ROLES, *CARE_ROLES), "care": CARE_ROLES}

# What each kind may do, besides reading the students in its scope.
ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {
            "manage_users",
            "manage_settings",
            "import_export",
            "report_signals",
            "student_rights",
            "view_audit",
            "view_students",
            "view_caseload",
            "write_student",
            "log_contact",
            "acknowledge",
            "view_trends",
            "run_meetings",
            "view_meetings",
        }
    ),
    "manager": frozenset({"view_trends"}),
    "care_coordinator": frozenset(
        {
            "view_students",
            "view_caseload",
            "write_student",
            "log_contact",
            "acknowledge",
            "view_trends",
            "run_meetings",
            "view_meetings",
        }
    ),
    "care_worker": frozenset(
        {
            "view_students",
            "view_caseload",
            "write_student",
            "log_contact",
            "acknowledge",
            "view_meetings",
        }
    ),
    "guide": frozenset(
        {
            "view_students",
            "view_caseload",
            "write_student",
            "log_contact",
            "acknowledge",
            "view_meetings",
        }
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


# The command line runs with the rights of whoever can open the file: an admin. So does the
# app's own first start, when it fills a new store with demo data before anyone signs in.
CLI_USER = User(username="cli", kind="admin", name="command line")


def may(user: User, action: str) -> bool:
    """Whether `user` may do `action`: for pages deciding what to show (deny by default)."""
    return action in ACTIONS.get(user.kind, frozenset())


def ensure(user: User, action: str) -> None:
    """NotAllowed unless `user` may do `action`: every public service calls this first."""
    if not may(user, action):
        raise NotAllowed(action)


def scope_sql(user: User) -> tuple[str, dict]:
    """A query returning the student_ids `user` may see on day $today, with its parameters.

    Used as `student_id IN (<sql>)` or as a query file's `visible` switch, so every list and
    detail query filters the same way (list equals detail). Pass
    `used_params(query, {**params, "today": today})`.
    """
    if user.kind == "admin":
        return "SELECT student_id FROM students", {}
    if user.kind == "care_coordinator" and user.locations:
        return (
            "SELECT student_id FROM students WHERE location IN (SELECT unnest($scope_locations)) "
            "UNION SELECT r.student_id FROM roles r "
            f"WHERE r.person_id = $scope_person AND r.role <> 'parent' AND {ACTIVE_ROLE}",
            {"scope_locations": list(user.locations), "scope_person": user.person_id or ""},
        )
    # A care coordinator without locations sees their own students, as a guide does: without
    # the empty location branch, which on PostgreSQL read the whole students table.
    if user.kind in ("care_coordinator", "care_worker", "guide"):
        return (
            "SELECT DISTINCT r.student_id FROM roles r "
            f"WHERE r.person_id = $scope_person AND r.role <> 'parent' AND {ACTIVE_ROLE}",
            {"scope_person": user.person_id or ""},
        )
    if user.kind == "workplace":
        return (
            "SELECT DISTINCT p.student_id FROM placements p "
            "WHERE p.supervisor_id = $scope_person "
            f"AND p.start_date <= $today + {WORKPLACE_BEFORE_START_DAYS} "
            f"AND coalesce(p.ended_early_on, p.end_date) >= $today - {WORKPLACE_AFTER_END_DAYS}",
            {"scope_person": user.person_id or ""},
        )
    return "SELECT student_id FROM students WHERE false", {}


def aggregate_scope_sql(user: User) -> tuple[str, dict]:
    """A query returning the student_ids whose figures count in the aggregates `user` may see
    (the trends page): every student for an admin; for a manager the students of their
    locations, or every student when they have none; for a care coordinator the students of
    their locations (nobody without locations: their own caseload is not a whole location);
    nobody for anyone else.

    Kept apart from scope_sql: a manager sees figures over these students, never a student.
    """
    if user.kind == "admin" or (user.kind == "manager" and not user.locations):
        return "SELECT student_id FROM students", {}
    if user.kind in ("manager", "care_coordinator"):
        return (
            "SELECT student_id FROM students WHERE list_contains($scope_locations, location)",
            {"scope_locations": list(user.locations)},
        )
    return "SELECT student_id FROM students WHERE false", {}


def used_params(sql: str, params: dict) -> dict:
    """`params` without those `sql` does not name. DuckDB refuses unused named parameters,
    and the scopes and filters differ in which they use (the admin's scope uses none)."""
    names = set(re.findall(r"\$(\w+)", sql))
    return {k: v for k, v in params.items() if k in names}


def may_see_student(cur: Reader, user: User, student_id: str, today: dt.date) -> bool:
    if not may(user, "view_students"):
        return False
    sql, params = scope_sql(user)
    # The id filters the scope query itself, so its scan of roles or placements is narrowed
    # to one student (an index on PostgreSQL, zone maps in the file) instead of all of them.
    sql = (
        f"SELECT count(*) FROM ({sql}) v JOIN students s ON s.student_id = v.student_id"
        " WHERE v.student_id = $sid AND s.student_id = $sid"
    )
    return bool(_scalar(cur, sql, used_params(sql, {**params, "today": today, "sid": student_id})))


def require_student(cur: Reader, user: User, student_id: str, today: dt.date) -> None:
    """Raise NotFound (the same as for an unknown id) unless `user` may see the student."""
    if not may_see_student(cur, user, student_id, today):
        raise NotFound(student_id)


def visibilities(cur: Reader, user: User, student_id: str, today: dt.date) -> tuple[str, ...]:
    """The contact visibilities (`guides`, `school`, `care`) `user` may read for this student.

    Assumes require_student passed. A contact without visibility counts as `guides`.
    """
    if user.kind in ("admin", "care_coordinator", "care_worker"):
        return ("guides", "school", "care")
    if user.kind == "workplace":
        return ("guides",)
    roles = set(
        _column(
            cur,
            f"SELECT role FROM roles r WHERE r.student_id = $sid AND r.person_id = $pid "
            f"AND {ACTIVE_ROLE}",
            {"sid": student_id, "pid": user.person_id or "", "today": today},
        )
    )
    return ("guides",) + tuple(v for v, readers in READERS.items() if roles & set(readers))


def _workplace_consent(student_column: str) -> str:
    """SQL: the student's latest `workplace` consent on $today says yes (false when none)."""
    return (
        "coalesce((SELECT arg_max(k.shares, k.decided_on) FROM consents k "
        f"WHERE k.student_id = {student_column} AND k.audience = 'workplace' "
        "AND k.decided_on <= $today), false)"
    )


def sees_personal_circumstances(
    cur: duckdb.DuckDBPyConnection, user: User, student_id: str, today: dt.date
) -> bool:
    """Workplace supervisors only with the student's latest `workplace` consent saying yes."""
    if user.kind != "workplace":
        return True
    sql = f"SELECT {_workplace_consent('$sid')}"
    return bool(scalar(cur, sql, {"sid": student_id, "today": today}))


# -- What of a student's file a user may read ------------------------------------------------
# Services showing one student's file use `lens` (Python, per row); services listing or
# counting over many students use the *_filter_sql predicates. Both say the same thing, and
# tests/test_access.py checks that they agree.


@dataclass(frozen=True)
class Lens:
    """What `user` may read of one student's file. Build with `lens()` after require_student."""

    visibilities: tuple[str, ...]
    personal: bool  # sees personal circumstances (see PERSONAL_*)
    hidden_persons: frozenset[str] = frozenset()  # people whose involvement is hidden
    network_roles: tuple[str, ...] | None = None  # the roles shown of others; None = all
    me: str | None = None  # the user's own person_id: their own roles always show

    def shows_contact(self, contact: Mapping) -> bool:
        if (contact.get("visibility") or "guides") not in self.visibilities:
            return False
        return self.personal or contact.get("reason") not in PERSONAL_REASONS

    def shows_role(self, role: Mapping) -> bool:
        if self.network_roles is None or role.get("role") in self.network_roles:
            return True
        return self.me is not None and role.get("person_id") == self.me

    def shows_agreement(self, agreement: Mapping) -> bool:
        return agreement.get("holder_id") not in self.hidden_persons

    def persons(self, person_ids: list[str] | None) -> list[str]:
        """A participants / counterpart_ids list without the hidden people."""
        return [p for p in person_ids or [] if p not in self.hidden_persons]

    def contact(self, row: Mapping) -> dict:
        """A shown contact as the user may read it (hidden participants left out)."""
        return {**row, "participants": self.persons(row.get("participants"))}

    def agreement(self, row: Mapping) -> dict:
        """A shown agreement as the user may read it. Without personal circumstances its
        details only when it concerns the user (they hold it or are a party to it) and is not
        about expertise: a task division's details tell which services help with what."""
        out = {**row, "counterpart_ids": self.persons(row.get("counterpart_ids"))}
        party = self.me is not None and (
            row.get("holder_id") == self.me or self.me in (row.get("counterpart_ids") or ())
        )
        if not self.personal and (row.get("topic") in PERSONAL_TOPICS or not party):
            out["details"] = None
        return out

    def consent(self, row: Mapping) -> dict:
        """A consent decision as the user may read it: without personal circumstances (the
        student said no) that there is a decision, not its note, which tells why."""
        return dict(row) if self.personal else {**row, "note": None}

    def student(self, row: Mapping) -> dict:
        """The student row as the user may read it (no status reason unless personal)."""
        return dict(row) if self.personal else {**row, "status_reason": None}


def lens(cur: duckdb.DuckDBPyConnection, user: User, student_id: str, today: dt.date) -> Lens:
    """The Lens of `user` on this student on `today`. Assumes require_student passed.

    A workplace supervisor sees the roles of `workplace_network_roles` and their own. The
    people who hold only roles they may not see (on any date) are hidden everywhere in the
    file: their names would tell which services or other companies are involved.
    """
    personal = sees_personal_circumstances(cur, user, student_id, today)
    shown_visibilities = visibilities(cur, user, student_id, today)
    if user.kind != "workplace":
        return Lens(shown_visibilities, personal)
    network_roles = workplace_network_roles(personal)
    rows = cur.execute(
        "SELECT person_id FROM roles WHERE student_id = $sid AND person_id <> $me "
        "GROUP BY person_id HAVING bool_and(NOT list_contains($shown, role))",
        {"sid": student_id, "me": user.person_id or "", "shown": list(network_roles)},
    ).fetchall()
    hidden = frozenset(r[0] for r in rows)
    return Lens(shown_visibilities, personal, hidden, network_roles, user.person_id)


def workplace_network_roles(personal: bool) -> tuple[str, ...]:
    """The roles of others a workplace supervisor sees in a network (with or without the
    student's consent to share personal circumstances)."""
    return WORKPLACE_NETWORK_ROLES + (PERSONAL_ROLES if personal else ())


def contact_filter_sql(user: User, alias: str = "c") -> tuple[str, dict]:
    """A boolean SQL expression over contacts row `alias`: true when `user` may read it on $today.

    Combine with `alias.student_id IN (<scope_sql>)`; pass the params and "today". Equals
    `lens(...).shows_contact` row by row.
    """
    visibility = f"coalesce({alias}.visibility, 'guides')"
    if user.kind in ("admin", "care_coordinator", "care_worker"):
        return "true", {}
    if user.kind == "guide":
        holds = (
            "EXISTS (SELECT 1 FROM roles r WHERE r.student_id = {a}.student_id "
            "AND r.person_id = $scope_person AND list_contains(${p}, r.role) AND {active})"
        )
        school = holds.format(a=alias, p="scope_school_readers", active=ACTIVE_ROLE)
        care = holds.format(a=alias, p="scope_care_readers", active=ACTIVE_ROLE)
        return (
            f"(CASE {visibility} WHEN 'guides' THEN true WHEN 'school' THEN {school} "
            f"WHEN 'care' THEN {care} ELSE false END)",
            {
                "scope_person": user.person_id or "",
                "scope_school_readers": list(READERS["school"]),
                "scope_care_readers": list(READERS["care"]),
            },
        )
    if user.kind == "workplace":
        return (
            f"({visibility} = 'guides' AND (NOT list_contains($scope_personal_reasons, "
            f"coalesce({alias}.reason, '')) OR {_workplace_consent(alias + '.student_id')}))",
            {"scope_personal_reasons": list(PERSONAL_REASONS)},
        )
    return "false", {}


def role_filter_sql(user: User, alias: str = "ro") -> tuple[str, dict]:
    """A boolean SQL expression over roles row `alias`: true when `user` may see that role.

    Combine with the student scope as for contacts. Equals `lens(...).shows_role`.
    """
    if user.kind != "workplace":
        return "true", {}
    return (
        f"(list_contains($scope_network_roles, {alias}.role) "
        f"OR {alias}.person_id = $scope_person "
        f"OR (list_contains($scope_personal_roles, {alias}.role) "
        f"AND {_workplace_consent(alias + '.student_id')}))",
        {
            "scope_network_roles": list(workplace_network_roles(personal=False)),
            "scope_personal_roles": list(PERSONAL_ROLES),
            "scope_person": user.person_id or "",
        },
    )


# -- Caseload meetings -------------------------------------------------------------------------


def meeting_visible_sql(user: User, alias: str = "m") -> tuple[str, dict]:
    """A boolean SQL expression over meetings row `alias`: `user` may see that meeting.

    Admins see every meeting; a care coordinator the meetings they prepared; anyone who may
    view meetings those they are an attendee of. Within a meeting a user sees only the
    students of their own scope (scope_sql), and care-only items only with `care` among
    their visibilities of that student. Managers and workplace supervisors see no meeting.
    """
    if not may(user, "view_meetings"):
        return "false", {}
    if user.kind == "admin":
        return "true", {}
    return (
        f"({alias}.coordinator = $meeting_user OR EXISTS (SELECT 1 FROM meeting_attendees ma "
        f"WHERE ma.meeting_id = {alias}.meeting_id AND ma.person_id = $meeting_person))",
        {"meeting_user": user.username, "meeting_person": user.person_id or ""},
    )


def require_meeting(cur: Reader, user: User, meeting_id: str) -> None:
    """Raise NotFound (as for an unknown id) unless `user` may see the meeting."""
    where, params = meeting_visible_sql(user)
    sql = f"SELECT count(*) FROM meetings m WHERE m.meeting_id = $mid AND {where}"
    if not _scalar(cur, sql, {**params, "mid": meeting_id}):
        raise NotFound(meeting_id)


def sees_care_only(visible: tuple[str, ...]) -> bool:
    """Whether a user with these contact visibilities of a student (`visibilities`) may read
    a meeting's care-only decisions and actions about them: the readers of `care` contacts."""
    return "care" in visible
