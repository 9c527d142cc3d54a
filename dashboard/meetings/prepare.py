"""Preparing a caseload meeting: the caseload, the proposed agenda, the attendees.

Regiebord proposes the agenda in the order of the issue: students with open high signals,
then those with overdue actions (ACTION_OVERDUE), then those with open medium signals, then
the rest, whose last discussion is longest ago (never first). Within a group the same rule
decides: longest ago first, then by name. As many students are proposed, in that order, as
fit in the minutes available at DEFAULT_MINUTES each (at least one).
The coordinator then reorders, adds and drops students and sets minutes per student
(`set_agenda`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dashboard.meetings import writes
from dashboard.meetings.model import (
    CASELOAD_KINDS,
    DEFAULT_MINUTES,
    KINDS,
    CaseloadChoice,
    MeetingForm,
    Proposal,
)
from dashboard.meetings.reads import visible_ids
from dashboard.problem import Problem, Where
from dashboard.security import access
from dashboard.security.access import User
from dashboard.signals import day_cache
from dashboard.store import Store
from dashboard.store.tx import rows
from dashboard.students.write_steps import check

MAX_MINUTES = 600  # a meeting's minutes available
MAX_ITEM_MINUTES = 120  # one student's planned minutes

# The caseload's students on `today`: active, and chosen by the caseload's kind.
_CASELOAD = {
    "guide": "student_id IN (SELECT r.student_id FROM roles r WHERE r.person_id = $value "
    f"AND r.role <> 'parent' AND {access.ACTIVE_ROLE})",
    "class": "class_code = $value",
    "location": "location = $value",
    "list": "student_id IN (SELECT unnest($ids::VARCHAR[]))",
}


def _caseload(
    cur, user: User, choice: CaseloadChoice, held_on: dt.date, today: dt.date
) -> list[dict]:
    """The active students of the caseload that `user` may see (student_id, name, and the
    day they were last on the agenda of a meeting before `held_on`); Invalid for a
    hand-picked student they may not see (named as given, so the list can be corrected)."""
    problems = []
    if choice.kind not in CASELOAD_KINDS:
        problems.append(Problem("meeting.problem.caseload_kind", where=Where(field="caseload")))
    elif choice.kind == "list" and not choice.student_ids:
        problems.append(Problem("meeting.problem.empty_list", where=Where(field="caseload")))
    elif choice.kind != "list" and not choice.value:
        problems.append(Problem("meeting.problem.caseload_value", where=Where(field="caseload")))
    check(problems)
    if choice.kind == "list":
        seen = visible_ids(cur, user, today, choice.student_ids)
        check(
            [
                Problem(
                    "meeting.problem.student_outside_scope",
                    where=Where(field="caseload"),
                    value=sid,
                )
                for sid in dict.fromkeys(choice.student_ids)
                if sid not in seen
            ]
        )
    scope, params = access.scope_sql(user)
    sql = f"""
        WITH chosen AS (
            SELECT student_id, first_name || ' ' || last_name AS name FROM students
            WHERE {_CASELOAD[choice.kind]}
              AND enrolment_date <= $today AND (status = 'active' OR status_date > $today)
              AND student_id IN ({scope})
        )
        SELECT c.student_id, c.name, d.last_discussed
        FROM chosen c
        LEFT JOIN (
            SELECT i.student_id, max(m.held_on) AS last_discussed
            FROM meeting_items i JOIN meetings m USING (meeting_id)
            WHERE m.held_on < $day AND i.student_id IN (SELECT student_id FROM chosen)
            GROUP BY i.student_id
        ) d USING (student_id)
        ORDER BY c.student_id
    """
    values = {
        **params,
        "today": today,
        "day": held_on,
        "value": choice.value,
        "ids": list(choice.student_ids),
    }
    return rows(cur, sql, access.used_params(sql, values))


def propose_agenda(
    store: Store,
    user: User,
    choice: CaseloadChoice,
    held_on: dt.date,
    minutes_available: int,
    today: dt.date,
) -> tuple[Proposal, ...]:
    """The proposed agenda of a meeting on `held_on` about `choice`, with signals of `today`."""
    access.ensure(user, "run_meetings")
    with store.read() as cur:
        found = _caseload(cur, user, choice, held_on, today)
    if not found:
        return ()
    signals = day_cache.evaluate(store, today, [r["student_id"] for r in found])
    open_ = signals[~signals["acknowledged"]]
    high = set(open_.loc[open_["severity"] == "high", "student_id"])
    overdue = set(open_.loc[open_["code"] == "ACTION_OVERDUE", "student_id"])
    medium = set(open_.loc[open_["severity"] == "medium", "student_id"])

    def reason(sid: str) -> str:
        if sid in high:
            return "high"
        if sid in overdue:
            return "overdue"
        return "medium" if sid in medium else "longest_ago"

    order = ("high", "overdue", "medium", "longest_ago")
    ranked = sorted(
        (
            Proposal(
                r["student_id"],
                r["name"],
                reason(r["student_id"]),
                DEFAULT_MINUTES,
                r["last_discussed"],
            )
            for r in found
        ),
        key=lambda p: (
            order.index(p.reason),
            p.last_discussed or dt.date.min,
            p.name,
            p.student_id,
        ),
    )
    fits = max(1, minutes_available // DEFAULT_MINUTES)
    return tuple(ranked[:fits])


def _form_problems(form: MeetingForm) -> list[Problem]:
    problems = []
    if form.held_on is None:
        problems.append(Problem("meeting.problem.date_required", where=Where(field="held_on")))
    if form.kind not in KINDS:
        problems.append(Problem("meeting.problem.kind", where=Where(field="meeting_kind")))
    if not 1 <= form.minutes_available <= MAX_MINUTES:
        problems.append(
            Problem(
                "meeting.problem.minutes",
                {"most": MAX_MINUTES},
                Where(field="minutes_available"),
                form.minutes_available,
            )
        )
    return problems


def create_meeting(store: Store, user: User, form: MeetingForm, today: dt.date) -> str:
    """Prepare a meeting with the proposed agenda; returns its meeting_id. Nothing is
    written when anything is wrong (every problem at once)."""
    access.ensure(user, "run_meetings")
    check(_form_problems(form))
    assert form.held_on is not None, "checked"
    proposal = propose_agenda(
        store, user, form.caseload, form.held_on, form.minutes_available, today
    )
    with store.write() as tx:
        check(writes.attendee_problems(tx, form.kind, form.attendees))
        return writes.insert_meeting(tx, user, form, proposal)


def set_agenda(
    store: Store,
    user: User,
    meeting_id: str,
    items: Sequence[tuple[str, int]],
    today: dt.date,
) -> None:
    """The agenda becomes `items` (student_id, planned minutes), in this order: reorder, add
    and drop in one go. A student added by hand gets reason `added`."""
    access.ensure(user, "run_meetings")
    with store.write() as tx:
        meeting = writes.open_meeting(tx, user, meeting_id)
        ids = [sid for sid, _ in items]
        seen = visible_ids(tx.duckdb, user, today, ids)
        problems = [
            Problem("meeting.problem.student_outside_scope", where=Where(field="agenda"), value=s)
            for s in dict.fromkeys(ids)
            if s not in seen
        ]
        if len(set(ids)) != len(ids):
            problems.append(Problem("meeting.problem.duplicate", where=Where(field="agenda")))
        problems += [
            Problem(
                "meeting.problem.item_minutes",
                {"most": MAX_ITEM_MINUTES},
                Where(field="agenda"),
                minutes,
            )
            for _, minutes in items
            if not 1 <= minutes <= MAX_ITEM_MINUTES
        ]
        check(problems)
        writes.replace_agenda(tx, user, meeting, list(items))


def set_attendees(
    store: Store,
    user: User,
    meeting_id: str,
    attendees: Sequence[tuple[str, str]],
    today: dt.date,
) -> None:
    """The attendees become `attendees` (person_id, role in the meeting); attendance already
    taken is kept for those who stay."""
    access.ensure(user, "run_meetings")
    with store.write() as tx:
        meeting = writes.open_meeting(tx, user, meeting_id)
        check(writes.attendee_problems(tx, meeting["kind"], attendees))
        writes.replace_attendees(tx, user, meeting, list(attendees))
