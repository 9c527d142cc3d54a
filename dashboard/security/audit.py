"""Append-only audit trail.

Every write (who, when, what, old and new value) and every view of a student file or export of
personal data is one row. This module only appends and searches: no code path updates or
deletes an audit row. Rows are hash-chained, so an edit made outside the app (with the DuckDB
CLI, say) is detected by `verify_chain`. Never store note texts or secrets in `detail`.

Each kind of event is a small frozen dataclass below (ViewStudent, Export, RecordChange,
SignIn, ...) that knows its action name and fills the row's columns; `record(tx, event)`
appends it inside a write transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import duckdb

from dashboard.store.tx import Tx

GENESIS = "0" * 64
_FIELDS = (
    "occurred_at",
    "actor",
    "action",
    "entity",
    "entity_key",
    "student_id",
    "old_value",
    "new_value",
    "detail",
)


class Row(NamedTuple):
    """The audit columns an event fills; `record` adds when, the actor and the hash chain."""

    action: str
    entity: str | None = None
    entity_key: str | None = None
    student_id: str | None = None
    old_value: Any = None
    new_value: Any = None
    detail: str | None = None


@dataclass(frozen=True)
class Event:
    """Something to keep in the trail: who did it, and (per kind of event) what. Each kind
    is a subclass that knows its action name and fills its row with `row()`."""

    actor: str

    def row(self) -> Row:
        raise NotImplementedError


# -- personal data seen or handed out ------------------------------------------------------------


@dataclass(frozen=True)
class ViewStudent(Event):
    student_id: str
    action: ClassVar[str] = "view_student"

    def row(self) -> Row:
        return Row(self.action, "students", self.student_id, self.student_id)


@dataclass(frozen=True)
class ViewRefused(Event):
    """An opening of a student file that was refused (not visible, or no such student): the
    same event for both, so the trail shows someone trying ids without telling them apart."""

    student_id: str
    action: ClassVar[str] = "view_refused"

    def row(self) -> Row:
        requested = self.student_id[:MAX_REQUESTED_ID]  # whatever was typed in an address
        return Row(self.action, "students", requested, requested)


MAX_REQUESTED_ID = 100


def _whole_student(action: str, student_id: str, rows: dict[str, int], detail: str) -> Row:
    """A row about all of one student's data (inzage, erasure): the row counts, no content."""
    return Row(action, "students", student_id, student_id, new_value={"rows": rows}, detail=detail)


@dataclass(frozen=True)
class Inzage(Event):
    """The student's inzage file was made (an export of everything about them)."""

    student_id: str
    rows: dict[str, int]
    action: ClassVar[str] = "export"

    def row(self) -> Row:
        return _whole_student(self.action, self.student_id, self.rows, "inzage")


@dataclass(frozen=True)
class Export(Event):
    """Every table was exported as interchange files (`form`: csv or zip)."""

    counts: dict[str, int]
    form: str
    action: ClassVar[str] = "export"

    def row(self) -> Row:
        return Row(self.action, "interchange", new_value=self.counts, detail=self.form)


@dataclass(frozen=True)
class Backup(Event):
    """A backup of the whole store was made to `path` (`counts`: rows per table in it)."""

    path: str
    counts: dict[str, int]
    action: ClassVar[str] = "backup"

    def row(self) -> Row:
        return Row(self.action, "store", new_value=self.counts, detail=self.path)


@dataclass(frozen=True)
class Restore(Event):
    """This store was restored from the backup at `source` (recorded in the restored store,
    after the backup's own trail; `schema_version` is the version it was migrated to)."""

    source: str
    schema_version: int
    action: ClassVar[str] = "restore"

    def row(self) -> Row:
        return Row(
            self.action,
            "store",
            new_value={"schema_version": self.schema_version},
            detail=self.source,
        )


# -- data written -------------------------------------------------------------------------------

# The writes to a student's file (dashboard/students/records.py, agreements.py,
# dashboard/checklists/filling.py), each its own action.
RECORD_ACTIONS = frozenset(
    {
        "log_contact",
        "record_checklist",
        "record_agreement",
        "change_agreement",
        "end_agreement",
        "hand_over_direction",
        "assign_role",
        "end_role",
        "record_consent",
        "change_status",
        "end_placement_early",
    }
)


