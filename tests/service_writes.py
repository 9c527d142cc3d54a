"""A stream of audited writes through the services, and what a store must hold afterwards.

Shared by the crash test (a child process writes, the parent kills it) and the concurrency
tests (threads, or processes on PostgreSQL, write while a reader watches). Each write goes through a public service exactly
as a page calls it (access check, validation, one transaction with its audit event and its
change-feed entry), on the small world of tests/student_world.py, and returns a `Written`
that names it so the store can be searched for it afterwards.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import student_world as w

from dashboard import signals
from dashboard.meetings import prepare, run
from dashboard.meetings.model import CaseloadChoice, MeetingForm
from dashboard.security import audit
from dashboard.security.access import User
from dashboard.store import FileStore, Store, open_store
from dashboard.students import agreements, records
from validation.forms import AgreementForm, ContactForm

T = w.TODAY
KINDS = ("contact", "agreement", "acknowledgement", "action")
WRITERS = (w.MENTOR, w.CARE)  # two kinds of user who write to S1's file
# Who runs the caseload meeting about S1 and writes its actions (a meeting's actions are
# written by whoever runs meetings, not by the guides).
COORDINATOR = User("coord", "care_coordinator", None, "Carla Coördinator", locations=("Noord",))


def build(store: Store) -> None:
    """The small world of tests/student_world.py and an open caseload meeting about S1."""
    w.build(store)
    form = MeetingForm(T, "internal", CaseloadChoice("list", None, ("S1",)), 30)
    prepare.create_meeting(store, COORDINATOR, form, T)


class Written(NamedTuple):
    """One acknowledged write: its kind and the key it is found by (an id, or for an
    acknowledgement its reason, which the stream makes unique)."""

    kind: str
    key: str


def write(store: Store, user: User, kind: str, label: str) -> Written:
    """One audited write of `kind` through its service; `label` makes its texts unique."""
    if kind == "contact":
        form = ContactForm(
            kind="incidental",
            date=dt.date(2025, 9, 3),
            channel="phone",
            participants=["P-MEN"],
            student_present=False,
            initiated_by="P-MEN",
            reason="absence",
            summary=f"stream {label}",
        )
        return Written(kind, records.log_contact(store, user, "S1", form, T))
    if kind == "agreement":
        form = AgreementForm(
            topic="information",
            holder_id="P-MEN",
            counterpart_ids=["P-SUP"],
            details=f"stream {label}",
            discussed_with_student=True,
            agreed_on=dt.date(2025, 9, 3),
            review_on=dt.date(2025, 12, 1),
            placement_id="PL1",
        )
        return Written(kind, agreements.record_agreement(store, user, "S1", form, T))
    if kind == "action":
        with store.read() as cur:
            meeting_id = cur.execute("SELECT min(meeting_id) FROM meetings").fetchone()[0]
        action_id = run.add_action(
            store, COORDINATOR, meeting_id, "S1", f"stream {label}", "P-MEN", T, T
        )
        return Written(kind, action_id)
    reason = f"stream {label}"
    until = T + dt.timedelta(days=30)
    signals.acknowledge(
        store, user, "START_MISSING", "S1", "PL1", dt.date(2025, 9, 1), reason, until, today=T
    )
    return Written(kind, reason)


def write_stream(path: str, sender: Any, label: str, checkpoint_every: int) -> None:
    """The child of the crash test: open the store the way the app does and write until
    killed, sending each write's `Written` to the parent once its service call returned
    (that is the acknowledgement a user sees). Every `checkpoint_every` writes it checkpoints,
    as DuckDB does by itself when the write-ahead log grows, so kills land there too."""
    store = open_store(path)
    n = 0
    while True:
        done = write(store, WRITERS[n % 2], KINDS[n % len(KINDS)], f"{label}.{n}")
        sender.send(tuple(done))
        n += 1
        if n % checkpoint_every == 0 and isinstance(store, FileStore):
            store.checkpoint()  # PostgreSQL checkpoints by itself


class Facts(NamedTuple):
    """What the store holds of the stream, read in one snapshot."""

    contacts: frozenset[str]
    agreements: frozenset[str]
    acknowledgements: frozenset[str]
    actions: frozenset[str]
    audited: dict[str, frozenset[str]]  # per kind, the keys the audit trail names
    version: int
    chain_broken_at: int | None
    ack_moments: frozenset[str]  # when each acknowledgement was made: how its event names it

    def holds(self, done: Written) -> bool:
        return done.key in getattr(self, done.kind + "s")

    @property
    def writes(self) -> int:
        return sum(len(getattr(self, kind + "s")) for kind in KINDS)


def facts(store: Store) -> Facts:
    """The stream's writes in the store (rows whose text starts with 'stream'), the audit
    events that name them, the change counter and whether the audit chain verifies."""
    with store.read() as cur:
        cur.execute("BEGIN TRANSACTION")  # one snapshot for every query below

        def keys(sql: str) -> frozenset[str]:
            return frozenset(row[0] for row in cur.execute(sql).fetchall())

        contacts = keys("SELECT contact_id FROM contacts WHERE summary LIKE 'stream %'")
        agreement_ids = keys("SELECT agreement_id FROM agreements WHERE details LIKE 'stream %'")
        acks = keys("SELECT reason FROM acknowledgements WHERE reason LIKE 'stream %'")
        actions = keys("SELECT action_id FROM meeting_actions WHERE what LIKE 'stream %'")
        # The audit event keeps no reason text: an acknowledgement is matched to its event
        # by the moment it was made (unique in the stream), in the event's own text form.
        ack_moments = keys(
            "SELECT strftime(acknowledged_at, '%Y-%m-%d %H:%M:%S.%f') FROM acknowledgements"
            " WHERE reason LIKE 'stream %'"
        )
        audited = {
            "contact": keys("SELECT entity_key FROM audit WHERE action = 'log_contact'"),
            "agreement": keys("SELECT entity_key FROM audit WHERE action = 'record_agreement'"),
            "acknowledgement": keys(
                "SELECT strftime(CAST(json_extract_string(new_value, '$.acknowledged_at')"
                " AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%f') FROM audit"
                " WHERE action = 'write' AND entity = 'acknowledgements'"
            ),
            "action": keys("SELECT entity_key FROM audit WHERE action = 'add_action'"),
        }
        version = int(cur.execute("SELECT version FROM change_counter").fetchone()[0])
        broken = audit.verify_chain(cur)
        cur.execute("COMMIT")
    return Facts(contacts, agreement_ids, acks, actions, audited, version, broken, ack_moments)


def problems(now: Facts, baseline_version: int) -> list[str]:
    """Why `now` is not a whole store: a write without its audit event (or the other way
    round), a change counter that does not count every write, or a broken audit chain."""
    found = []
    for kind in KINDS:
        stored = now.ack_moments if kind == "acknowledgement" else getattr(now, kind + "s")
        if stored != now.audited[kind]:
            found.append(f"{kind}s and their audit events differ: {stored ^ now.audited[kind]}")
    if now.version != baseline_version + now.writes:
        found.append(f"version {now.version} != {baseline_version} + {now.writes} writes")
    if now.chain_broken_at is not None:
        found.append(f"the audit chain breaks at row {now.chain_broken_at}")
    return found
