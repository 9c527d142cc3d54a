"""Small builders of test data, the way docs/flags.md is written: a healthy student, then one
thing changed.

A `World` holds rows per interchange table as plain dicts (columns as in dashboard.codes.TABLES;
person lists as Python lists, booleans as bool, dates as datetime.date) and writes them to a
store with `save`. `healthy_student(world, T)` adds a student who has no signal at all on day
T and returns a `Healthy` with the ids of its parts, so a test can change exactly one thing:

    world = World()
    s = healthy_student(world, T)
    world.contacts.remove(s.contact("start"))       # no start meeting
    world.save(store)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dashboard.codes import TABLES


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@dataclass
class World:
    students: list[dict] = field(default_factory=list)
    staff: list[dict] = field(default_factory=list)
    roles: list[dict] = field(default_factory=list)
    placements: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)
    agreements: list[dict] = field(default_factory=list)
    consents: list[dict] = field(default_factory=list)
    absences: list[dict] = field(default_factory=list)
    _next: int = 0

    def new_id(self, prefix: str) -> str:
        self._next += 1
        return f"{prefix}{self._next}"

    # -- adders: required columns as arguments, the rest as keywords -----------------------
    def add_student(self, student_id: str, enrolment_date: dt.date, **kw) -> dict:
        row = {
            "student_id": student_id,
            "first_name": "Sam",
            "last_name": f"Student {student_id}",
            "birth_date": dt.date(2007, 5, 1),
            "programme": "Entree",
            "location": "Rotterdam Zuid",
            "class_code": "E1A",
            "enrolment_date": enrolment_date,
            "status": "active",
            "status_date": None,
            "status_reason": None,
            **kw,
        }
        self.students.append(row)
        return row

    def add_person(self, person_id: str, name: str | None = None, kind: str = "school") -> dict:
        row = {
            "person_id": person_id,
            "name": name or f"Persoon {person_id}",
            "organisation": {"school": "Het Mbo College"}.get(kind, f"Organisatie {person_id}"),
            "organisation_kind": kind,
            "email": None,
            "phone": None,
        }
        self.staff.append(row)
        return row

    def add_role(
        self, student_id: str, person_id: str, role: str, start_date: dt.date, end_date=None
    ) -> dict:
        row = {
            "student_id": student_id,
            "person_id": person_id,
            "role": role,
            "start_date": start_date,
            "end_date": end_date,
            "note": None,
        }
        self.roles.append(row)
        return row

    def add_placement(
        self,
        student_id: str,
        start_date: dt.date,
        end_date: dt.date,
        supervisor_id: str | None = None,
        ended_early_on: dt.date | None = None,
        placement_id: str | None = None,
        company: str = "Bakkerij De Korenschoof",
    ) -> dict:
        row = {
            "placement_id": placement_id or self.new_id("P"),
            "student_id": student_id,
            "company": company,
            "supervisor_id": supervisor_id,
            "start_date": start_date,
            "end_date": end_date,
            "ended_early_on": ended_early_on,
        }
        self.placements.append(row)
        return row

    def add_contact(
        self,
        student_id: str,
        date: dt.date,
        participants: list[str],
        kind: str = "incidental",
        placement_id: str | None = None,
        student_present: bool = True,
    ) -> dict:
        row = {
            "contact_id": self.new_id("C"),
            "student_id": student_id,
            "placement_id": placement_id,
            "date": date,
            "kind": kind,
            "channel": "in_person" if kind != "incidental" else "phone",
            "participants": list(participants),
            "student_present": student_present,
            "initiated_by": None,
            "reason": "progress" if kind == "incidental" else None,
            "summary": None,
            "visibility": None,
        }
        self.contacts.append(row)
        return row

    def add_agreement(
        self,
        student_id: str,
        topic: str,
        holder_id: str,
        agreed_on: dt.date,
        placement_id: str | None = None,
        frequency_days: int | None = None,
        discussed_with_student: bool = True,
        review_on: dt.date | None = None,
        ended_on: dt.date | None = None,
    ) -> dict:
        row = {
            "agreement_id": self.new_id("A"),
            "student_id": student_id,
            "placement_id": placement_id,
            "topic": topic,
            "holder_id": holder_id,
            "counterpart_ids": [],
            "details": None,
            "frequency_days": frequency_days,
            "discussed_with_student": discussed_with_student,
            "agreed_on": agreed_on,
            "review_on": review_on,
            "ended_on": ended_on,
        }
        self.agreements.append(row)
        return row

    def add_consent(
        self, student_id: str, decided_on: dt.date, audience: str = "workplace", shares=True
    ) -> dict:
        row = {
            "student_id": student_id,
            "audience": audience,
            "shares": shares,
            "decided_on": decided_on,
            "recorded_by": "nobody",
            "note": None,
        }
        self.consents.append(row)
        return row

    def add_absence(self, student_id: str, date: dt.date, hours: float, excused=False) -> dict:
        row = {"student_id": student_id, "date": date, "hours": hours, "excused": excused}
        self.absences.append(row)
        return row

    # -- writing ---------------------------------------------------------------------------
    def save(self, store) -> None:
        """Insert every row (the store's tables must not hold these keys yet)."""
        with store.write() as cur:
            for table, columns in TABLES.items():
                rows = getattr(self, table)
                if rows:
                    cur.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) "
                        f"VALUES ({', '.join('?' * len(columns))})",
                        [[row[c] for c in columns] for row in rows],
                    )


