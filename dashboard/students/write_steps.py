"""The steps every write to a student's file takes (records.py, agreements.py).

Each write runs inside ONE write transaction: check the action (`access.ensure`) and the
student (`access.require_student`: NotFound when not visible), read what the rules need
(`form_context`), validate (validation/forms.py; any problem raises Invalid with nothing
written: `check`), write, and note the change (`record_change`): the student is touched, so
the caches compute them again, and an audit event keeps the old and new values, free texts
left out (the audit trail never holds note texts).

New ids carry a prefix and a random part (`C-1a2b3c4d5e6f`) and are checked against the
stored ids in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from dashboard.errors import Invalid
from dashboard.problem import Problem
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store.tx import Tx
from dashboard.students.student_file import own_placement_ids
from validation import forms

# Free texts stay out of the audit trail (docs: security.md, audit).
TEXT_FIELDS = ("summary", "details", "note", "status_reason")


def check(problems: list[Problem]) -> None:
    """Refuse the write with every problem at once, each once (nothing is written then)."""
    if problems:
        raise Invalid([p for i, p in enumerate(problems) if p not in problems[:i]])


def form_context(
    tx: Tx, user: User, student_id: str, today: dt.date, named: Iterable[str | None] = ()
):
    """What validation/forms needs to judge a form about this student: their dates and
    status, roles, the placements `user` may see, which of the `named` people exist in
    staff, and the contact visibilities `user` may write."""
    sid = {"sid": student_id}
    students, roles, placements, known = tx.rows_each(
        [
            (
                "SELECT enrolment_date, status, status_date FROM students WHERE student_id = $sid",
                sid,
            ),
            (
                "SELECT person_id, role, start_date, end_date FROM roles WHERE student_id = $sid",
                sid,
            ),
            (
                "SELECT placement_id, start_date, end_date, ended_early_on, supervisor_id "
                "FROM placements WHERE student_id = $sid",
                sid,
            ),
            (
                "SELECT person_id FROM staff WHERE person_id IN (SELECT unnest($ids))",
                {"ids": sorted({p for p in named if p})},
            ),
        ]
    )
    student = students[0]
    own = own_placement_ids(placements, user)
    return forms.FormContext(
        today=today,
        enrolment_date=student["enrolment_date"],
        status=student["status"],
        status_date=student["status_date"],
        known_people=frozenset(k["person_id"] for k in known),
        roles=tuple(forms.RoleSpan(**r) for r in roles),
        placements={
            p["placement_id"]: forms.PlacementSpan(**p)
            for p in placements
            if own is None or p["placement_id"] in own
        },
        visibilities=access.visibilities(tx, user, student_id, today),
    )


def new_id(tx: Tx, table: str, column: str, prefix: str) -> str:
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


def record_change(
    tx: Tx, user: User, action: str, entity: str, key: str, student_id: str, old, new
) -> None:
    """Note a change to the student's file: the student is touched (caches compute them again)
    and the change goes into the audit trail. Every write to a file passes through this."""
    tx.touch([student_id])
    audit.record(
        tx,
        audit.RecordChange(user.actor, action, entity, key, student_id, _public(old), _public(new)),
    )


def clean_text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def unique_ids(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i))


def insert(tx: Tx, table: str, row: dict) -> None:
    tx.execute(
        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('$' + k for k in row)})", row
    )
