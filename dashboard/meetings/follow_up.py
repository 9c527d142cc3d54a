"""Following meetings up: the meetings a user sees, one meeting, "my actions", and a
student's decisions and actions for the student file.

Overdue actions are also a signal (ACTION_OVERDUE, queries/signals.sql), so they show in the
caseload like every other signal; the lists here are the owners' and the file's own view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboard.meetings.model import Action, Meeting, MeetingSummary
from dashboard.meetings.reads import actions, care_readers, load, visible_ids
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import rows

_STILL_OPEN = (
    "NOT EXISTS (SELECT 1 FROM meeting_action_status h "
    "WHERE h.action_id = a.action_id AND h.status <> 'open')"
)


@dataclass(frozen=True)
class StudentDecision:
    meeting_id: str
    held_on: dt.date
    kind: str
    text: str | None
    holder_name: str | None
    agreed_on: dt.date | None


@dataclass(frozen=True)
class StudentMeetings:
    """What meetings decided about one student, for their file."""

    decisions: tuple[StudentDecision, ...]  # newest meeting first
    actions: tuple[Action, ...]  # open ones first, then by due date

    @property
    def open_actions(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.is_open)


def list_meetings(store: Store, user: User, today: dt.date) -> tuple[MeetingSummary, ...]:
    """The meetings `user` may see, newest first, with the number of their students they see."""
    access.ensure(user, "view_meetings")
    where, params = access.meeting_visible_sql(user)
    with store.read() as cur:
        found = rows(
            cur,
            "SELECT m.meeting_id, m.held_on, m.kind, m.caseload_kind, m.caseload_value, "
            "m.closed_at IS NOT NULL AS is_closed, "
            "list(i.student_id) FILTER (WHERE i.student_id IS NOT NULL) AS ids "
            "FROM meetings m LEFT JOIN meeting_items i USING (meeting_id) "
            f"WHERE {where} GROUP BY ALL ORDER BY m.held_on DESC, m.meeting_id",
            params,
        )
        visible = visible_ids(cur, user, today, (s for r in found for s in r["ids"] or []))
    return tuple(
        MeetingSummary(
            **{k: v for k, v in r.items() if k != "ids"},
            students=sum(s in visible for s in r["ids"] or []),
        )
        for r in found
    )


def load_meeting(store: Store, user: User, meeting_id: str, today: dt.date) -> Meeting:
    """One meeting as `user` may read it (NotFound when they may not see it)."""
    access.ensure(user, "view_meetings")
    with store.read() as cur:
        return load(cur, user, meeting_id, today)


def my_actions(store: Store, user: User, today: dt.date) -> tuple[Action, ...]:
    """The open actions `user` owns, of students they may see, by due date."""
    access.ensure(user, "view_meetings")
    with store.read() as cur:
        return actions(
            cur, user, today, f"a.owner_id = $me AND {_STILL_OPEN}", {"me": user.person_id or ""}
        )


def student_meetings(store: Store, user: User, student_id: str, today: dt.date) -> StudentMeetings:
    """The decisions and actions of every meeting about one student, as `user` may read
    them (NotFound when they may not see the student)."""
    access.ensure(user, "view_meetings")
    with store.read() as cur:
        access.require_student(cur, user, student_id, today)
        care = bool(care_readers(cur, user, today, [student_id]))
        decisions = tuple(
            StudentDecision(**{k: v for k, v in d.items() if k != "care_only"})
            for d in rows(
                cur,
                "SELECT d.meeting_id, m.held_on, d.kind, d.text, p.name AS holder_name, g.agreed_on, "
                "d.care_only FROM meeting_decisions d JOIN meetings m USING (meeting_id) "
                "LEFT JOIN agreements g USING (agreement_id) "
                "LEFT JOIN staff p ON p.person_id = g.holder_id "
                "WHERE d.student_id = $s ORDER BY m.held_on DESC, d.recorded_at",
                {"s": student_id},
            )
            if care or not d["care_only"]
        )
        found = actions(cur, user, today, "a.student_id = $s", {"s": student_id})
    return StudentMeetings(decisions, tuple(sorted(found, key=lambda a: not a.is_open)))
