"""Running a caseload meeting: one screen per student, and what is recorded there.

Decisions are text, or one-click decisions that write through the student file's own services
(agreements.hand_over_direction, agreements.record_agreement): those validate, write and audit
exactly as the file's own forms do, so the student file shows them at once; the meeting then
keeps a decision that points at the agreement. Actions have an owner (school staff), a due
date (not before the meeting) and a status history: `open` from the meeting's day, then `done`
or `cancelled` with the day it changed (final: an action never opens again, so "marked done or
cancelled on or before T" of ACTION_OVERDUE is simply the status on T). A closed meeting is
locked, but its actions can still be marked done: that is the follow-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.errors import NotFound
from dashboard.meetings import writes
from dashboard.meetings.model import CLOSED_STATUSES, Action, AgendaItem
from dashboard.meetings.reads import actions, ask_first, load, visible_ids
from dashboard.problem import Problem, Where
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import Tx, rows
from dashboard.students import agreements, student_file
from dashboard.students.file_model import Contact, StudentFile
from dashboard.students.write_steps import check, clean_text, insert, new_id
from validation.forms import AgreementForm

LAST_CONTACTS = 3  # the compact file shows this many latest contacts


@dataclass(frozen=True)
class MeetingScreen:
    """One student's screen in a running meeting: the compact file and the open actions (the
    meeting's own decisions and actions are in the Meeting the page already holds)."""

    item: AgendaItem
    file: StudentFile
    open_actions: tuple[Action, ...]  # of this student, from every meeting
    previous: str | None  # the student before, in agenda order
    next: str | None

    @property
    def last_contacts(self) -> tuple[Contact, ...]:
        return self.file.contacts[:LAST_CONTACTS]


def meeting_screen(
    store: Store,
    user: User,
    meeting_id: str,
    student_id: str,
    today: dt.date,
    lang: str = "nl",
    *,
    log_view: bool = True,
) -> MeetingScreen:
    """The screen of `student_id` in the meeting (NotFound unless on its agenda and visible).
    The file is loaded by student_file.load, so its opening is audited as any other."""
    access.ensure(user, "run_meetings")
    with store.read() as cur:
        access.require_meeting(cur, user, meeting_id)
        items = rows(
            cur,
            "SELECT i.student_id, s.first_name || ' ' || s.last_name AS name, i.position, "
            "i.minutes, i.reason, m.kind, m.held_on FROM meeting_items i "
            "JOIN meetings m USING (meeting_id) JOIN students s USING (student_id) "
            "WHERE i.meeting_id = $m ORDER BY i.position",
            {"m": meeting_id},
        )
        ids = [i["student_id"] for i in items]
        visible = visible_ids(cur, user, today, ids)
        ids = [sid for sid in ids if sid in visible]
        if student_id not in ids:
            raise NotFound(student_id)
        row = items[[i["student_id"] for i in items].index(student_id)]
        external = row.pop("kind") == "external"
        held_on = row.pop("held_on")
        marked = external and student_id in ask_first(cur, held_on, [student_id])
        open_actions = actions(
            cur,
            user,
            today,
            "a.student_id = $s AND NOT EXISTS (SELECT 1 FROM meeting_action_status h "
            "WHERE h.action_id = a.action_id AND h.status <> 'open')",
            {"s": student_id},
        )
    file = student_file.load(store, user, student_id, today, lang, log_view=log_view)
    at = ids.index(student_id)
    return MeetingScreen(
        AgendaItem(**row, ask_first=marked),
        file,
        open_actions,
        ids[at - 1] if at > 0 else None,
        ids[at + 1] if at + 1 < len(ids) else None,
    )


def _insert_decision(
    tx: Tx,
    user: User,
    meeting: dict,
    student_id: str,
    kind: str,
    text: str | None,
    agreement_id: str | None,
    care_only: bool,
) -> str:
    row = {
        "decision_id": new_id(tx, "meeting_decisions", "decision_id", "MD"),
        "meeting_id": meeting["meeting_id"],
        "student_id": student_id,
        "kind": kind,
        "text": text,
        "agreement_id": agreement_id,
        "care_only": care_only,
        "recorded_by": user.username,
        "recorded_at": writes.now(),
    }
    insert(tx, "meeting_decisions", row)
    writes.note(
        tx,
        user,
        "record_decision",
        "meeting_decisions",
        row["decision_id"],
        [student_id],
        None,
        row,
    )
    return row["decision_id"]


def record_decision(
    store: Store,
    user: User,
    meeting_id: str,
    student_id: str,
    text: str,
    today: dt.date,
    *,
    care_only: bool = False,
) -> str:
    """A decision in words about a student on the agenda; returns its decision_id."""
    access.ensure(user, "run_meetings")
    with store.write() as tx:
        meeting = writes.open_meeting(tx, user, meeting_id)
        writes.require_on_agenda(tx, user, meeting, student_id, today)
        text = clean_text(text) or ""
        if not text:
            check([Problem("meeting.problem.text_required", where=Where(field="decision"))])
        return _insert_decision(tx, user, meeting, student_id, "text", text, None, care_only)


