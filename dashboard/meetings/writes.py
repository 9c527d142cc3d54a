"""The steps every meeting write shares: find the open meeting, check attendees, write rows
and note the change.

Each write runs in one transaction: the meeting must be visible to the user (NotFound
otherwise) and open (a closed meeting is locked: Invalid), then rows are written and one
audit event per change keeps the old and new values without free texts (decisions, what an
action is, notes). The students concerned are touched, so the caches (the day cache follows
ACTION_OVERDUE this way) and the pages see the change at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dashboard.errors import NotFound
from dashboard.meetings.model import MeetingForm, Proposal
from dashboard.problem import Problem, Where
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store.tx import Tx
from dashboard.students.write_steps import check, insert, new_id

# Free texts stay out of the audit trail (docs/security.md, audit).
TEXT_FIELDS = ("text", "what", "note")
# Who may attend: internal meetings are for school staff only.
ATTENDEE_KINDS = {"internal": ("school",), "external": ("school", "care", "external")}


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _public(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {k: (bool(v) if k in TEXT_FIELDS else v) for k, v in row.items()}


def note(
    tx: Tx,
    user: User,
    action: str,
    entity: str,
    key: str,
    student_ids: Sequence[str],
    old: dict | None,
    new: dict | None,
) -> None:
    """Touch the students and append the audit event (one student: named in the event)."""
    if student_ids:
        tx.touch(student_ids)
    else:
        tx.touch_all()
    student = student_ids[0] if len(student_ids) == 1 else None
    audit.record(
        tx,
        audit.MeetingChange(user.actor, action, entity, key, student, _public(old), _public(new)),
    )


def meeting_row(tx: Tx, user: User, meeting_id: str) -> dict:
    """The stored meeting, when `user` may see it (NotFound otherwise)."""
    access.require_meeting(tx, user, meeting_id)
    row = tx.one("SELECT * FROM meetings WHERE meeting_id = $m", {"m": meeting_id})
    assert row is not None, "require_meeting found it"
    return row


def open_meeting(tx: Tx, user: User, meeting_id: str) -> dict:
    """The meeting, visible to `user` and not closed (a closed meeting is locked)."""
    row = meeting_row(tx, user, meeting_id)
    if row["closed_at"] is not None:
        check([Problem("meeting.problem.closed", {"day": row["held_on"]})])
    return row


def agenda_ids(tx: Tx, meeting_id: str) -> list[str]:
    return tx.column(
        "SELECT student_id FROM meeting_items WHERE meeting_id = $m ORDER BY position",
        {"m": meeting_id},
    )


def require_on_agenda(tx: Tx, user: User, meeting: dict, student_id: str, today: dt.date) -> None:
    """NotFound unless the student is on the meeting's agenda and visible to `user`."""
    if student_id not in agenda_ids(tx, meeting["meeting_id"]):
        raise NotFound(student_id)  # the same answer as for an unknown student
    access.require_student(tx, user, student_id, today)


def attendee_problems(tx: Tx, kind: str, attendees: Sequence[tuple[str, str]]) -> list[Problem]:
    """Attendees must be known staff with a role, of the kinds the meeting allows."""
    ids = [p for p, _ in attendees]
    known = {
        r["person_id"]: r["organisation_kind"]
        for r in tx.rows(
            "SELECT person_id, organisation_kind FROM staff WHERE person_id IN "
            "(SELECT unnest($ids::VARCHAR[]))",
            {"ids": ids},
        )
    }
    allowed = ATTENDEE_KINDS.get(kind, ())
    problems = []
    for person_id, role in attendees:
        where = Where(field="attendees")
        if person_id not in known:
            problems.append(Problem("meeting.problem.unknown_person", where=where, value=person_id))
        elif known[person_id] not in allowed:
            problems.append(
                Problem("meeting.problem.attendee_kind", {"kind": kind}, where, person_id)
            )
        if not (role or "").strip():
            problems.append(Problem("meeting.problem.role_required", where=where, value=person_id))
    if len(set(ids)) != len(ids):
        problems.append(
            Problem("meeting.problem.duplicate_attendee", where=Where(field="attendees"))
        )
    return problems


def insert_meeting(tx: Tx, user: User, form: MeetingForm, proposal: Sequence[Proposal]) -> str:
    meeting_id = new_id(tx, "meetings", "meeting_id", "M")
    row = {
        "meeting_id": meeting_id,
        "held_on": form.held_on,
        "kind": form.kind,
        "caseload_kind": form.caseload.kind,
        "caseload_value": None if form.caseload.kind == "list" else form.caseload.value,
        "minutes_available": form.minutes_available,
        "coordinator": user.username,
        "created_at": now(),
        "closed_at": None,
        "closed_by": None,
    }
    insert(tx, "meetings", row)
    for person_id, role in form.attendees:
        insert(
            tx,
            "meeting_attendees",
            {
                "meeting_id": meeting_id,
                "person_id": person_id,
                "role": role.strip(),
                "present": None,
            },
        )
    for position, p in enumerate(proposal, start=1):
        insert(
            tx,
            "meeting_items",
            {
                "meeting_id": meeting_id,
                "student_id": p.student_id,
                "position": position,
                "minutes": p.minutes,
                "reason": p.reason,
            },
        )
    new = {**row, "attendees": len(form.attendees), "students": len(proposal)}
    note(
        tx,
        user,
        "create_meeting",
        "meetings",
        meeting_id,
        [p.student_id for p in proposal],
        None,
        new,
    )
    return meeting_id


def replace_agenda(tx: Tx, user: User, meeting: dict, items: list[tuple[str, int]]) -> None:
    mid = meeting["meeting_id"]
    old = tx.rows(
        "SELECT student_id, minutes, reason FROM meeting_items WHERE meeting_id = $m "
        "ORDER BY position",
        {"m": mid},
    )
    reasons = {r["student_id"]: r["reason"] for r in old}
    tx.execute("DELETE FROM meeting_items WHERE meeting_id = $m", {"m": mid})
    for position, (sid, minutes) in enumerate(items, start=1):
        insert(
            tx,
            "meeting_items",
            {
                "meeting_id": mid,
                "student_id": sid,
                "position": position,
                "minutes": minutes,
                "reason": reasons.get(sid, "added"),
            },
        )
    touched = sorted(set(reasons) | {sid for sid, _ in items})
    note(
        tx,
        user,
        "set_agenda",
        "meeting_items",
        mid,
        touched,
        {"agenda": [[r["student_id"], r["minutes"]] for r in old]},
        {"agenda": [list(i) for i in items]},
    )


def replace_attendees(tx: Tx, user: User, meeting: dict, attendees: list[tuple[str, str]]) -> None:
    mid = meeting["meeting_id"]
    old = tx.rows(
        "SELECT person_id, role, present FROM meeting_attendees WHERE meeting_id = $m "
        "ORDER BY person_id",
        {"m": mid},
    )
    present = {r["person_id"]: r["present"] for r in old}
    tx.execute("DELETE FROM meeting_attendees WHERE meeting_id = $m", {"m": mid})
    for person_id, role in attendees:
        insert(
            tx,
            "meeting_attendees",
            {
                "meeting_id": mid,
                "person_id": person_id,
                "role": role.strip(),
                "present": present.get(person_id),
            },
        )
    note(
        tx,
        user,
        "set_attendees",
        "meeting_attendees",
        mid,
        agenda_ids(tx, mid),
        {"attendees": old},
        {"attendees": [list(a) for a in attendees]},
    )
