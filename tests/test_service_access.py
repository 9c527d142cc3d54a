"""Every public service, called as every kind of user: allowed, NotAllowed or NotFound.

The matrix (docs/security.md, "a matrix test") has one row per service and one letter per
kind of user, in access.KINDS order: A = allowed (and the result is checked), X = NotAllowed,
N = NotFound. Services about one student are called twice: on OWN, a student every kind with
a student list may see, and on OTHER, a student only an admin may see. Each cell runs on a
fresh copy of a small world, so writes do not leak into the next cell.

`test_every_public_service_is_in_the_matrix` walks the service modules: a public function
whose first parameter is `store` must be in the matrix, or in TRUSTED with the reason it
needs no user. A new service that is in neither fails that test.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from factories import World, days

import dashboard
from dashboard import backups, demo, interchange, settings, signals, trends
from dashboard.checklists import filling, items, reading, shares
from dashboard.codes import TABLES
from dashboard.demo.accounts import ensure_demo_accounts
from dashboard.errors import NotAllowed, NotFound
from dashboard.meetings import follow_up, minutes, prepare, run
from dashboard.meetings.model import CaseloadChoice, MeetingForm
from dashboard.security import access, accounts, audit_trail, sign_in
from dashboard.security.access import CLI_USER, KINDS, User
from dashboard.signals import caseload, day_cache, rules
from dashboard.store import Store, open_store
from dashboard.students import agreements, listing, records, rights, student_file
from dashboard.trends import overview as trends_overview
from dashboard.trends import privacy, signal_history
from validation.checklists import ChecklistForm, ItemText
from validation.forms import AgreementForm, ConsentForm, ContactForm, RoleForm, StatusForm

T = dt.date(2025, 10, 1)
PASSWORD = "lang genoeg wachtwoord"

USERS = {
    "admin": User("beheer", "admin"),
    "manager": User("manager", "manager"),
    "care_coordinator": User("coord", "care_coordinator", "P-CO", locations=("Noord",)),
    "care_worker": User("care", "care_worker", "P-CARE"),
    "guide": User("mentor", "guide", "P-MEN"),
    "workplace": User("sup", "workplace", "P-SUP"),
}


@dataclass(frozen=True)
class Target:
    """One student of the world and the ids a call about them needs."""

    student_id: str
    mentor: str
    bpv: str
    placement_id: str
    agreement_id: str
    meeting_id: str
    action_id: str


OWN = Target("S-OWN", "P-MEN", "P-BPV", "PL-OWN", "AG-OWN", "M-OWN", "MA-OWN")
OTHER = Target("S-OTHER", "P-MEN2", "P-BPV2", "PL-OTHER", "AG-OTHER", "M-OTHER", "MA-OTHER")


def build_world(store: Store) -> None:
    """OWN (location Noord): the guide's mentee, the care worker's client, the supervisor's
    trainee, in the coordinator's location. OTHER (Zuid): nobody's but its own people's."""
    w = World()
    w.add_person("P-CO")
    w.add_person("P-CARE", kind="care")
    for t, location, supervisor in [(OWN, "Noord", "P-SUP"), (OTHER, "Zuid", "P-SUP2")]:
        w.add_student(t.student_id, T - days(400), location=location)
        w.add_person(t.mentor)
        w.add_person(t.bpv)
        w.add_person(supervisor, kind="workplace")
        w.add_role(t.student_id, t.mentor, "mentor", T - days(100))
        w.add_role(t.student_id, t.bpv, "bpv_coordinator", T - days(100))
        w.add_role(t.student_id, supervisor, "workplace_supervisor", T - days(50))
        w.add_placement(t.student_id, T - days(50), T + days(50), supervisor, None, t.placement_id)
        agreement = w.add_agreement(t.student_id, "direction", t.mentor, T - days(30))
        agreement["agreement_id"] = t.agreement_id
    w.add_role(OWN.student_id, "P-CARE", "care_worker", T - days(100))
    w.save(store)
    accounts.add_user(store, CLI_USER, "staffer", "guide", PASSWORD, person_id="P-MEN")
    _add_meetings(store)