def _check_open_on_agenda(
    store: Store, user: User, meeting_id: str, student_id: str, today: dt.date
) -> None:
    """Refuse a one-click decision before the student file's service writes anything."""
    with store.read() as cur:
        meeting = load(cur, user, meeting_id, today)
    if meeting.item(student_id) is None:
        raise NotFound(student_id)
    if meeting.is_closed:
        check([Problem("meeting.problem.closed", {"day": meeting.held_on})])


def _keep_decision(
    store: Store, user: User, meeting_id: str, student_id: str, kind: str, agreement_id: str
) -> str:
    with store.write() as tx:
        meeting = writes.meeting_row(tx, user, meeting_id)
        return _insert_decision(tx, user, meeting, student_id, kind, None, agreement_id, False)


def decide_direction(
    store: Store,
    user: User,
    meeting_id: str,
    student_id: str,
    holder_id: str | None,
    today: dt.date,
) -> str:
    """One click: `holder_id` holds direction (regie) from today, through
    agreements.hand_over_direction (validated and audited there); returns the decision_id."""
    access.ensure(user, "run_meetings")
    _check_open_on_agenda(store, user, meeting_id, student_id, today)
    agreement_id = agreements.hand_over_direction(store, user, student_id, holder_id, today, today)
    return _keep_decision(store, user, meeting_id, student_id, "direction", agreement_id)


def decide_information(
    store: Store,
    user: User,
    meeting_id: str,
    student_id: str,
    holder_id: str | None,
    details: str,
    today: dt.date,
) -> str:
    """One click: an information agreement from today (who informs whom, `details`), held by
    `holder_id`, through agreements.record_agreement; returns the decision_id."""
    access.ensure(user, "run_meetings")
    _check_open_on_agenda(store, user, meeting_id, student_id, today)
    form = AgreementForm(topic="information", holder_id=holder_id, details=details, agreed_on=today)
    agreement_id = agreements.record_agreement(store, user, student_id, form, today)
    return _keep_decision(store, user, meeting_id, student_id, "information", agreement_id)


def _action_problems(
    tx: Tx, meeting: dict, what: str, owner_id: str | None, due_on: dt.date | None
) -> list[Problem]:
    problems = []
    if not what:
        problems.append(Problem("meeting.problem.what_required", where=Where(field="what")))
    if not owner_id:
        problems.append(Problem("meeting.problem.owner_required", where=Where(field="owner")))
    else:
        kind = tx.scalar(
            "SELECT organisation_kind FROM staff WHERE person_id = $p", {"p": owner_id}
        )
        if kind is None:
            problems.append(
                Problem(
                    "meeting.problem.unknown_person", where=Where(field="owner"), value=owner_id
                )
            )
        elif kind != "school":
            problems.append(
                Problem(
                    "meeting.problem.owner_outside_school",
                    where=Where(field="owner"),
                    value=owner_id,
                )
            )
    if due_on is None:
        problems.append(Problem("meeting.problem.due_required", where=Where(field="due_on")))
    elif due_on < meeting["held_on"]:
        problems.append(
            Problem(
                "meeting.problem.due_before_meeting",
                {"day": meeting["held_on"]},
                Where(field="due_on"),
                due_on,
            )
        )
    return problems


def add_action(
    store: Store,
    user: User,
    meeting_id: str,
    student_id: str,
    what: str,
    owner_id: str | None,
    due_on: dt.date | None,
    today: dt.date,
    *,
    note: str = "",
    care_only: bool = False,
) -> str:
    """An action about a student on the agenda: what, who (school staff), by when (not before
    the meeting); open from the meeting's day. Returns its action_id."""
    access.ensure(user, "run_meetings")
    with store.write() as tx:
        meeting = writes.open_meeting(tx, user, meeting_id)
        writes.require_on_agenda(tx, user, meeting, student_id, today)
        what = clean_text(what) or ""
        check(_action_problems(tx, meeting, what, owner_id, due_on))
        action_id = new_id(tx, "meeting_actions", "action_id", "MA")
        row = {
            "action_id": action_id,
            "meeting_id": meeting_id,
            "student_id": student_id,
            "what": what,
            "owner_id": owner_id,
            "due_on": due_on,
            "note": clean_text(note),
            "care_only": care_only,
            "created_by": user.username,
            "created_at": writes.now(),
        }
        insert(tx, "meeting_actions", row)
        insert(
            tx,
            "meeting_action_status",
            {
                "action_id": action_id,
                "student_id": student_id,
                "status": "open",
                "changed_on": meeting["held_on"],
                "changed_by": user.username,
                "changed_at": row["created_at"],
            },
        )
        writes.note(tx, user, "add_action", "meeting_actions", action_id, [student_id], None, row)
        return action_id


