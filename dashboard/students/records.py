"""Writes to a student's file: contacts, agreements, direction, roles, consent, status, placements.

Every function follows the same steps, inside ONE write transaction: check the action
(`access.ensure`) and the student (`access.require_student`: NotFound when not visible), read
what the rules need, validate (validation/forms.py; any problem raises Invalid with nothing
written), write, and append an audit event with the old and new values (free texts left out:
the audit trail never holds note texts).

History is kept, never overwritten: a changed agreement ends the old version and adds a new
one; an ended role keeps its row with an end date; a status change keeps the old status in
the audit trail. New ids carry a prefix and a random part (`C-1a2b3c4d5e6f`) and are checked
against the stored ids in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace

from dashboard.errors import Invalid, NotFound
from dashboard.problem import Problem, Where
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import Tx
from dashboard.students.student_file import own_placement_ids
from validation import forms
from validation.forms import AgreementForm, ConsentForm, ContactForm, RoleForm, StatusForm

STOP_STATUSES = ("dropped_out", "transferred")
# Free texts stay out of the audit trail (docs: security.md, audit).
TEXT_FIELDS = ("summary", "details", "note", "status_reason")


@dataclass(frozen=True)
class StopNotice:
    """Who must hear that a student stopped, or that a placement ended early, on day `on`."""

    student_id: str
    on: dt.date
    placement_ids: tuple[str, ...]
    supervisors: tuple[str, ...]  # the workplace supervisors of those placements
    others: tuple[str, ...]  # everyone else with an active role on `on`


# -- shared steps ----------------------------------------------------------------------------


def _check(problems: list[Problem]) -> None:
    if problems:
        raise Invalid(problems)


def _context(tx: Tx, user: User, student_id: str, today: dt.date, named: Iterable[str | None] = ()):
    student = tx.rows(
        "SELECT enrolment_date, status, status_date FROM students WHERE student_id = $sid",
        {"sid": student_id},
    )[0]
    roles = tx.rows(
        "SELECT person_id, role, start_date, end_date FROM roles WHERE student_id = $sid",
        {"sid": student_id},
    )
    placements = tx.rows(
        "SELECT placement_id, start_date, end_date, ended_early_on, supervisor_id "
        "FROM placements WHERE student_id = $sid",
        {"sid": student_id},
    )
    own = own_placement_ids(placements, user)
    wanted = sorted({p for p in named if p})
    known = tx.column(
        "SELECT person_id FROM staff WHERE person_id IN (SELECT unnest($ids))", {"ids": wanted}
    )
    return forms.FormContext(
        today=today,
        enrolment_date=student["enrolment_date"],
        status=student["status"],
        status_date=student["status_date"],
        known_people=frozenset(known),
        roles=tuple(forms.RoleSpan(**r) for r in roles),
        placements={
            p["placement_id"]: forms.PlacementSpan(**p)
            for p in placements
            if own is None or p["placement_id"] in own
        },
        visibilities=access.visibilities(tx.duckdb, user, student_id, today),
    )


def _new_id(tx: Tx, table: str, column: str, prefix: str) -> str:
    """A fresh id like `C-1a2b3c4d5e6f`, never one already stored (school ids included)."""
    while True:
        candidate = f"{prefix}-{uuid.uuid4().hex[:12]}"
        if tx.one(f"SELECT 1 FROM {table} WHERE {column} = ?", [candidate]) is None:
            return candidate


def _public(row: dict | None) -> dict | None:
    """A row as the audit trail may keep it: free texts replaced by whether there was one."""
    if row is None:
        return None
    return {k: (bool(v) if k in TEXT_FIELDS else v) for k, v in row.items()}


def _audit(
    tx: Tx, user: User, action: str, entity: str, key: str, student_id: str, old, new
) -> None:
    """Note a change to the student's file: the student is touched (caches compute them again)
    and the change goes into the audit trail. Every write here passes through this."""
    tx.touch([student_id])
    audit.record(
        tx,
        audit.RecordChange(user.actor, action, entity, key, student_id, _public(old), _public(new)),
    )


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i))


def _insert(tx: Tx, table: str, row: dict) -> None:
    tx.execute(
        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('$' + k for k in row)})", row
    )


def _agreement(tx: Tx, user: User, agreement_id: str, today: dt.date) -> dict:
    """The stored agreement, when its student is visible to `user`; NotFound otherwise."""
    rows = tx.rows("SELECT * FROM agreements WHERE agreement_id = $id", {"id": agreement_id})
    if not rows:
        raise NotFound(agreement_id)
    access.require_student(tx.duckdb, user, rows[0]["student_id"], today)
    return rows[0]


# -- contacts --------------------------------------------------------------------------------


def log_contact(
    store: Store, user: User, student_id: str, form: ContactForm, today: dt.date
) -> str:
    """Record a fixed (start/mid/final) or incidental contact; returns its contact_id."""
    access.ensure(user, "log_contact")
    form = replace(
        form,
        participants=_unique(form.participants),
        placement_id=form.placement_id or None,
        initiated_by=form.initiated_by or None,
        reason=form.reason or None,
        summary=_text(form.summary) or "",
    )
    with store.write() as tx:
        access.require_student(tx.duckdb, user, student_id, today)
        ctx = _context(tx, user, student_id, today, form.participants)
        _check(forms.validate_contact(form, ctx))
        row = {
            "contact_id": _new_id(tx, "contacts", "contact_id", "C"),
            "student_id": student_id,
            "placement_id": form.placement_id,
            "date": form.date,
            "kind": form.kind,
            "channel": form.channel,
            "participants": form.participants,
            "student_present": bool(form.student_present),
            "initiated_by": form.initiated_by,
            "reason": form.reason,
            "summary": _text(form.summary),
            "visibility": form.visibility,
        }
        _insert(tx, "contacts", row)
        _audit(tx, user, "log_contact", "contacts", row["contact_id"], student_id, None, row)
    return row["contact_id"]


# -- agreements ------------------------------------------------------------------------------


def _agreement_row(agreement_id: str, student_id: str, form: AgreementForm) -> dict:
    return {
        "agreement_id": agreement_id,
        "student_id": student_id,
        "placement_id": form.placement_id or None,
        "topic": form.topic,
        "holder_id": form.holder_id,
        "counterpart_ids": _unique(form.counterpart_ids),
        "details": _text(form.details),
        "frequency_days": form.frequency_days if form.topic == "contact_frequency" else None,
        "discussed_with_student": bool(form.discussed_with_student),
        "agreed_on": form.agreed_on,
        "review_on": form.review_on,
        "ended_on": None,
    }


def record_agreement(
    store: Store, user: User, student_id: str, form: AgreementForm, today: dt.date
) -> str:
    """Record a new agreement (afspraak); returns its agreement_id."""
    access.ensure(user, "write_student")
    with store.write() as tx:
        access.require_student(tx.duckdb, user, student_id, today)
        ctx = _context(tx, user, student_id, today, [form.holder_id, *form.counterpart_ids])
        _check(forms.validate_agreement(form, ctx))
        row = _agreement_row(_new_id(tx, "agreements", "agreement_id", "A"), student_id, form)
        _insert(tx, "agreements", row)
        _audit(
            tx, user, "record_agreement", "agreements", row["agreement_id"], student_id, None, row
        )
    return row["agreement_id"]


def _new_version(tx: Tx, user: User, old: dict, form: AgreementForm, action: str) -> str:
    """Replace `old` by `form` from form.agreed_on; returns the id of the version in force.

    The old version ends the day before and stays listed. A change on the old version's own
    first day cannot leave it a day of its own, so it corrects that version in place (the
    old values stay in the audit trail and the file's history).
    """
    sid = old["student_id"]
    if form.agreed_on == old["agreed_on"]:
        row = _agreement_row(old["agreement_id"], sid, form)
        sets = ", ".join(f"{k} = ${k}" for k in row if k != "agreement_id")
        tx.execute(f"UPDATE agreements SET {sets} WHERE agreement_id = $agreement_id", row)
        _audit(tx, user, action, "agreements", old["agreement_id"], sid, old, row)
        return old["agreement_id"]
    ended_on = form.agreed_on - dt.timedelta(days=1)
    tx.execute(
        "UPDATE agreements SET ended_on = $ended WHERE agreement_id = $id",
        {"ended": ended_on, "id": old["agreement_id"]},
    )
    row = _agreement_row(_new_id(tx, "agreements", "agreement_id", "A"), sid, form)
    _insert(tx, "agreements", row)
    replaced = {**old, "ended_on": ended_on, "replaced_by": row["agreement_id"]}
    _audit(tx, user, action, "agreements", old["agreement_id"], sid, old, replaced)
    _audit(tx, user, "record_agreement", "agreements", row["agreement_id"], sid, None, row)
    return row["agreement_id"]


def change_agreement(
    store: Store, user: User, agreement_id: str, form: AgreementForm, today: dt.date
) -> str:
    """Change an agreement from form.agreed_on: the old version ends the day before and a
    new one starts (on the old version's first day: a correction in place). The topic stays
    the old one's. Returns the id of the version in force."""
    access.ensure(user, "write_student")
    with store.write() as tx:
        old = _agreement(tx, user, agreement_id, today)
        form = replace(form, topic=old["topic"])
        ctx = _context(tx, user, old["student_id"], today, [form.holder_id, *form.counterpart_ids])
        problems = forms.validate_change_on(
            "agreed_on", form.agreed_on, old["agreed_on"], old["ended_on"]
        )
        _check(
            problems + [p for p in forms.validate_agreement(form, ctx) if p.field != "agreed_on"]
        )
        return _new_version(tx, user, old, form, "change_agreement")


def end_agreement(
    store: Store, user: User, agreement_id: str, ended_on: dt.date | None, today: dt.date
) -> None:
    """End an agreement on `ended_on` (it stays listed as ended)."""
    access.ensure(user, "write_student")
    with store.write() as tx:
        old = _agreement(tx, user, agreement_id, today)
        _check(forms.validate_change_on("ended_on", ended_on, old["agreed_on"], old["ended_on"]))
        tx.execute(
            "UPDATE agreements SET ended_on = $ended WHERE agreement_id = $id",
            {"ended": ended_on, "id": agreement_id},
        )
        _audit(
            tx,
            user,
            "end_agreement",
            "agreements",
            agreement_id,
            old["student_id"],
            old,
            {**old, "ended_on": ended_on},
        )


def current_direction(tx: Tx, student_id: str, day: dt.date) -> dict | None:
    """The direction agreement active on `day`: the student-wide one first, else the newest."""
    rows = tx.rows(
        "SELECT * FROM agreements WHERE student_id = $sid AND topic = 'direction' "
        "AND agreed_on <= $day AND (ended_on IS NULL OR ended_on >= $day) "
        "ORDER BY placement_id IS NOT NULL, agreed_on DESC, agreement_id LIMIT 1",
        {"sid": student_id, "day": day},
    )
    return rows[0] if rows else None


def hand_over_direction(
    store: Store,
    user: User,
    student_id: str,
    new_holder_id: str | None,
    on: dt.date | None,
    today: dt.date,
    *,
    discussed_with_student: bool = False,
    review_on: dt.date | None = None,
    details: str = "",
) -> str:
    """Give direction (regie) to `new_holder_id` from day `on`; returns the new agreement_id.

    The direction agreement in force on `on` ends the day before (when it began that very
    day it is corrected in place); the new one keeps its placement, and its counterparts gain
    the old holder while that person is still a guide. Without a current agreement this
    records the first.
    """
    access.ensure(user, "write_student")
    with store.write() as tx:
        access.require_student(tx.duckdb, user, student_id, today)
        old = current_direction(tx, student_id, on) if on else None
        counterparts = list(old["counterpart_ids"] or []) if old else []
        named = [new_holder_id, *counterparts, old["holder_id"] if old else None]
        ctx = _context(tx, user, student_id, today, named)
        if old and on and ctx.is_guide_on(old["holder_id"], on):
            counterparts.append(old["holder_id"])
        form = AgreementForm(
            topic="direction",
            holder_id=new_holder_id,
            counterpart_ids=[p for p in _unique(counterparts) if p != new_holder_id],
            details=details,
            discussed_with_student=discussed_with_student,
            agreed_on=on,
            review_on=review_on,
            placement_id=old["placement_id"] if old else None,
        )
        problems = forms.validate_agreement(form, ctx)
        if old:
            problems += forms.validate_change_on("agreed_on", on, old["agreed_on"], None)
            if new_holder_id == old["holder_id"]:
                problems.append(
                    Problem(
                        "student.problem.same_holder", {}, Where(field="holder_id"), new_holder_id
                    )
                )
        _check(problems)
        if old:
            return _new_version(tx, user, old, form, "hand_over_direction")
        row = _agreement_row(_new_id(tx, "agreements", "agreement_id", "A"), student_id, form)
        _insert(tx, "agreements", row)
        _audit(
            tx,
            user,
            "hand_over_direction",
            "agreements",
            row["agreement_id"],
            student_id,
            None,
            row,
        )
        return row["agreement_id"]


# -- roles -----------------------------------------------------------------------------------


def assign_role(store: Store, user: User, student_id: str, form: RoleForm, today: dt.date) -> None:
    """Give a person a role for the student from form.start_date."""
    access.ensure(user, "write_student")
    with store.write() as tx:
        access.require_student(tx.duckdb, user, student_id, today)
        ctx = _context(tx, user, student_id, today, [form.person_id])
        _check(forms.validate_role(form, ctx))
        row = {
            "student_id": student_id,
            "person_id": form.person_id,
            "role": form.role,
            "start_date": form.start_date,
            "end_date": None,
            "note": _text(form.note),
        }
        _insert(tx, "roles", row)
        key = f"{form.person_id}/{form.role}/{form.start_date}"
        _audit(tx, user, "assign_role", "roles", key, student_id, None, row)


def end_role(
    store: Store,
    user: User,
    student_id: str,
    person_id: str,
    role: str,
    start_date: dt.date,
    end_date: dt.date | None,
    today: dt.date,
) -> None:
    """End a role on `end_date`; the row stays (with its end date) as history."""
    access.ensure(user, "write_student")
    with store.write() as tx:
        access.require_student(tx.duckdb, user, student_id, today)
        key = {"sid": student_id, "pid": person_id, "role": role, "start": start_date}
        where = "student_id = $sid AND person_id = $pid AND role = $role AND start_date = $start"
        rows = tx.rows(f"SELECT * FROM roles WHERE {where}", key)
        if not rows:
            raise NotFound(f"{person_id}/{role}/{start_date}")
        old = rows[0]
        span = forms.RoleSpan(person_id, role, start_date, old["end_date"])
        _check(forms.validate_role_end(span, end_date))
        tx.execute(f"UPDATE roles SET end_date = $end WHERE {where}", {**key, "end": end_date})
        _audit(
            tx,
            user,
            "end_role",
            "roles",
            f"{person_id}/{role}/{start_date}",
            student_id,
            old,
            {**old, "end_date": end_date},
        )


# -- consent ---------------------------------------------------------------------------------


def record_consent(
    store: Store, user: User, student_id: str, form: ConsentForm, today: dt.date
) -> None:
    """Record the student's decision for one audience. Earlier decisions stay; a second
    decision on the same day replaces that day's record (the old one stays in the audit)."""
    access.ensure(user, "write_student")
    with store.write() as tx:
        access.require_student(tx.duckdb, user, student_id, today)
        ctx = _context(tx, user, student_id, today, [form.recorded_by])
        _check(forms.validate_consent(form, ctx))
        row = {
            "student_id": student_id,
            "audience": form.audience,
            "decided_on": form.decided_on,
            "shares": bool(form.shares),
            "recorded_by": form.recorded_by,
            "note": _text(form.note),
        }
        where = "student_id = $student_id AND audience = $audience AND decided_on = $decided_on"
        keys = {k: row[k] for k in ("student_id", "audience", "decided_on")}
        old = tx.rows(f"SELECT * FROM consents WHERE {where}", keys)
        tx.execute(f"DELETE FROM consents WHERE {where}", keys)
        _insert(tx, "consents", row)
        key = f"{form.audience}/{form.decided_on}"
        _audit(
            tx, user, "record_consent", "consents", key, student_id, old[0] if old else None, row
        )


# -- status and stops ------------------------------------------------------------------------


def _stop_notice(
    tx: Tx, user: User, student_id: str, on: dt.date, placements: list[dict]
) -> StopNotice:
    supervisors = _unique(p["supervisor_id"] for p in placements)
    active = tx.column(
        "SELECT DISTINCT person_id FROM roles r WHERE r.student_id = $sid "
        f"AND {access.active_role('r', '$on')} ORDER BY person_id",
        {"sid": student_id, "on": on},
    )
    others = [p for p in active if p not in supervisors and p != user.person_id]
    return StopNotice(
        student_id=student_id,
        on=on,
        placement_ids=tuple(p["placement_id"] for p in placements),
        supervisors=tuple(supervisors),
        others=tuple(others),
    )


def change_status(
    store: Store, user: User, student_id: str, form: StatusForm, today: dt.date
) -> StopNotice | None:
    """Change the student's status. When the student stops (dropped_out, transferred) the
    result says who must be informed: the supervisors of the placements active that day and
    everyone else with an active role."""
    access.ensure(user, "write_student")
    if form.status == "active":
        form = replace(form, status_date=None)
    with store.write() as tx:
        access.require_student(tx.duckdb, user, student_id, today)
        ctx = _context(tx, user, student_id, today)
        _check(forms.validate_status(form, ctx))
        old = tx.rows(
            "SELECT status, status_date, status_reason FROM students WHERE student_id = $sid",
            {"sid": student_id},
        )[0]
        new = {
            "status": form.status,
            "status_date": form.status_date,
            "status_reason": _text(form.status_reason),
        }
        tx.execute(
            "UPDATE students SET status = $status, status_date = $status_date, "
            "status_reason = $status_reason WHERE student_id = $sid",
            {**new, "sid": student_id},
        )
        _audit(tx, user, "change_status", "students", student_id, student_id, old, new)
        if form.status not in STOP_STATUSES:
            return None
        placements = tx.rows(
            "SELECT placement_id, supervisor_id FROM placements WHERE student_id = $sid "
            "AND start_date <= $on AND coalesce(ended_early_on, end_date) >= $on "
            "ORDER BY start_date",
            {"sid": student_id, "on": form.status_date},
        )
        return _stop_notice(tx, user, student_id, form.status_date, placements)


def end_placement_early(
    store: Store,
    user: User,
    student_id: str,
    placement_id: str | None,
    ended_early_on: dt.date | None,
    today: dt.date,
) -> StopNotice:
    """Record that a placement stopped before its end date; says who must be informed."""
    access.ensure(user, "write_student")
    with store.write() as tx:
        access.require_student(tx.duckdb, user, student_id, today)
        ctx = _context(tx, user, student_id, today)
        _check(forms.validate_early_end(placement_id, ended_early_on, ctx))
        old = tx.rows("SELECT * FROM placements WHERE placement_id = $id", {"id": placement_id})[0]
        tx.execute(
            "UPDATE placements SET ended_early_on = $on WHERE placement_id = $id",
            {"on": ended_early_on, "id": placement_id},
        )
        _audit(
            tx,
            user,
            "end_placement_early",
            "placements",
            placement_id,
            student_id,
            old,
            {**old, "ended_early_on": ended_early_on},
        )
        return _stop_notice(tx, user, student_id, ended_early_on, [old])