def _add_meetings(store: Store) -> None:
    """M-OWN: the coordinator's meeting about OWN, attended by the mentor and the care worker,
    with an action for the mentor. M-OTHER: an admin's meeting about OTHER (nobody else's)."""
    with store.write() as tx:
        for t, coordinator, attendees in [
            (OWN, "coord", ["P-MEN", "P-CARE"]),
            (OTHER, "beheer", [OTHER.mentor]),
        ]:
            mid, sid = t.meeting_id, t.student_id
            tx.execute(
                "INSERT INTO meetings VALUES ($m, $d, 'internal', 'list', NULL, 60, $c, "
                "current_timestamp, NULL, NULL)",
                {"m": mid, "d": T - days(7), "c": coordinator},
            )
            for person in attendees:
                tx.execute(
                    "INSERT INTO meeting_attendees VALUES ($m, $p, 'mentor', NULL)",
                    {"m": mid, "p": person},
                )
            tx.execute(
                "INSERT INTO meeting_items VALUES ($m, $s, 1, 5, 'high')", {"m": mid, "s": sid}
            )
            tx.execute(
                "INSERT INTO meeting_actions VALUES ($a, $m, $s, 'Bellen', $o, $d, NULL, false, "
                "'coord', current_timestamp)",
                {"a": t.action_id, "m": mid, "s": sid, "o": t.mentor, "d": T + days(7)},
            )
            tx.execute(
                "INSERT INTO meeting_action_status VALUES ($a, $s, 'open', $d, 'coord', "
                "current_timestamp)",
                {"a": t.action_id, "s": sid, "d": T - days(7)},
            )


@dataclass
class Cell:
    """What one call gets: a fresh store, the user, the student it is about, a folder."""

    store: Store
    user: User
    target: Target
    files: Path  # an interchange export of the world
    tmp: Path


def _left_long_ago(cell: Cell) -> Cell:
    """The target left ten years ago, so the retention period allows erasing it."""
    with cell.store.write() as cur:
        cur.execute(
            "UPDATE students SET status = 'transferred', status_date = $d WHERE student_id = $s",
            {"d": T - days(3650), "s": cell.target.student_id},
        )
    return cell


def _empty_store(cell: Cell) -> Store:
    return open_store(cell.tmp / "empty.duckdb")


def _uploads(cell: Cell) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(cell.files.iterdir())}


def _no_student_in(history: signal_history.SignalHistory) -> bool:
    """Aggregates only: no student id in any cell of the result."""
    frames = (history.open, history.open_by_severity, history.duration)
    cells = {str(v) for frame in frames for v in frame.to_numpy().ravel()}
    return not any(t.student_id in cell for t in (OWN, OTHER) for cell in cells)


def _audited(cell: Cell, action: str) -> bool:
    """The trail holds an `action` by this user (about the target, when it names a student)."""
    with cell.store.read() as cur:
        rows = cur.execute(
            "SELECT student_id FROM audit WHERE actor = $a AND action = $action",
            {"a": cell.user.actor, "action": action},
        ).fetchall()
    return any(r[0] in (None, cell.target.student_id) for r in rows)


def _visible(cell: Cell) -> set[str]:
    """The students the world lets this kind see (docs/security.md, the rules per kind)."""
    if cell.user.kind == "admin":
        return {OWN.student_id, OTHER.student_id}
    return {OWN.student_id} if access.may(cell.user, "view_students") else set()


@dataclass(frozen=True)
class Service:
    fn: Callable
    call: Callable[[Cell], object]  # calls fn for the cell
    check: Callable[[object, Cell], bool]  # what an allowed call must have done
    own: str  # one letter per kind (access.KINDS order): A allowed, X NotAllowed, N NotFound
    other: str | None = None  # the same on OTHER; None: the service is about no one student


def contact_form(t: Target) -> ContactForm:
    return ContactForm(
        kind="incidental",
        date=T - days(1),
        channel="phone",
        participants=[t.mentor],
        reason="progress",
        visibility="guides",
    )


def agreement_form(t: Target, on: dt.date) -> AgreementForm:
    return AgreementForm(topic="pedagogy", holder_id=t.mentor, agreed_on=on)


def checklist_form(c: Cell, checklist: str = "guidance") -> ChecklistForm:
    """A checklist the user may fill in: their own side's view, about the target's placement."""
    party = filling.parties_for(c.user)["guidance"][0]
    scores = {"goals" if checklist == "guidance" else "direction": "improve"}
    return ChecklistForm(checklist, party, T, placement_id=c.target.placement_id, scores=scores)


