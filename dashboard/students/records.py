"""Writes to a student's file: contacts, roles, consent, status and placements that end early
(agreements and direction: agreements.py). Each write follows write_steps.py.

History is kept, never overwritten: an ended role keeps its row with an end date; a status
change keeps the old status in the audit trail; a second consent decision on one day keeps
the first in the audit trail. A stop (a student who drops out or transfers, a placement that
ends early) says who must be told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from dashboard.errors import NotFound
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import Tx
from dashboard.students.write_steps import (
    check,
    clean_text,
    form_context,
    insert,
    new_id,
    record_change,
    unique_ids,
)
from validation import forms
from validation.forms import ConsentForm, ContactForm, RoleForm, StatusForm

STOP_STATUSES = ("dropped_out", "transferred")


@dataclass(frozen=True)
class StopNotice:
    """Who must hear that a student stopped, or that a placement ended early, on day `on`."""

    student_id: str
    on: dt.date
    placement_ids: tuple[str, ...]
    supervisors: tuple[str, ...]  # the workplace supervisors of those placements
    others: tuple[str, ...]  # everyone else with an active role on `on`


# -- contacts --------------------------------------------------------------------------------


def log_contact(
    store: Store, user: User, student_id: str, form: ContactForm, today: dt.date
) -> str:
    """Record a fixed (start/mid/final) or incidental contact; returns its contact_id."""
    access.ensure(user, "log_contact")
    with store.write() as tx:
        return write_contact(tx, user, student_id, form, today)


def write_contact(tx: Tx, user: User, student_id: str, form: ContactForm, today: dt.date) -> str:
    """`log_contact` inside a write transaction the caller holds (the checklists attach
    their answers to the moment in the same transaction); returns the contact_id."""
    access.ensure(user, "log_contact")
    check(forms.wrong_types(form))
    form = replace(
        form,
        participants=unique_ids(form.participants),
        placement_id=form.placement_id or None,
        initiated_by=form.initiated_by or None,
        reason=form.reason or None,
        summary=clean_text(form.summary) or "",
    )
    access.require_student(tx, user, student_id, today)
    ctx = form_context(tx, user, student_id, today, form.participants)
    check(forms.validate_contact(form, ctx))
    row: dict[str, Any] = {
        "contact_id": new_id(tx, "contacts", "contact_id", "C"),
        "student_id": student_id,
        "placement_id": form.placement_id,
        "date": form.date,
        "kind": form.kind,
        "channel": form.channel,
        "participants": form.participants,
        "student_present": bool(form.student_present),
        "initiated_by": form.initiated_by,
        "reason": form.reason,
        "summary": clean_text(form.summary),
        "visibility": form.visibility,
    }
    insert(tx, "contacts", row)
    record_change(tx, user, "log_contact", "contacts", row["contact_id"], student_id, None, row)
    return row["contact_id"]


# -- roles -----------------------------------------------------------------------------------


def assign_role(store: Store, user: User, student_id: str, form: RoleForm, today: dt.date) -> None:
    """Give a person a role for the student from form.start_date."""
    access.ensure(user, "write_student")
    check(forms.wrong_types(form))
    with store.write() as tx:
        access.require_student(tx, user, student_id, today)
        ctx = form_context(tx, user, student_id, today, [form.person_id])
        check(forms.validate_role(form, ctx))
        row = {
            "student_id": student_id,
            "person_id": form.person_id,
            "role": form.role,
            "start_date": form.start_date,
            "end_date": None,
            "note": clean_text(form.note),
        }
        insert(tx, "roles", row)
        key = f"{form.person_id}/{form.role}/{form.start_date}"
        record_change(tx, user, "assign_role", "roles", key, student_id, None, row)


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
        access.require_student(tx, user, student_id, today)
        key = {"sid": student_id, "pid": person_id, "role": role, "start": start_date}
        where = "student_id = $sid AND person_id = $pid AND role = $role AND start_date = $start"
        rows = tx.rows(f"SELECT * FROM roles WHERE {where}", key)
        if not rows:
            raise NotFound(f"{person_id}/{role}/{start_date}")
        old = rows[0]
        span = forms.RoleSpan(person_id, role, start_date, old["end_date"])
        check(forms.validate_role_end(span, end_date, today))
        tx.execute(f"UPDATE roles SET end_date = $end WHERE {where}", {**key, "end": end_date})
        record_change(
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
    check(forms.wrong_types(form))
    with store.write() as tx:
        access.require_student(tx, user, student_id, today)
        ctx = form_context(tx, user, student_id, today, [form.recorded_by])
        check(forms.validate_consent(form, ctx))
        row = {
            "student_id": student_id,
            "audience": form.audience,
            "decided_on": form.decided_on,
            "shares": bool(form.shares),
            "recorded_by": form.recorded_by,
            "note": clean_text(form.note),
        }
        where = "student_id = $student_id AND audience = $audience AND decided_on = $decided_on"
        keys = {k: row[k] for k in ("student_id", "audience", "decided_on")}
        old = tx.rows(f"SELECT * FROM consents WHERE {where}", keys)
        tx.execute(f"DELETE FROM consents WHERE {where}", keys)
        insert(tx, "consents", row)
        key = f"{form.audience}/{form.decided_on}"
        record_change(
            tx, user, "record_consent", "consents", key, student_id, old[0] if old else None, row
        )


# -- status and stops ------------------------------------------------------------------------


def _stop_notice(
    tx: Tx, user: User, student_id: str, on: dt.date, placements: list[dict]
) -> StopNotice:
    supervisors = unique_ids(p["supervisor_id"] for p in placements)
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
    check(forms.wrong_types(form))
    if form.status == "active":
        form = replace(form, status_date=None)
    with store.write() as tx:
        access.require_student(tx, user, student_id, today)
        ctx = form_context(tx, user, student_id, today)
        check(forms.validate_status(form, ctx))
        old = tx.rows(
            "SELECT status, status_date, status_reason FROM students WHERE student_id = $sid",
            {"sid": student_id},
        )[0]
        new = {
            "status": form.status,
            "status_date": form.status_date,
            "status_reason": clean_text(form.status_reason),
        }
        tx.execute(
            "UPDATE students SET status = $status, status_date = $status_date, "
            "status_reason = $status_reason WHERE student_id = $sid",
            {**new, "sid": student_id},
        )
        record_change(tx, user, "change_status", "students", student_id, student_id, old, new)
        if form.status not in STOP_STATUSES:
            return None
        placements = tx.rows(
            "SELECT placement_id, supervisor_id FROM placements WHERE student_id = $sid "
            "AND start_date <= $on AND coalesce(ended_early_on, end_date) >= $on "
            "ORDER BY start_date",
            {"sid": student_id, "on": form.status_date},
        )
        assert form.status_date is not None, "checked: a stop status has its date"
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
    check([p for p in [forms.value_type_problem("placement_id", placement_id, str | None)] if p])
    with store.write() as tx:
        access.require_student(tx, user, student_id, today)
        ctx = form_context(tx, user, student_id, today)
        check(forms.validate_early_end(placement_id, ended_early_on, ctx))
        assert placement_id is not None and ended_early_on is not None, "checked: both required"
        old = tx.rows("SELECT * FROM placements WHERE placement_id = $id", {"id": placement_id})[0]
        tx.execute(
            "UPDATE placements SET ended_early_on = $on WHERE placement_id = $id",
            {"on": ended_early_on, "id": placement_id},
        )
        record_change(
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