@dataclass(frozen=True)
class RecordChange(Event):
    """A row of a student's file was added or changed (`old`/`new` without free texts)."""

    action: str  # one of RECORD_ACTIONS
    entity: str
    entity_key: str
    student_id: str
    old: Any
    new: Any

    def __post_init__(self) -> None:
        if self.action not in RECORD_ACTIONS:
            raise ValueError(f"not a record action: {self.action}")

    def row(self) -> Row:
        return Row(self.action, self.entity, self.entity_key, self.student_id, self.old, self.new)


# The writes to a caseload meeting (dashboard/meetings/), each its own action.
MEETING_ACTIONS = frozenset(
    {
        "create_meeting",
        "set_agenda",
        "set_attendees",
        "set_attendance",
        "record_decision",
        "add_action",
        "set_action_status",
        "close_meeting",
        "reopen_meeting",
    }
)


@dataclass(frozen=True)
class MeetingChange(Event):
    """A caseload meeting, or a decision or action in it, was written (`old`/`new` without
    free texts; `student_id` set when the change is about one student)."""

    action: str  # one of MEETING_ACTIONS
    entity: str
    entity_key: str
    student_id: str | None
    old: Any
    new: Any

    def __post_init__(self) -> None:
        if self.action not in MEETING_ACTIONS:
            raise ValueError(f"not a meeting action: {self.action}")

    def row(self) -> Row:
        return Row(self.action, self.entity, self.entity_key, self.student_id, self.old, self.new)


@dataclass(frozen=True)
class MinutesExport(Event):
    """The minutes (or an owner's recap) of a meeting were made, in a version (`audience`)."""

    meeting_id: str
    audience: str
    form: str  # pdf, markdown, recap
    action: ClassVar[str] = "export"

    def row(self) -> Row:
        return Row(self.action, "meetings", self.meeting_id, detail=f"{self.form} {self.audience}")


@dataclass(frozen=True)
class Write(Event):
    """A setting or an acknowledgement was written."""

    entity: str
    entity_key: str | None = None
    student_id: str | None = None
    old: Any = None
    new: Any = None
    action: ClassVar[str] = "write"

    def row(self) -> Row:
        return Row(self.action, self.entity, self.entity_key, self.student_id, self.old, self.new)


@dataclass(frozen=True)
class Correction(Event):
    """The student's own row was corrected (`old`/`new` leave personal fields out)."""

    student_id: str
    fields: tuple[str, ...]  # every corrected field
    old: dict[str, Any]
    new: dict[str, Any]
    action: ClassVar[str] = "correct"

    def row(self) -> Row:
        detail = "corrected: " + ", ".join(self.fields)
        return Row(
            self.action, "students", self.student_id, self.student_id, self.old, self.new, detail
        )


@dataclass(frozen=True)
class Erasure(Event):
    """A student was erased or anonymised after the retention period."""

    action: str  # erase or anonymise
    student_id: str
    rows: dict[str, int]
    retention_years: int

    def __post_init__(self) -> None:
        if self.action not in ("erase", "anonymise"):
            raise ValueError(f"not an erasure: {self.action}")

    def row(self) -> Row:
        detail = f"{self.action} after retention of {self.retention_years} years"
        return _whole_student(self.action, self.student_id, self.rows, detail)


@dataclass(frozen=True)
class Import(Event):
    """One table of an import was written."""

    table: str
    file: str
    sheet: str | None  # the workbook sheet, when the table came from an .xlsx
    rows: int
    new: int
    changed: int
    action: ClassVar[str] = "import"

    def row(self) -> Row:
        where = {"file": self.file, **({"sheet": self.sheet} if self.sheet else {})}
        counts = {"rows": self.rows, "new": self.new, "changed": self.changed}
        return Row(self.action, self.table, new_value={**where, **counts})


@dataclass(frozen=True)
class DemoGenerated(Event):
    students: int
    seed: int
    today: dt.date
    rows: dict[str, int]
    action: ClassVar[str] = "demo_generate"

    def row(self) -> Row:
        facts = {"students": self.students, "seed": self.seed, "today": self.today}
        return Row(self.action, "store", new_value={**facts, "rows": self.rows})


# -- sign-in and accounts (the actor of a sign-in is the account itself) ------------------------


@dataclass(frozen=True)
class SignIn(Event):
    method: str  # password, oidc
    action: ClassVar[str] = "sign_in"

    def row(self) -> Row:
        return Row(self.action, "users", self.actor, detail=self.method)