ITEM_TEXT = ItemText("Nieuw punt", "New item", "Uitleg", "Explanation")


# In the lambdas: c = the Cell, r = what the call returned.
SERVICES = [
    # -- the student list and the student file ---------------------------------------------
    Service(
        listing.filter_options,
        lambda c: listing.filter_options(c.store, c.user, T),
        lambda r, c: len(r.locations) == len(_visible(c)),
        "AXAAAA",
    ),
    Service(
        listing.list_students,
        lambda c: listing.list_students(c.store, c.user, T, listing.StudentFilters()),
        lambda r, c: set(r.rows["student_id"]) == _visible(c),
        "AXAAAA",
    ),
    Service(
        student_file.load,
        lambda c: student_file.load(c.store, c.user, c.target.student_id, T),
        lambda r, c: r.student.student_id == c.target.student_id and _audited(c, "view_student"),
        "ANAAAA",
        "ANNNNN",
    ),
    Service(
        student_file.history,
        lambda c: student_file.history(c.store, c.user, c.target.student_id, T),
        lambda r, c: r == (),  # the world was written without the services: no history yet
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        student_file.find_staff,
        lambda c: student_file.find_staff(c.store, c.user, "P-CARE"),
        lambda r, c: {p.person_id for p in r} == {"P-CARE"},
        "AXAAAX",
    ),
    # -- writes to a student's file ----------------------------------------------------------
    Service(
        records.log_contact,
        lambda c: records.log_contact(
            c.store, c.user, c.target.student_id, contact_form(c.target), T
        ),
        lambda r, c: r.startswith("C-") and _audited(c, "log_contact"),
        "AXAAAA",
        "AXNNNN",
    ),
    Service(
        agreements.record_agreement,
        lambda c: agreements.record_agreement(
            c.store, c.user, c.target.student_id, agreement_form(c.target, T - days(1)), T
        ),
        lambda r, c: r.startswith("A-") and _audited(c, "record_agreement"),
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        agreements.change_agreement,
        lambda c: agreements.change_agreement(
            c.store, c.user, c.target.agreement_id, agreement_form(c.target, T), T
        ),
        lambda r, c: r != c.target.agreement_id and _audited(c, "change_agreement"),
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        agreements.end_agreement,
        lambda c: agreements.end_agreement(c.store, c.user, c.target.agreement_id, T, T),
        lambda r, c: _audited(c, "end_agreement"),
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        agreements.hand_over_direction,
        lambda c: agreements.hand_over_direction(
            c.store, c.user, c.target.student_id, c.target.bpv, T, T
        ),
        lambda r, c: _audited(c, "hand_over_direction"),
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        records.assign_role,
        lambda c: records.assign_role(
            c.store,
            c.user,
            c.target.student_id,
            RoleForm(person_id=c.target.bpv, role="peer_coach", start_date=T),
            T,
        ),
        lambda r, c: _audited(c, "assign_role"),
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        records.end_role,
        lambda c: records.end_role(
            c.store,
            c.user,
            c.target.student_id,
            c.target.bpv,
            "bpv_coordinator",
            T - days(100),
            T,
            T,
        ),  # fmt: skip
        lambda r, c: _audited(c, "end_role"),
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        records.record_consent,
        lambda c: records.record_consent(
            c.store,
            c.user,
            c.target.student_id,
            ConsentForm(audience="workplace", shares=True, decided_on=T, recorded_by=c.target.bpv),
            T,
        ),
        lambda r, c: _audited(c, "record_consent"),
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        records.change_status,
        lambda c: records.change_status(
            c.store,
            c.user,
            c.target.student_id,
            StatusForm(status="dropped_out", status_date=T),
            T,
        ),
        lambda r, c: r.placement_ids == (c.target.placement_id,) and _audited(c, "change_status"),
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        records.end_placement_early,
        lambda c: records.end_placement_early(
            c.store, c.user, c.target.student_id, c.target.placement_id, T - days(1), T
        ),
        lambda r, c: (
            r.placement_ids == (c.target.placement_id,) and _audited(c, "end_placement_early")
        ),
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        signals.acknowledge,
        lambda c: signals.acknowledge(
            c.store,
            c.user,
            "NO_MENTOR",
            c.target.student_id,
            None,
            T - days(9),
            "reden",
            T + days(9),
            today=T,
        ),  # fmt: skip
        lambda r, c: _audited(c, "write"),
        "AXAAAX",
        "AXNNNX",
    ),
    # -- the checklists (dashboard/checklists) -------------------------------------------------
    Service(
        reading.student_checklists,
        lambda c: reading.student_checklists(c.store, c.user, c.target.student_id, T),
        lambda r, c: len(r.items) == 14 and r.may_fill == access.may(c.user, "log_contact"),
        "ANAAAA",
        "ANNNNN",
    ),
    Service(
        filling.record_checklist,
        lambda c: filling.record_checklist(
            c.store, c.user, c.target.student_id, checklist_form(c), T
        ),
        lambda r, c: r.startswith("CL-") and _audited(c, "record_checklist"),
        "AXAAAA",
        "AXNNNN",
    ),
    Service(
        filling.log_contact_with_checklists,
        lambda c: filling.log_contact_with_checklists(
            c.store,
            c.user,
            c.target.student_id,
            ContactForm(
                kind="start",
                date=T - days(1),
                channel="in_person",
                participants=[c.target.mentor],
                placement_id=c.target.placement_id,
            ),
            [checklist_form(c, "collaboration")],
            T,
        ),
        lambda r, c: r.startswith("C-") and _audited(c, "record_checklist"),
        "AXAAAA",
        "AXNNNN",
    ),
    Service(
        items.current_items,
        lambda c: items.current_items(c.store, c.user),
        lambda r, c: len(r) == 14,
        "AXAAAA",
    ),
    Service(
        items.reword_item,
        lambda c: items.reword_item(c.store, c.user, "direction", ITEM_TEXT),
        lambda r, c: r == 2 and _audited(c, "write"),
        "AXXXXX",
    ),
    Service(
        items.add_item,
        lambda c: items.add_item(c.store, c.user, "guidance", ITEM_TEXT),
        lambda r, c: r in {i.item_id for i in items.current_items(c.store, c.user)},
        "AXXXXX",
    ),
    Service(
        items.set_retired,
        lambda c: items.set_retired(c.store, c.user, "goals", True),
        lambda r, c: "goals" not in {i.item_id for i in items.current_items(c.store, c.user)},
        "AXXXXX",
    ),
    Service(
        shares.improvement_shares,
        lambda c: shares.improvement_shares(c.store, c.user, T, trends.TrendFilters()),
        lambda r, c: r.empty and "share_improve" in r.columns,
        "AAAXXX",
    ),
    # -- the caseload and the trends -----------------------------------------------------------
    Service(
        caseload.filter_options,
        lambda c: caseload.filter_options(c.store, c.user, T),
        lambda r, c: len(r.locations) == len(_visible(c)),
        "AXAAAX",
    ),
    Service(
        caseload.caseload_students,
        lambda c: caseload.caseload_students(c.store, c.user, T, caseload.CaseloadFilters()),
        lambda r, c: set(r["student_id"]) == _visible(c),
        "AXAAAX",
    ),
    Service(
        caseload.caseload,
        lambda c: caseload.caseload(c.store, c.user, T, caseload.CaseloadFilters()),
        lambda r, c: set(r.students["student_id"]) == _visible(c),
        "AXAAAX",
    ),
    Service(
        trends.trends,
        lambda c: trends.trends(c.store, c.user, T, trends.TrendFilters()),
        lambda r, c: len(r.contacts) == trends.MONTHS,
        "AAAXXX",
    ),
    Service(
        signal_history.signal_history,
        lambda c: signal_history.signal_history(c.store, c.user, T - days(70), T),
        lambda r, c: len(r.weeks) == 10 and _no_student_in(r),
        "AAAXXX",
    ),
    Service(
        trends_overview.overview,
        lambda c: trends_overview.overview(
            c.store, c.user, T, trends.TrendFilters(), trends_overview.Period()
        ),
        lambda r, c: len(r.moments) == 3 * trends.MONTHS and len(r.weekly) >= 45,
        "AAAXXX",
    ),
    Service(
        trends_overview.filter_options,
        lambda c: trends_overview.filter_options(c.store, c.user, T),
        lambda r, c: len(r.locations) >= 1 and r.school_years[0] == 2025,
        "AAAXXX",
    ),
    Service(
        signals.flags_report,
        lambda c: signals.flags_report(c.store, c.user, T),
        lambda r, c: r.startswith("code,severity,student_id"),
        "AXXXXX",
    ),
    Service(
        signals.counts_report,
        lambda c: signals.counts_report(c.store, c.user, [T - days(7), T]),
        lambda r, c: r.startswith("day,code,severity,open,acknowledged\n"),
        "AXXXXX",
    ),
    # -- caseload meetings (coordinators run them; attendees and guides follow them up) ------
    Service(
        prepare.propose_agenda,
        lambda c: prepare.propose_agenda(
            c.store, c.user, CaseloadChoice("location", "Noord"), T, 60, T
        ),
        lambda r, c: [p.student_id for p in r] == [OWN.student_id],
        "AXAXXX",
    ),
    Service(
        prepare.create_meeting,
        lambda c: prepare.create_meeting(
            c.store,
            c.user,
            MeetingForm(T, "internal", CaseloadChoice("list", None, (OWN.student_id,)), 30),
            T,
        ),
        lambda r, c: _audited(c, "create_meeting") and r.startswith("M-"),
        "AXAXXX",  # a list with a student outside the scope: tests/test_meetings.py
    ),
    Service(
        prepare.set_agenda,
        lambda c: prepare.set_agenda(
            c.store, c.user, c.target.meeting_id, [(c.target.student_id, 9)], T
        ),
        lambda r, c: _audited(c, "set_agenda"),
        "AXAXXX",
        "AXNXXX",
    ),
    Service(
        prepare.set_attendees,
        lambda c: prepare.set_attendees(
            c.store, c.user, c.target.meeting_id, [(c.target.mentor, "mentor")], T
        ),
        lambda r, c: _audited(c, "set_attendees"),
        "AXAXXX",
        "AXNXXX",
    ),
    Service(
        run.meeting_screen,
        lambda c: run.meeting_screen(c.store, c.user, c.target.meeting_id, c.target.student_id, T),
        lambda r, c: (
            r.file.student.student_id == c.target.student_id and _audited(c, "view_student")
        ),
        "AXAXXX",
        "AXNXXX",
    ),
    Service(
        run.record_decision,
        lambda c: run.record_decision(
            c.store, c.user, c.target.meeting_id, c.target.student_id, "Besluit", T
        ),
        lambda r, c: r.startswith("MD-") and _audited(c, "record_decision"),
        "AXAXXX",
        "AXNXXX",
    ),
    Service(
        run.decide_direction,
        lambda c: run.decide_direction(
            c.store, c.user, c.target.meeting_id, c.target.student_id, c.target.bpv, T
        ),
        lambda r, c: _audited(c, "hand_over_direction") and _audited(c, "record_decision"),
        "AXAXXX",
        "AXNXXX",
    ),
    Service(
        run.decide_information,
        lambda c: run.decide_information(
            c.store, c.user, c.target.meeting_id, c.target.student_id, c.target.bpv, "x", T
        ),
        lambda r, c: _audited(c, "record_agreement") and _audited(c, "record_decision"),
        "AXAXXX",
        "AXNXXX",
    ),
    Service(
        run.add_action,
        lambda c: run.add_action(
            c.store,
            c.user,
            c.target.meeting_id,
            c.target.student_id,
            "Bellen",
            c.target.mentor,
            T + days(3),
            T,
        ),
        lambda r, c: r.startswith("MA-") and _audited(c, "add_action"),
        "AXAXXX",
        "AXNXXX",
    ),
    Service(
        run.set_action_status,
        lambda c: run.set_action_status(c.store, c.user, c.target.action_id, "done", T, T),
        lambda r, c: _audited(c, "set_action_status"),
        "AXAXAX",  # the coordinator, or the owner (the mentor); not the care worker
        "AXNNNX",
    ),
    Service(
        run.set_attendance,
        lambda c: run.set_attendance(
            c.store, c.user, c.target.meeting_id, {c.target.mentor: True}, T
        ),
        lambda r, c: _audited(c, "set_attendance"),
        "AXAXXX",
        "AXNXXX",
    ),
    Service(
        run.close_meeting,
        lambda c: run.close_meeting(c.store, c.user, c.target.meeting_id),
        lambda r, c: _audited(c, "close_meeting"),
        "AXAXXX",
        "AXNXXX",
    ),
    Service(
        run.reopen_meeting,
        lambda c: (
            run.close_meeting(c.store, c.user, c.target.meeting_id),
            run.reopen_meeting(c.store, c.user, c.target.meeting_id),
        ),
        lambda r, c: _audited(c, "reopen_meeting"),
        "AXAXXX",
        "AXNXXX",
    ),
    Service(
        follow_up.list_meetings,
        lambda c: follow_up.list_meetings(c.store, c.user, T),
        lambda r, c: (
            {m.meeting_id for m in r}
            == ({"M-OWN", "M-OTHER"} if c.user.kind == "admin" else {"M-OWN"})
        ),
        "AXAAAX",
    ),
    Service(
        follow_up.load_meeting,
        lambda c: follow_up.load_meeting(c.store, c.user, c.target.meeting_id, T),
        lambda r, c: [i.student_id for i in r.agenda] == [c.target.student_id],
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        follow_up.my_actions,
        lambda c: follow_up.my_actions(c.store, c.user, T),
        lambda r, c: [a.action_id for a in r] == (["MA-OWN"] if c.user.kind == "guide" else []),
        "AXAAAX",
    ),
    Service(
        follow_up.student_meetings,
        lambda c: follow_up.student_meetings(c.store, c.user, c.target.student_id, T),
        lambda r, c: [a.action_id for a in r.open_actions] == [c.target.action_id],
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        minutes.minutes,
        lambda c: minutes.minutes(c.store, c.user, c.target.meeting_id, "school", "pdf", T),
        lambda r, c: r.startswith(b"%PDF") and _audited(c, "export"),
        "AXAAAX",
        "AXNNNX",
    ),
    Service(
        minutes.recaps,
        lambda c: minutes.recaps(c.store, c.user, c.target.meeting_id, "care", T),
        lambda r, c: list(r) == [f"Persoon {c.target.mentor}"],
        "AXAAAX",
        "AXNNNX",
    ),
    # -- the student's rights (admins) ------------------------------------------------------
    Service(
        rights.find_students,
        lambda c: rights.find_students(c.store, c.user, "S-", today=T),
        lambda r, c: {s["student_id"] for s in r} == {OWN.student_id, OTHER.student_id},
        "AXXXXX",
    ),
    Service(
        rights.inzage,
        lambda c: rights.inzage(c.store, c.user, c.target.student_id),
        lambda r, c: c.target.student_id.encode() in r and _audited(c, "export"),
        "AXXXXX",
        "AXXXXX",
    ),
    Service(
        rights.correct,
        lambda c: rights.correct(c.store, c.user, c.target.student_id, {"class_code": "X9"}),
        lambda r, c: r == ["class_code"],
        "AXXXXX",
        "AXXXXX",
    ),
    Service(
        rights.erase_or_anonymise,
        lambda c: rights.erase_or_anonymise(c.store, c.user, c.target.student_id, "erase", today=T),
        lambda r, c: r["students"] == 1 and _audited(c, "erase"),
        "AXXXXX",
        "AXXXXX",
    ),
    # -- accounts, settings, the audit trail (admins), one's own sign-in (everyone) ------------
    Service(
        accounts.add_user,
        lambda c: accounts.add_user(c.store, c.user, "nieuw", "guide", PASSWORD, "P-BPV"),
        lambda r, c: sign_in.load_user(c.store, "nieuw") == r,
        "AXXXXX",
    ),
    Service(
        accounts.disable_user,
        lambda c: accounts.disable_user(c.store, c.user, "staffer"),
        lambda r, c: sign_in.load_user(c.store, "staffer") is None,
        "AXXXXX",
    ),
    Service(
        accounts.enable_user,
        lambda c: accounts.enable_user(c.store, c.user, "staffer"),
        lambda r, c: sign_in.load_user(c.store, "staffer") is not None,
        "AXXXXX",
    ),
    Service(
        accounts.reset_password,
        lambda c: accounts.reset_password(c.store, c.user, "staffer", PASSWORD + "!"),
        lambda r, c: (
            sign_in.authenticate(
                c.store, "staffer", PASSWORD + "!", settings.current(c.store)
            ).username
            == "staffer"
        ),
        "AXXXXX",
    ),
    Service(
        accounts.list_users,
        lambda c: accounts.list_users(c.store, c.user),
        lambda r, c: [u["username"] for u in r] == ["staffer"],
        "AXXXXX",
    ),
    Service(
        accounts.people_and_locations,
        lambda c: accounts.people_and_locations(c.store, c.user),
        lambda r, c: r[1] == ["Noord", "Zuid"],
        "AXXXXX",
    ),
    Service(
        sign_in.record_sign_in,
        lambda c: sign_in.record_sign_in(c.store, c.user),
        lambda r, c: _audited(c, "sign_in"),
        "AAAAAA",
    ),
    Service(
        sign_in.record_sign_out,
        lambda c: sign_in.record_sign_out(c.store, c.user),
        lambda r, c: _audited(c, "sign_out"),
        "AAAAAA",
    ),
    Service(
        settings.save,
        lambda c: settings.save(c.store, c.user, {"upcoming_days": 21}),
        lambda r, c: settings.current(c.store)["upcoming_days"] == 21,
        "AXXXXX",
    ),
    Service(
        audit_trail.search,
        lambda c: audit_trail.search(c.store, c.user),
        lambda r, c: {row["action"] for row in r} >= {"user_add"},
        "AXXXXX",
    ),
    Service(
        audit_trail.actions,
        lambda c: audit_trail.actions(c.store, c.user),
        lambda r, c: "user_add" in r,
        "AXXXXX",
    ),
    Service(
        audit_trail.first_broken_row,
        lambda c: audit_trail.first_broken_row(c.store, c.user),
        lambda r, c: r is None,
        "AXXXXX",
    ),
    # -- import, export and demo data (admins; the command line acts as one) -----------------
    Service(
        interchange.import_files,
        lambda c: interchange.import_files(c.store, c.user, [c.files]),
        lambda r, c: r.tables["students"].rows == 2 and _audited(c, "import"),
        "AXXXXX",
    ),
    Service(
        interchange.validate_upload,
        lambda c: interchange.validate_upload(c.store, c.user, _uploads(c)),
        lambda r, c: r.ok and r.counts["students"] == 2,
        "AXXXXX",
    ),
    Service(
        interchange.import_upload,
        lambda c: interchange.import_upload(c.store, c.user, _uploads(c)),
        lambda r, c: r.tables["students"].rows == 2 and _audited(c, "import"),
        "AXXXXX",
    ),
    Service(
        interchange.export_all,
        lambda c: interchange.export_all(c.store, c.user, c.tmp / "out"),
        lambda r, c: len(r) == len(TABLES) and _audited(c, "export"),
        "AXXXXX",
    ),
    Service(
        interchange.export_zip,
        lambda c: interchange.export_zip(c.store, c.user),
        lambda r, c: r.startswith(b"PK") and _audited(c, "export"),
        "AXXXXX",
    ),
    Service(
        backups.backup,
        lambda c: backups.backup(c.store, c.user, c.tmp / "backup.duckdb"),
        lambda r, c: (
            r["students"] == 2 and (c.tmp / "backup.duckdb").is_file() and _audited(c, "backup")
        ),
        "AXXXXX",
    ),
    Service(
        backups.listed,
        lambda c: backups.listed(c.store, c.user),
        lambda r, c: r == [],
        "AXXXXX",
    ),
    Service(
        demo.generate,
        lambda c: demo.generate(_empty_store(c), c.user, students=1, today=T),
        lambda r, c: r["students"] == 1,
        "AXXXXX",
    ),
]

