"""The student file (leerlingdossier): the mentor's one page, as a read model.

`load` gathers, for one student on day `as_of`, who holds direction (regie) and final
responsibility, everyone with a role, the placements with their three fixed contact moments,
every contact, every agreement (ended versions too), the consent decisions and the open
signals; `history` gives the changes on request. It is access-checked (a student the user may not see is NotFound,
exactly as an unknown id), filtered through `access.lens` (visibilities, personal
circumstances), and each load is audited as a `view_student` event, unless the caller says it
only redraws a file this user already has open (the page after a click inside the file).

A handful of small queries, each filtered by student_id (keyed reads: dashboard.store's
Store.read), keeps it fast on a large store; the signals come from the day's cache
(dashboard.signals.day_cache). What it returns, the read model, is in file_model.py.
"""

from __future__ import annotations

import datetime as dt
import json

from dashboard import queries, signals
from dashboard.codes import AUDIENCES, FIXED_KINDS, SCHOOL_GUIDE_ROLES, TOPICS
from dashboard.errors import NotFound
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.signals import day_cache
from dashboard.store import Store
from dashboard.store.tx import rows
from dashboard.students.file_model import (
    Agreement,
    ConsentDecision,
    Contact,
    HistoryEntry,
    Involvement,
    Moment,
    Person,
    Placement,
    Student,
    StudentFile,
    TopicStatus,
)

