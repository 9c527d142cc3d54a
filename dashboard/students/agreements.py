"""Agreements (afspraken) and direction (regie) in a student's file: record, change, end,
hand over. Each write follows write_steps.py.

History is kept, never overwritten: a changed agreement ends the old version the day before
and adds a new one (a change on the old version's own first day corrects it in place; the old
values stay in the audit trail). Direction is the agreement of topic `direction`; handing it
over is a change of holder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from dashboard.errors import NotFound
from dashboard.problem import Problem, Where
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
from validation.forms import AgreementForm


def _stored_agreement(tx: Tx, user: User, agreement_id: str, today: dt.date) -> dict:
    """The stored agreement, when its student is visible to `user`; NotFound otherwise."""
    rows = tx.rows("SELECT * FROM agreements WHERE agreement_id = $id", {"id": agreement_id})
    if not rows:
        raise NotFound(agreement_id)
    access.require_student(tx, user, rows[0]["student_id"], today)
    return rows[0]


def _agreement_row(agreement_id: str, student_id: str, form: AgreementForm) -> dict:
    return {
        "agreement_id": agreement_id,
        "student_id": student_id,
        "placement_id": form.placement_id or None,
        "topic": form.topic,
        "holder_id": form.holder_id,
        "counterpart_ids": unique_ids(form.counterpart_ids),
        "details": clean_text(form.details),
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
    check(forms.wrong_types(form))
    with store.write() as tx:
        access.require_student(tx, user, student_id, today)
        ctx = form_context(tx, user, student_id, today, [form.holder_id, *form.counterpart_ids])
        check(forms.validate_agreement(form, ctx))
        row = _agreement_row(new_id(tx, "agreements", "agreement_id", "A"), student_id, form)
        insert(tx, "agreements", row)
        record_change(
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
        record_change(tx, user, action, "agreements", old["agreement_id"], sid, old, row)
        return old["agreement_id"]
    assert form.agreed_on is not None, "checked: an agreement has its date"
    ended_on = form.agreed_on - dt.timedelta(days=1)
    tx.execute(
        "UPDATE agreements SET ended_on = $ended WHERE agreement_id = $id",
        {"ended": ended_on, "id": old["agreement_id"]},
    )
    row = _agreement_row(new_id(tx, "agreements", "agreement_id", "A"), sid, form)
    insert(tx, "agreements", row)
    replaced = {**old, "ended_on": ended_on, "replaced_by": row["agreement_id"]}
    record_change(tx, user, action, "agreements", old["agreement_id"], sid, old, replaced)
    record_change(tx, user, "record_agreement", "agreements", row["agreement_id"], sid, None, row)
    return row["agreement_id"]


def change_agreement(
    store: Store, user: User, agreement_id: str, form: AgreementForm, today: dt.date
) -> str:
    """Change an agreement from form.agreed_on: the old version ends the day before and a
    new one starts (on the old version's first day: a correction in place). The topic stays
    the old one's. Returns the id of the version in force."""
    access.ensure(user, "write_student")
    check(forms.wrong_types(form))
    with store.write() as tx:
        old = _stored_agreement(tx, user, agreement_id, today)
        form = replace(form, topic=old["topic"])
        ctx = form_context(
            tx, user, old["student_id"], today, [form.holder_id, *form.counterpart_ids]
        )
        problems = forms.validate_change_on(
            "agreed_on", form.agreed_on, old["agreed_on"], old["ended_on"], today
        )
        others = [
            p
            for p in forms.validate_agreement(form, ctx)
            if p.where is None or p.where.field != "agreed_on"
        ]
        check(problems + others)
        return _new_version(tx, user, old, form, "change_agreement")


def end_agreement(
    store: Store, user: User, agreement_id: str, ended_on: dt.date | None, today: dt.date
) -> None:
    """End an agreement on `ended_on` (it stays listed as ended)."""
    access.ensure(user, "write_student")
    with store.write() as tx:
        old = _stored_agreement(tx, user, agreement_id, today)
        check(
            forms.validate_change_on("ended_on", ended_on, old["agreed_on"], old["ended_on"], today)
        )
        tx.execute(
            "UPDATE agreements SET ended_on = $ended WHERE agreement_id = $id",
            {"ended": ended_on, "id": agreement_id},
        )
        record_change(
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
    check(
        forms.wrong_types(
            AgreementForm(
                holder_id=new_holder_id,
                details=details,
                discussed_with_student=discussed_with_student,
                agreed_on=on,
                review_on=review_on,
            )
        )
    )
    with store.write() as tx:
        access.require_student(tx, user, student_id, today)
        old = current_direction(tx, student_id, on) if on else None
        counterparts = list(old["counterpart_ids"] or []) if old else []
        named = [new_holder_id, *counterparts, old["holder_id"] if old else None]
        ctx = form_context(tx, user, student_id, today, named)
        if old and on and ctx.is_guide_on(old["holder_id"], on):
            counterparts.append(old["holder_id"])
        form = AgreementForm(
            topic="direction",
            holder_id=new_holder_id,
            counterpart_ids=[p for p in unique_ids(counterparts) if p != new_holder_id],
            details=details,
            discussed_with_student=discussed_with_student,
            agreed_on=on,
            review_on=review_on,
            placement_id=old["placement_id"] if old else None,
        )
        problems = forms.validate_agreement(form, ctx)
        if old:
            problems += forms.validate_change_on("agreed_on", on, old["agreed_on"], None, today)
            if new_holder_id == old["holder_id"]:
                problems.append(
                    Problem(
                        "student.problem.same_holder", {}, Where(field="holder_id"), new_holder_id
                    )
                )
        check(problems)
        if old:
            return _new_version(tx, user, old, form, "hand_over_direction")
        row = _agreement_row(new_id(tx, "agreements", "agreement_id", "A"), student_id, form)
        insert(tx, "agreements", row)
        record_change(
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