@dataclass
class Healthy:
    """The ids and rows of one healthy student (see healthy_student)."""

    world: World
    student: dict
    mentor_id: str
    supervisor_id: str
    placement: dict

    @property
    def student_id(self) -> str:
        return self.student["student_id"]

    @property
    def placement_id(self) -> str:
        return self.placement["placement_id"]

    def contact(self, kind: str) -> dict:
        """The first contact of this student of `kind`."""
        return next(
            c
            for c in self.world.contacts
            if c["student_id"] == self.student_id and c["kind"] == kind
        )

    def agreement(self, topic: str) -> dict:
        return next(
            a
            for a in self.world.agreements
            if a["student_id"] == self.student_id and a["topic"] == topic
        )

    def role(self, role: str) -> dict:
        return next(
            r for r in self.world.roles if r["student_id"] == self.student_id and r["role"] == role
        )

    def remove(self, row: dict) -> None:
        """Remove one row (a contact, agreement, role, consent ...) from the world."""
        for table in TABLES:
            rows = getattr(self.world, table)
            if any(r is row for r in rows):
                rows[:] = [r for r in rows if r is not row]
                return
        raise ValueError("row not in world")

    def add_guides(self, n: int, start: dt.date, role: str = "peer_coach") -> list[str]:
        """Add `n` more guides (distinct people with an active role) starting on `start`."""
        ids = []
        for _ in range(n):
            pid = self.world.new_id(f"G{self.student_id}-")
            self.world.add_person(pid)
            self.world.add_role(self.student_id, pid, role, start)
            ids.append(pid)
        return ids


def healthy_student(world: World, today: dt.date, student_id: str | None = None) -> Healthy:
    """A student with no signal at all on day `today`:

    active since today-365; mentor (since today-300) and workplace supervisor (since
    today-120) as the two guides; one placement today-120 .. today+20 (so mid = today-50) with
    the start (today-118) and mid (today-50) meetings held with mentor, supervisor and student;
    agreements on direction and final responsibility (mentor), information (for the
    placement), pedagogy (student-wide) and contact frequency (mentor, every 14 days); a
    workplace consent; and a recent contact with the mentor (today-3).
    """
    T = today
    sid = student_id or world.new_id("S")
    mentor = f"M-{sid}"
    supervisor = f"W-{sid}"
    student = world.add_student(sid, T - days(365))
    world.add_person(mentor, f"Mentor {sid}")
    world.add_person(supervisor, f"Praktijkbegeleider {sid}", kind="workplace")
    world.add_role(sid, mentor, "mentor", T - days(300))
    world.add_role(sid, supervisor, "workplace_supervisor", T - days(120))
    placement = world.add_placement(
        sid, T - days(120), T + days(20), supervisor_id=supervisor, company=f"Bedrijf {sid}"
    )
    pid = placement["placement_id"]
    world.add_contact(sid, T - days(118), [mentor, supervisor], kind="start", placement_id=pid)
    world.add_contact(sid, T - days(50), [supervisor, mentor], kind="mid", placement_id=pid)
    world.add_contact(sid, T - days(3), [mentor])
    world.add_agreement(sid, "direction", mentor, T - days(118))
    world.add_agreement(sid, "final_responsibility", mentor, T - days(118))
    world.add_agreement(sid, "information", mentor, T - days(118), placement_id=pid)
    world.add_agreement(sid, "pedagogy", mentor, T - days(118))
    world.add_agreement(sid, "contact_frequency", mentor, T - days(118), frequency_days=14)
    world.add_consent(sid, T - days(118))
    return Healthy(world, student, mentor, supervisor, placement)