def set_action_status(
    store: Store,
    user: User,
    action_id: str,
    status: str,
    on: dt.date | None,
    today: dt.date,
) -> None:
    """Mark an open action done or cancelled on day `on` (between the meeting and today).

    The coordinator of its meeting may, and so may the action's owner: this is the
    follow-up, so it works after the meeting closed too.
    """
    access.ensure(user, "view_meetings")
    with store.write() as tx:
        row = tx.one(
            "SELECT a.*, m.held_on FROM meeting_actions a JOIN meetings m USING (meeting_id) "
            "WHERE a.action_id = $a",
            {"a": action_id},
        )
        if row is None:
            raise NotFound(action_id)
        access.require_student(tx, user, row["student_id"], today)
        is_owner = user.person_id is not None and user.person_id == row["owner_id"]
        if not is_owner:
            access.ensure(user, "run_meetings")
            access.require_meeting(tx, user, row["meeting_id"])
        current = tx.scalar(
            "SELECT coalesce(max(status) FILTER (WHERE status <> 'open'), 'open') "
            "FROM meeting_action_status WHERE action_id = $a",
            {"a": action_id},
        )
        problems = []
        if status not in CLOSED_STATUSES:
            problems.append(
                Problem("meeting.problem.status", where=Where(field="status"), value=status)
            )
        if current != "open":
            problems.append(Problem("meeting.problem.not_open", where=Where(field="status")))
        if on is None or not row["held_on"] <= on <= today:
            problems.append(
                Problem(
                    "meeting.problem.status_day",
                    {"first": row["held_on"], "today": today},
                    Where(field="changed_on"),
                    on,
                )
            )
        check(problems)
        change = {
            "action_id": action_id,
            "student_id": row["student_id"],
            "status": status,
            "changed_on": on,
            "changed_by": user.username,
            "changed_at": writes.now(),
        }
        insert(tx, "meeting_action_status", change)
        writes.note(
            tx,
            user,
            "set_action_status",
            "meeting_actions",
            action_id,
            [row["student_id"]],
            {"status": current},
            change,
        )


def set_attendance(
    store: Store, user: User, meeting_id: str, present: Mapping[str, bool], today: dt.date
) -> None:
    """Who attended (True) and who was absent (False), per attendee."""
    access.ensure(user, "run_meetings")
    with store.write() as tx:
        meeting = writes.open_meeting(tx, user, meeting_id)
        known = set(
            tx.column(
                "SELECT person_id FROM meeting_attendees WHERE meeting_id = $m", {"m": meeting_id}
            )
        )
        check(
            [
                Problem("meeting.problem.not_attendee", where=Where(field="attendees"), value=p)
                for p in present
                if p not in known
            ]
        )
        for person_id, is_present in present.items():
            tx.execute(
                "UPDATE meeting_attendees SET present = $v WHERE meeting_id = $m "
                "AND person_id = $p",
                {"v": bool(is_present), "m": meeting_id, "p": person_id},
            )
        writes.note(
            tx,
            user,
            "set_attendance",
            "meeting_attendees",
            meeting_id,
            writes.agenda_ids(tx, meeting["meeting_id"]),
            None,
            {"present": dict(present)},
        )


def _set_closed(store: Store, user: User, meeting_id: str, close: bool) -> None:
    access.ensure(user, "run_meetings")
    with store.write() as tx:
        meeting = writes.meeting_row(tx, user, meeting_id)
        if (meeting["closed_at"] is not None) == close:
            key = "meeting.problem.already_closed" if close else "meeting.problem.not_closed"
            check([Problem(key)])
        values = {"at": writes.now() if close else None, "by": user.username if close else None}
        tx.execute(
            "UPDATE meetings SET closed_at = $at, closed_by = $by WHERE meeting_id = $m",
            {**values, "m": meeting_id},
        )
        writes.note(
            tx,
            user,
            "close_meeting" if close else "reopen_meeting",
            "meetings",
            meeting_id,
            writes.agenda_ids(tx, meeting_id),
            {"closed_at": meeting["closed_at"]},
            {"closed_at": values["at"]},
        )


def close_meeting(store: Store, user: User, meeting_id: str) -> None:
    """Close (lock) the meeting: no agenda, decision, action or attendance changes after."""
    _set_closed(store, user, meeting_id, close=True)


def reopen_meeting(store: Store, user: User, meeting_id: str) -> None:
    """Open a closed meeting again (audited like every write)."""
    _set_closed(store, user, meeting_id, close=False)
