"""The caseload meeting's read model: what the services give a page. Frozen dataclasses only.

A meeting (caseloadbespreking; with external partners a zorgoverleg) has a caseload, attendees,
an agenda of students, and per student decisions and actions. Names of students are in the
model as the user may read them: a student of an external meeting whose consent is missing
carries `ask_first`, and the minutes show them without name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

KINDS = ("internal", "external")  # internal: school staff only
CASELOAD_KINDS = ("guide", "class", "location", "list")
STATUSES = ("open", "done", "cancelled")
CLOSED_STATUSES = ("done", "cancelled")  # final: an action never opens again
DECISION_KINDS = ("text", "direction", "information")
# Why Regiebord proposed a student, in the agenda's order (`added`: the coordinator did).
REASONS = ("high", "overdue", "medium", "longest_ago", "added")
DEFAULT_MINUTES = 5  # planned minutes per student in a proposed agenda


@dataclass(frozen=True)
class CaseloadChoice:
    """Whose students a meeting is about: a guide's (`value` a person_id), a class, a
    location, or a hand-picked `list`."""

    kind: str
    value: str | None = None
    student_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeetingForm:
    held_on: dt.date | None
    kind: str
    caseload: CaseloadChoice
    minutes_available: int
    attendees: tuple[tuple[str, str], ...] = ()  # (person_id, role in the meeting)


@dataclass(frozen=True)
class Proposal:
    """One student of a proposed agenda."""

    student_id: str
    name: str
    reason: str
    minutes: int
    last_discussed: dt.date | None


@dataclass(frozen=True)
class AgendaItem:
    student_id: str
    name: str
    position: int
    minutes: int
    reason: str
    ask_first: bool  # external meeting, consent not yes: discuss without name, or ask first


@dataclass(frozen=True)
class Attendee:
    person_id: str
    name: str
    organisation: str
    role: str
    present: bool | None


@dataclass(frozen=True)
class Decision:
    decision_id: str
    student_id: str
    kind: str
    text: str | None
    agreement_id: str | None
    care_only: bool
    recorded_by: str
    recorded_at: dt.datetime
    holder_name: str | None = None  # a one-click decision: the agreement's holder
    agreed_on: dt.date | None = None  # ... and the day it holds from


@dataclass(frozen=True)
class StatusChange:
    status: str
    changed_on: dt.date
    changed_by: str


@dataclass(frozen=True)
class Action:
    action_id: str
    meeting_id: str
    held_on: dt.date
    student_id: str
    student_name: str
    what: str
    owner_id: str
    owner_name: str
    due_on: dt.date
    note: str | None
    care_only: bool
    history: tuple[StatusChange, ...]  # oldest first; the last is the status now

    @property
    def status(self) -> str:
        return self.history[-1].status

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due_on < today


@dataclass(frozen=True)
class MeetingSummary:
    meeting_id: str
    held_on: dt.date
    kind: str
    caseload_kind: str
    caseload_value: str | None
    is_closed: bool
    students: int


@dataclass(frozen=True)
class Meeting:
    meeting_id: str
    held_on: dt.date
    kind: str
    caseload_kind: str
    caseload_value: str | None
    minutes_available: int
    coordinator: str
    closed_at: dt.datetime | None
    attendees: tuple[Attendee, ...]
    agenda: tuple[AgendaItem, ...]  # the students the user may see, in order
    decisions: tuple[Decision, ...]
    actions: tuple[Action, ...]
    carried: tuple[Action, ...]  # still open from earlier meetings of the same caseload
    may_run: bool  # the user may change it (while open)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def item(self, student_id: str) -> AgendaItem | None:
        return next((i for i in self.agenda if i.student_id == student_id), None)

    def decisions_of(self, student_id: str) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.student_id == student_id)

    def actions_of(self, student_id: str) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.student_id == student_id)