# Public functions over a store that take no user, and why each needs none. Keep it short:
# anything a page or the command line calls for a user belongs in SERVICES.
TRUSTED = {
    settings.current: "the school's settings (no personal data), read before anyone signs in",
    settings.texts: "the school's text settings (a backup folder; no personal data)",
    privacy.threshold: "the small-cell threshold (a setting; no personal data)",
    backups.folder: "where the scheduled backups go (a setting; no personal data)",
    backups.run_scheduled: "the app's own daily backup: nobody asks, it acts as SCHEDULE_USER",
    backups.keep_backing_up: "the app's backup thread, running run_scheduled",
    sign_in.load_user: "sign-in and session upkeep: there is no user yet",
    sign_in.user_for_email: "sign-in and session upkeep: there is no user yet",
    sign_in.authenticate: "sign-in: there is no user yet",
    sign_in.wait_for: "sign-in: how long a name or client must wait; there is no user yet",
    ensure_demo_accounts: "the sign-in page of a demo store; no accounts outside demo mode",
    demo.demo_people: "picks the people of the demo accounts, for ensure_demo_accounts",
    demo.person_locations: "the locations of a demo account, for ensure_demo_accounts",
    signals.evaluate: "the signal query; callers pass the students they checked",
    signals.describe: "texts for signals a caller already found (and checked)",
    rules.signal_query: "the signal query's text and parameters, for evaluate and the report",
    caseload.upcoming_moments: "a day-cache kind; the caseload passes the students it checked",
    day_cache.rows: "the day cache: rows for the students a caller checked",
    day_cache.evaluate: "the day cache: signals of the students a caller checked",
    day_cache.describe: "the day cache: texts for signals a caller checked",
    day_cache.warm: "the day cache: fills itself after a write, shows nothing",
    day_cache.clear: "the day cache: forgets, shows nothing",
    day_cache.latest_day: "the day cache: the last day asked for, no personal data",
    trends_overview.warm: "fills the trends cache after a change (as an admin), shows nothing",
}