ADULT_AGE = 18
# Audit actions that are views, not changes: left out of the file's history.
VIEW_ACTIONS = ("view_student", "view_refused", "export", "inzage")
HISTORY_LIMIT = 200


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def mid_date(start: dt.date, end: dt.date) -> dt.date:
    """The planned mid-term moment: start + (end - start) // 2 days (docs/flags.md)."""
    return start + dt.timedelta(days=(end - start).days // 2)


def planned_dates(start: dt.date, end: dt.date) -> dict[str, dt.date]:
    return {"start": start, "mid": mid_date(start, end), "final": end}


def own_placement_ids(placements: list[dict], user: User) -> set[str] | None:
    """The placements a workplace supervisor may see (their own); None = all of them."""
    if user.kind != "workplace":
        return None
    return {p["placement_id"] for p in placements if p["supervisor_id"] == user.person_id}


def _active(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    return start <= day and (end is None or day <= end)


def load(
    store: Store,
    user: User,
    student_id: str,
    as_of: dt.date,
    lang: str = "nl",
    *,
    log_view: bool = True,
) -> StudentFile:
    """The file of `student_id` as `user` may read it on `as_of`; raises NotFound otherwise.

    `log_view=False` only when this user's opening of the same file was already audited.
    A refused opening (NotFound) is audited too, as `view_refused`."""
    try:
        with store.read(keyed=True) as cur:
            access.require_student(cur, user, student_id, as_of)
    except NotFound:
        if log_view:
            with store.write(audit_only=True) as tx:
                audit.record(tx, audit.ViewRefused(user.actor, student_id))
        raise
    with store.read(keyed=True) as cur:
        lens = access.lens(cur, user, student_id, as_of)
        params = {"sid": student_id}
        student_row = lens.student(
            rows(cur, "SELECT * FROM students WHERE student_id = $sid", params)[0]
        )
        role_rows = rows(cur, "SELECT * FROM roles WHERE student_id = $sid", params)
        placement_rows = rows(
            cur, "SELECT * FROM placements WHERE student_id = $sid ORDER BY start_date", params
        )
        contact_rows = rows(
            cur,
            "SELECT * FROM contacts WHERE student_id = $sid ORDER BY date DESC, contact_id",
            params,
        )
        agreement_rows = rows(
            cur,
            "SELECT * FROM agreements WHERE student_id = $sid ORDER BY agreed_on DESC, agreement_id",
            params,
        )
        consent_rows = rows(
            cur,
            "SELECT * FROM consents WHERE student_id = $sid ORDER BY audience, decided_on DESC",
            params,
        )
        own = own_placement_ids(placement_rows, user)
        placement_rows = [p for p in placement_rows if own is None or p["placement_id"] in own]
        contact_rows = [
            lens.contact(c)
            for c in contact_rows
            if lens.shows_contact(c) and _in_part(c, own, user)
        ]
        agreement_rows = [
            lens.agreement(a)
            for a in agreement_rows
            if lens.shows_agreement(a) and (own is None or a["placement_id"] in own | {None})
        ]
        audiences = ("workplace",) if user.kind == "workplace" else AUDIENCES
        consent_rows = [lens.consent(c) for c in consent_rows if c["audience"] in audiences]
        role_rows = [r for r in role_rows if lens.shows_role(r)]
        people = _people(
            cur, role_rows, placement_rows, contact_rows, agreement_rows, consent_rows, lens
        )
    found = day_cache.evaluate(store, as_of, [student_id])
    if own is not None:
        found = found[found["placement_id"].isin(own)]
    open_found = day_cache.describe(store, signals.open_signals(found), lang, as_of)
    if log_view:
        with store.write(audit_only=True) as tx:
            audit.record(tx, audit.ViewStudent(user.actor, student_id))
    school_guides = {
        (r["person_id"], r["start_date"], r["end_date"])
        for r in role_rows
        if r["role"] in SCHOOL_GUIDE_ROLES
    }
    contacts = tuple(_contact(c) for c in contact_rows)
    agreements = tuple(
        sorted(
            (_agreement(a, as_of) for a in agreement_rows),
            key=lambda a: (not a.is_active, -a.agreed_on.toordinal()),
        )
    )
    return StudentFile(
        as_of=as_of,
        student=_student(student_row, as_of),
        network=tuple(
            sorted(
                (
                    _involvement(r, people[r["person_id"]], as_of)
                    for r in role_rows
                    if r["person_id"] in people
                ),
                key=lambda i: (not i.is_active, i.start_date, i.person.name),
            )
        ),
        placements=tuple(_placement(p, contacts, school_guides, as_of) for p in placement_rows),
        contacts=contacts,
        agreements=agreements,
        topics=tuple(_topic(t, agreements) for t in TOPICS),
        consents=tuple(_consents(consent_rows, as_of)),
        consent_audiences=audiences,
        signals=open_found,
        people=people,
        visibilities=lens.visibilities,
        sees_personal=lens.personal,
        may_write=access.may(user, "write_student"),
        may_log_contact=access.may(user, "log_contact"),
        acknowledged_signals=int(found["acknowledged"].sum()),
    )


def _in_part(contact: dict, own: set[str] | None, user: User) -> bool:
    """A workplace supervisor's part: contacts of their placements and those they took part in."""
    if own is None:
        return True
    return contact["placement_id"] in own or user.person_id in (contact["participants"] or [])


def _person(row: dict) -> Person:
    return Person(**row)


def _people(cur, roles, placements, contacts, agreements, consents, lens) -> dict[str, Person]:
    """Everyone named in the file whom the user may see, from one lookup in staff."""
    wanted = {r["person_id"] for r in roles} | {p["supervisor_id"] for p in placements}
    for c in contacts:
        wanted |= set(c["participants"] or []) | {c["initiated_by"]}
    for a in agreements:
        wanted |= {a["holder_id"], *(a["counterpart_ids"] or [])}
    wanted |= {c["recorded_by"] for c in consents}
    ids = sorted(p for p in wanted if p and p not in lens.hidden_persons)
    if not ids:
        return {}
    # Bound values, not a semi join: it read the whole staff table over the wire on
    # PostgreSQL (~200 ms of a ~300 ms file at school scale, issue 20).
    marks, params = queries.bound(ids, "p")
    found = rows(cur, f"SELECT * FROM staff WHERE person_id IN ({marks})", params)
    return {r["person_id"]: _person(r) for r in found}


def find_staff(store: Store, user: User, text: str, limit: int = 50) -> list[Person]:
    """Staff whose name, organisation or id contains `text` (for giving someone a role).

    Only for users who may change student files; a search keeps the list short on a store
    with thousands of staff.
    """
    access.ensure(user, "write_student")
    text = (text or "").strip().lower()
    if not text:
        return []
    with store.read() as cur:
        found = rows(
            cur,
            "SELECT * FROM staff WHERE contains(lower(name), $t) OR contains(lower(organisation), $t)"
            f" OR lower(person_id) = $t ORDER BY name, person_id LIMIT {int(limit)}",
            {"t": text},
        )
    return [_person(r) for r in found]


def history(store: Store, user: User, student_id: str, as_of: dt.date) -> tuple[HistoryEntry, ...]:
    """The changes to this student's file (audit entries other than views), newest first.

    Asked for separately from `load` (the page shows it on request): the audit trail grows
    with every view, so this is the one read of the file that gets slower over time.
    """
    access.ensure(user, "write_student")
    with store.read(keyed=True) as cur:
        access.require_student(cur, user, student_id, as_of)
        found = rows(
            cur,
            "SELECT occurred_at, actor, action, entity, entity_key, old_value, new_value "
            "FROM audit WHERE student_id = $sid AND action NOT IN (SELECT unnest($views)) "
            f"ORDER BY id DESC LIMIT {HISTORY_LIMIT}",
            {"sid": student_id, "views": list(VIEW_ACTIONS)},
        )
    return tuple(
        HistoryEntry(
            occurred_at=r["occurred_at"],
            actor=r["actor"],
            action=r["action"],
            entity=r["entity"],
            entity_key=r["entity_key"],
            old_value=json.loads(r["old_value"]) if r["old_value"] else None,
            new_value=json.loads(r["new_value"]) if r["new_value"] else None,
        )
        for r in found
    )


def _student(row: dict, as_of: dt.date) -> Student:
    age = age_on(row["birth_date"], as_of)
    return Student(**row, age=age, is_minor=age < ADULT_AGE)


def _involvement(row: dict, person: Person, as_of: dt.date) -> Involvement:
    return Involvement(
        person=person,
        role=row["role"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        note=row["note"],
        is_active=_active(row["start_date"], row["end_date"], as_of),
    )


def _contact(row: dict) -> Contact:
    return Contact(
        contact_id=row["contact_id"],
        placement_id=row["placement_id"],
        date=row["date"],
        kind=row["kind"],
        channel=row["channel"],
        participants=tuple(row["participants"] or ()),
        student_present=bool(row["student_present"]),
        initiated_by=row["initiated_by"],
        reason=row["reason"],
        summary=row["summary"],
        visibility=row["visibility"] or "guides",
    )


def _placement(
    row: dict, contacts: tuple[Contact, ...], school_guides: set, as_of: dt.date
) -> Placement:
    planned = planned_dates(row["start_date"], row["end_date"])
    moments = []
    for kind in FIXED_KINDS:
        held = sorted(
            (c for c in contacts if c.placement_id == row["placement_id"] and c.kind == kind),
            key=lambda c: (c.date, c.contact_id),
        )
        if not held:
            moments.append(Moment(kind, planned[kind]))
            continue
        first = held[0]
        missing = []
        if not row["supervisor_id"] or row["supervisor_id"] not in first.participants:
            missing.append("supervisor")
        if not any(
            pid in first.participants and _active(start, end, first.date)
            for pid, start, end in school_guides
        ):
            missing.append("school_guide")
        if not first.student_present:
            missing.append("student")
        moments.append(
            Moment(
                kind,
                planned[kind],
                first.date,
                first.contact_id,
                first.participants,
                tuple(missing),
            )
        )
    return Placement(
        placement_id=row["placement_id"],
        company=row["company"],
        supervisor_id=row["supervisor_id"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        ended_early_on=row["ended_early_on"],
        is_active=row["start_date"] <= as_of <= (row["ended_early_on"] or row["end_date"]),
        moments=tuple(moments),
    )


def _agreement(row: dict, as_of: dt.date) -> Agreement:
    is_active = _active(row["agreed_on"], row["ended_on"], as_of)
    return Agreement(
        agreement_id=row["agreement_id"],
        placement_id=row["placement_id"],
        topic=row["topic"],
        holder_id=row["holder_id"],
        counterpart_ids=tuple(row["counterpart_ids"] or ()),
        details=row["details"],
        frequency_days=row["frequency_days"],
        discussed_with_student=bool(row["discussed_with_student"]),
        agreed_on=row["agreed_on"],
        review_on=row["review_on"],
        ended_on=row["ended_on"],
        is_active=is_active,
        is_review_overdue=is_active and row["review_on"] is not None and row["review_on"] < as_of,
    )


def _topic(topic: str, agreements: tuple[Agreement, ...]) -> TopicStatus:
    active = tuple(a for a in agreements if a.topic == topic and a.is_active)
    if not active:
        status = "missing"
    elif any(a.is_review_overdue for a in active):
        status = "review_overdue"
    else:
        status = "present"
    return TopicStatus(topic, status, active)


def _consents(rows: list[dict], as_of: dt.date) -> list[ConsentDecision]:
    """Newest first per audience; the latest decided on or before as_of is in force."""
    out, seen = [], set()
    for r in rows:
        in_force = r["decided_on"] <= as_of and r["audience"] not in seen
        if in_force:
            seen.add(r["audience"])
        out.append(
            ConsentDecision(
                audience=r["audience"],
                shares=bool(r["shares"]),
                decided_on=r["decided_on"],
                recorded_by=r["recorded_by"],
                note=r["note"],
                in_force=in_force,
            )
        )
    return out
