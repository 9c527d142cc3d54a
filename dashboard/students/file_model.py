"""The student file's read model: what `student_file.load` gives a page.

Frozen dataclasses only, with the few derived views a page asks for (the guides, who holds
direction, a topic's status); the loading, access checks and auditing are in student_file.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    organisation: str
    organisation_kind: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Student:
    student_id: str
    first_name: str
    last_name: str
    birth_date: dt.date
    programme: str
    location: str
    class_code: str | None
    enrolment_date: dt.date
    status: str
    status_date: dt.date | None
    status_reason: str | None
    age: int
    is_minor: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Involvement:
    """One role of one person for the student (betrokkenheid)."""

    person: Person
    role: str
    start_date: dt.date
    end_date: dt.date | None
    note: str | None
    is_active: bool


@dataclass(frozen=True)
class Moment:
    """One of the three fixed contact moments of a placement.

    `missing` names the parties the held moment lacked: `supervisor`, `school_guide`,
    `student` (docs/flags.md, MOMENT_INCOMPLETE).
    """

    kind: str
    planned_on: dt.date
    held_on: dt.date | None = None
    contact_id: str | None = None
    participants: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def is_held(self) -> bool:
        return self.held_on is not None


@dataclass(frozen=True)
class Placement:
    placement_id: str
    company: str
    supervisor_id: str | None
    start_date: dt.date
    end_date: dt.date
    ended_early_on: dt.date | None
    is_active: bool
    moments: tuple[Moment, ...]

    @property
    def ends_on(self) -> dt.date:
        return self.ended_early_on or self.end_date


@dataclass(frozen=True)
class Contact:
    contact_id: str
    placement_id: str | None
    date: dt.date
    kind: str
    channel: str
    participants: tuple[str, ...]
    student_present: bool
    initiated_by: str | None
    reason: str | None
    summary: str | None
    visibility: str


@dataclass(frozen=True)
class Agreement:
    agreement_id: str
    placement_id: str | None
    topic: str
    holder_id: str
    counterpart_ids: tuple[str, ...]
    details: str | None
    frequency_days: int | None
    discussed_with_student: bool
    agreed_on: dt.date
    review_on: dt.date | None
    ended_on: dt.date | None
    is_active: bool
    is_review_overdue: bool


@dataclass(frozen=True)
class TopicStatus:
    """One topic of the interchange spec: `present`, `missing` or `review_overdue`."""

    topic: str
    status: str
    active: tuple[Agreement, ...]


@dataclass(frozen=True)
class ConsentDecision:
    audience: str
    shares: bool
    decided_on: dt.date
    recorded_by: str
    note: str | None
    in_force: bool


@dataclass(frozen=True)
class HistoryEntry:
    occurred_at: dt.datetime
    actor: str
    action: str
    entity: str | None
    entity_key: str | None
    old_value: dict | None
    new_value: dict | None


@dataclass(frozen=True)
class StudentFile:
    as_of: dt.date
    student: Student
    network: tuple[Involvement, ...]  # active roles first, then ended ones
    placements: tuple[Placement, ...]
    contacts: tuple[Contact, ...]  # newest first
    agreements: tuple[Agreement, ...]  # every version, active first
    topics: tuple[TopicStatus, ...]
    consents: tuple[ConsentDecision, ...]  # newest first per audience
    consent_audiences: tuple[str, ...]  # the audiences this user may see decisions for
    signals: pd.DataFrame  # open signals, described (explanation, next_step)
    people: dict[str, Person]  # everyone the user may see named in this file
    visibilities: tuple[str, ...]  # contact visibilities the user may read (and write)
    sees_personal: bool
    may_write: bool
    may_log_contact: bool
    acknowledged_signals: int = 0

    def name_of(self, person_id: str | None) -> str | None:
        """The person's name, or None when the person is not shown to this user."""
        person = self.people.get(person_id or "")
        return person.name if person else None

    @property
    def guides(self) -> tuple[Person, ...]:
        """People with an active role other than `parent`, each once."""
        seen: dict[str, Person] = {}
        for item in self.network:
            if item.is_active and item.role != "parent":
                seen.setdefault(item.person.person_id, item.person)
        return tuple(seen.values())

    @property
    def active_network(self) -> tuple[Involvement, ...]:
        return tuple(i for i in self.network if i.is_active)

    @property
    def direction(self) -> Agreement | None:
        return _main(self.topic("direction"))

    @property
    def final_responsibility(self) -> Agreement | None:
        return _main(self.topic("final_responsibility"))

    def topic(self, topic: str) -> TopicStatus:
        return next(t for t in self.topics if t.topic == topic)

    def roles_of(self, person_id: str) -> tuple[str, ...]:
        return tuple(
            i.role for i in self.network if i.is_active and i.person.person_id == person_id
        )

    def consent_in_force(self, audience: str) -> ConsentDecision | None:
        return next((c for c in self.consents if c.audience == audience and c.in_force), None)


def _main(status: TopicStatus) -> Agreement | None:
    """The student-wide agreement if there is one, else the newest one for a placement."""
    if not status.active:
        return None
    return sorted(
        status.active, key=lambda a: (a.placement_id is not None, -a.agreed_on.toordinal())
    )[0]