# Packages that hold no service: the Streamlit layer and the command line (which call them).
NOT_SERVICES = ("dashboard.app", "dashboard.cli", "dashboard.__main__")


def _public_store_functions() -> set[Callable]:
    found = set()
    for info in pkgutil.walk_packages(dashboard.__path__, "dashboard."):
        if info.name.startswith(NOT_SERVICES):
            continue
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != info.name:
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:1] == ["store"]:
                found.add(fn)
    return found


def _takes_a_user(fn: Callable) -> bool:
    """The second parameter is the User who acts."""
    params = list(inspect.signature(fn).parameters.values())
    return len(params) > 1 and "User" in str(params[1].annotation)


def _name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__name__}"


def test_every_public_service_is_in_the_matrix():
    found = _public_store_functions()
    listed = {s.fn for s in SERVICES}
    assert len(listed) == len(SERVICES), "a service is listed twice"
    assert sorted(map(_name, found - listed - set(TRUSTED))) == [], "not in SERVICES or TRUSTED"
    assert sorted(map(_name, (listed | set(TRUSTED)) - found)) == [], "no such public service"
    assert sorted(_name(f) for f in listed if not _takes_a_user(f)) == [], "takes no User"
    assert sorted(_name(f) for f in TRUSTED if _takes_a_user(f)) == [], "takes a User: in SERVICES"