@dataclass(frozen=True)
class SignInFailed(Event):
    reason: str
    action: ClassVar[str] = "sign_in_failed"

    def row(self) -> Row:
        return Row(self.action, "users", self.actor, detail=self.reason)


@dataclass(frozen=True)
class SignOut(Event):
    expired: bool  # the session ran out rather than the user signing out
    action: ClassVar[str] = "sign_out"

    def row(self) -> Row:
        detail = "session expired" if self.expired else "signed out"
        return Row(self.action, "users", self.actor, detail=detail)


@dataclass(frozen=True)
class AccountAdded(Event):
    username: str
    new: dict[str, Any] | None = None  # the account (no password); None for a demo account
    action: ClassVar[str] = "user_add"

    def row(self) -> Row:
        detail = "demo account" if self.new is None else None
        return Row(self.action, "users", self.username, new_value=self.new, detail=detail)


@dataclass(frozen=True)
class DemoAccountRemoved(Event):
    username: str
    action: ClassVar[str] = "user_delete"

    def row(self) -> Row:
        return Row(self.action, "users", self.username, detail="demo account")


@dataclass(frozen=True)
class AccountDisabledChanged(Event):
    """An account was disabled (action user_disable) or enabled again (user_enable)."""

    username: str
    was_disabled: bool
    disabled: bool

    @property
    def action(self) -> str:
        return "user_disable" if self.disabled else "user_enable"

    def row(self) -> Row:
        old, new = {"disabled": self.was_disabled}, {"disabled": self.disabled}
        return Row(self.action, "users", self.username, None, old, new)


@dataclass(frozen=True)
class PasswordReset(Event):
    username: str
    action: ClassVar[str] = "user_reset"

    def row(self) -> Row:
        return Row(self.action, "users", self.username, detail="new password, lock lifted")


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


def _row_hash(prev_hash: str, values: tuple[Any, ...]) -> str:
    payload = json.dumps([prev_hash, *[None if v is None else str(v) for v in values]])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(tx: Tx, event: Event) -> None:
    """Append one event, inside the caller's write transaction (so it commits with the write).

    Callers hold the store's write lock (Store.write), which keeps the chain linear.
    """
    record_many(tx, [event])


def record_many(tx: Tx, events: list[Event]) -> None:
    if not events:
        return
    prev_hash = tx.scalar("SELECT hash FROM audit_head")
    now = dt.datetime.now().replace(microsecond=0)
    rows = []
    for e in events:
        r = e.row()
        values = (
            now,
            e.actor,
            r.action,
            r.entity,
            r.entity_key,
            r.student_id,
            _json(r.old_value),
            _json(r.new_value),
            r.detail,
        )
        h = _row_hash(prev_hash, values)
        rows.append((*values, prev_hash, h))
        prev_hash = h
    tx.executemany(
        f"INSERT INTO audit ({', '.join(_FIELDS)}, prev_hash, hash) "
        f"VALUES ({', '.join('?' * (len(_FIELDS) + 2))})",
        rows,
    )
    tx.execute("UPDATE audit_head SET hash = ?", [prev_hash])


def search(
    cur: duckdb.DuckDBPyConnection,
    *,
    actor: str | None = None,
    action: str | None = None,
    student_id: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Audit rows, newest first, matching every given filter."""
    where: list[str] = ["true"]
    params: list[str | dt.date] = []
    for column, value in (("actor", actor), ("action", action), ("student_id", student_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if since:
        where.append("occurred_at >= ?")
        params.append(since)
    if until:
        where.append("occurred_at < ? + INTERVAL 1 DAY")
        params.append(until)
    rel = cur.execute(
        f"SELECT id, occurred_at, actor, action, entity, entity_key, student_id, old_value, new_value, "
        f"detail FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT {int(limit)}",
        params,
    )
    names = [d[0] for d in rel.description]
    return [dict(zip(names, row)) for row in rel.fetchall()]


def verify_chain(cur: duckdb.DuckDBPyConnection) -> int | None:
    """The id of the first row whose hash does not match (edited or removed before it), or None."""
    prev_hash = GENESIS
    rows = cur.execute(
        f"SELECT id, {', '.join(_FIELDS)}, prev_hash, hash FROM audit ORDER BY id"
    ).fetchall()
    for row in rows:
        row_id, values, stored_prev, stored_hash = row[0], row[1:-2], row[-2], row[-1]
        if stored_prev != prev_hash or _row_hash(prev_hash, values) != stored_hash:
            return int(row_id)
        prev_hash = stored_hash
    return None
