"""Filling in a checklist: one party's view, on its own or attached to a fixed contact moment.

Who may: whoever may log a contact for the student (`log_contact`, the student-file rules).
Those who may write the student file (the school's side) speak for the school, and in the
collaboration checklist also record the student's and the workplace's view as given in the
conversation; a workplace supervisor speaks only for the workplace, about their own
placement. The guidance checklist is one guide's own reflection, so its party is the user's
side. A moment's view per party is recorded once (a second one is refused).

Like every write to the file (students/write_steps.py): one transaction, all problems at once
and nothing written, the student touched, an audit event (scores kept, notes reduced to
whether there were any).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from dashboard.checklists import PARTIES, SCORED
from dashboard.checklists.items import CURRENT_SQL
from dashboard.codes import FIXED_KINDS
from dashboard.errors import Invalid
from dashboard.problem import Problem, Where
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import Tx
from dashboard.students import records
from dashboard.students.student_file import own_placement_ids
from dashboard.students.write_steps import check, clean_text, insert, new_id, record_change
from validation.checklists import ChecklistContext, ChecklistForm, Moment, validate_checklist
from validation.forms import ContactForm


def parties_for(user: User) -> dict[str, tuple[str, ...]]:
    """The parties `user` may record a view of, per checklist."""
    if access.may(user, "write_student"):
        return {"guidance": ("school",), "collaboration": PARTIES}
    return {"guidance": ("workplace",), "collaboration": ("workplace",)}


def record_checklist(
    store: Store, user: User, student_id: str, form: ChecklistForm, today: dt.date
) -> str:
    """Record one filled-in checklist (standalone, or a party's view of a logged fixed
    moment: form.contact_id); returns its checklist_id."""
    access.ensure(user, "log_contact")
    with store.write() as tx:
        access.require_student(tx, user, student_id, today)
        return _write(tx, user, student_id, form, today)


def log_contact_with_checklists(
    store: Store,
    user: User,
    student_id: str,
    contact: ContactForm,
    checklists: list[ChecklistForm],
    today: dt.date,
) -> str:
    """Log a contact and, in the same transaction, the parties' collaboration checklists of
    that fixed moment; returns the contact_id. A view with nothing scored and no note was
    not given and is left out; any problem refuses the whole (nothing is written)."""
    access.ensure(user, "log_contact")
    given = [c for c in checklists if _was_given(c)]
    if given and contact.kind not in FIXED_KINDS:
        raise Invalid([Problem("checklists.problem.only_fixed_moment", {}, Where(field="kind"))])
    with store.write() as tx:
        contact_id = records.write_contact(tx, user, student_id, contact, today)
        for form in given:
            _write(tx, user, student_id, replace(form, contact_id=contact_id), today)
    return contact_id


def _was_given(form: ChecklistForm) -> bool:
    scored = any(s in SCORED for s in form.scores.values())
    return scored or any((n or "").strip() for n in form.notes.values())


def _context(tx: Tx, user: User, student_id: str, today: dt.date) -> ChecklistContext:
    cur = tx.duckdb
    lens = access.lens(cur, user, student_id, today)
    placements = tx.rows(
        "SELECT placement_id, supervisor_id FROM placements WHERE student_id = $sid",
        {"sid": student_id},
    )
    own = own_placement_ids(placements, user)
    usable = frozenset(
        p["placement_id"] for p in placements if own is None or p["placement_id"] in own
    )
    contacts = tx.rows(
        "SELECT contact_id, kind, date, placement_id, visibility, reason FROM contacts "
        "WHERE student_id = $sid AND kind IN (SELECT unnest($kinds::VARCHAR[]))",
        {"sid": student_id, "kinds": list(FIXED_KINDS)},
    )
    moments = {
        c["contact_id"]: Moment(c["kind"], c["date"], c["placement_id"])
        for c in contacts
        if lens.shows_contact(c) and (own is None or c["placement_id"] in own)
    }
    filled = tx.rows(
        "SELECT contact_id, party FROM checklists WHERE student_id = $sid AND contact_id IS NOT NULL",
        {"sid": student_id},
    )
    items = tx.rows(f"SELECT item_id, checklist, retired FROM ({CURRENT_SQL}) AS current_items")
    return ChecklistContext(
        today=today,
        enrolment_date=tx.scalar(
            "SELECT enrolment_date FROM students WHERE student_id = $sid", {"sid": student_id}
        ),
        items={i["item_id"]: i["checklist"] for i in items if not i["retired"]},
        moments=moments,
        placements=usable,
        parties=parties_for(user),
        filled=frozenset((f["contact_id"], f["party"]) for f in filled),
        placement_required=own is not None,
    )


def _write(tx: Tx, user: User, student_id: str, form: ChecklistForm, today: dt.date) -> str:
    ctx = _context(tx, user, student_id, today)
    form = replace(
        form,
        contact_id=form.contact_id or None,
        placement_id=form.placement_id or None,
        notes={k: v for k, v in form.notes.items() if clean_text(v)},
    )
    check(validate_checklist(form, ctx))
    assert form.checklist is not None and form.party is not None, "checked: both required"
    moment = ctx.moments.get(form.contact_id or "")
    filled_on = moment.date if moment else form.filled_on
    checklist_id = new_id(tx, "checklists", "checklist_id", "CL")
    row = {
        "checklist_id": checklist_id,
        "student_id": student_id,
        "checklist": form.checklist,
        "party": form.party,
        "filled_on": filled_on,
        "placement_id": moment.placement_id if moment else form.placement_id,
        "contact_id": form.contact_id,
        "recorded_by": user.person_id or user.actor,
    }
    tx.execute(
        "INSERT INTO checklists VALUES ($checklist_id, $student_id, $checklist, $party, "
        "$filled_on, $placement_id, $contact_id, $recorded_by, current_timestamp::TIMESTAMP)",
        row,
    )
    versions = {
        r["item_id"]: r["version"]
        for r in tx.rows(
            f"SELECT item_id, version FROM ({CURRENT_SQL}) AS current_items "
            "WHERE checklist = $c AND NOT retired",
            {"c": form.checklist},
        )
    }
    scores = {item: form.scores.get(item, "not_discussed") for item in versions}
    for item, version in versions.items():
        insert(
            tx,
            "checklist_answers",
            {
                "checklist_id": checklist_id,
                "student_id": student_id,
                "item_id": item,
                "item_version": version,
                "score": scores[item],
                "note": clean_text(form.notes.get(item)),
            },
        )
    public = {**row, "scores": scores, "note": form.notes}
    record_change(
        tx, user, "record_checklist", "checklists", checklist_id, student_id, None, public
    )
    return checklist_id