def test_the_matrix_has_a_letter_for_every_kind():
    for service in SERVICES:
        for row in (service.own, service.other or "A" * len(KINDS)):
            assert len(row) == len(KINDS) and set(row) <= set("AXN"), _name(service.fn)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path]:
    """The world's store file (closed, so each cell can copy it) and its interchange export."""
    folder = tmp_path_factory.mktemp("service_access")
    store = open_store(folder / "world.duckdb")
    try:
        build_world(store)
        interchange.export_all(store, CLI_USER, folder / "files")
    finally:
        store.close()
    return folder / "world.duckdb", folder / "files"


CELLS = [
    pytest.param(service, target, kind, id=f"{_name(service.fn)}-{label}-{kind}")
    for service in SERVICES
    for target, label, row in [(OWN, "own", service.own), (OTHER, "other", service.other)]
    if row is not None
    for kind in KINDS
]


@pytest.fixture(scope="module")
def refusing_store(template, tmp_path_factory):
    """One copy of the world for the cells that must be refused: they write nothing (and a
    cell that wrongly writes fails itself)."""
    world, _ = template
    path = tmp_path_factory.mktemp("refusals") / "world.duckdb"
    shutil.copy(world, path)
    store = open_store(path)
    yield store
    store.close()


@pytest.mark.parametrize(("service", "target", "kind"), CELLS)
def test_service_as_kind(template, refusing_store, tmp_path, service, target, kind):
    world, files = template
    row = service.own if target is OWN else service.other
    expected = row[KINDS.index(kind)]
    if expected != "A":
        cell = Cell(refusing_store, USERS[kind], target, files, tmp_path)
        with pytest.raises(NotAllowed if expected == "X" else NotFound):
            service.call(cell)
        return
    shutil.copy(world, tmp_path / "cell.duckdb")
    store = open_store(tmp_path / "cell.duckdb")
    try:
        cell = Cell(store, USERS[kind], target, files, tmp_path)
        if service.fn is rights.erase_or_anonymise:
            _left_long_ago(cell)
        assert service.check(service.call(cell), cell)
    finally:
        store.close()
