"""The student file read model: content, access (NotFound, visibilities, personal
circumstances), fixed moments, history and the view audit."""

from __future__ import annotations

import datetime as dt

import pytest
import student_world as w

from dashboard.errors import NotAllowed, NotFound
from dashboard.security import audit
from dashboard.security.access import User
from dashboard.students import records, student_file
from validation.forms import ConsentForm, ContactForm, StatusForm

T = w.TODAY


@pytest.fixture
def world(store):
    w.build(store)
    return store


def _views(store) -> int:
    with store.read() as cur:
        return cur.execute("SELECT count(*) FROM audit WHERE action = 'view_student'").fetchone()[0]


def test_mentor_sees_who_holds_direction_and_what_is_missing(world):
    f = student_file.load(world, w.MENTOR, "S1", T)
    assert f.student.name == "Noa Jansen"
    assert (f.student.age, f.student.is_minor) == (17, True)
    assert f.direction.holder_id == "P-MEN"
    assert f.direction.discussed_with_student
    assert f.final_responsibility is None
    assert f.topic("direction").status == "present"
    assert f.topic("information").status == "missing"
    assert {p.person_id for p in f.guides} == {"P-MEN", "P-BPV", "P-SUP", "P-CARE", "P-EXT"}
    assert f.may_write and f.may_log_contact


def test_minor_turns_adult_on_the_eighteenth_birthday(world):
    assert student_file.load(world, w.MENTOR, "S1", dt.date(2026, 4, 30)).student.is_minor
    adult = student_file.load(world, w.MENTOR, "S1", dt.date(2026, 5, 1)).student
    assert (adult.age, adult.is_minor) == (18, False)


def test_fixed_moments_are_planned_from_the_placement_period(world):
    (placement,) = student_file.load(world, w.MENTOR, "S1", T).placements
    planned = {m.kind: m.planned_on for m in placement.moments}
    # 2025-09-01 .. 2026-01-31 is 152 days: mid = start + 76 days.
    assert planned == {
        "start": dt.date(2025, 9, 1),
        "mid": dt.date(2025, 11, 16),
        "final": dt.date(2026, 1, 31),
    }
    assert not any(m.is_held for m in placement.moments)
    assert placement.is_active


def test_a_held_moment_names_the_missing_parties(world):
    incomplete = ContactForm(
        kind="start",
        date=dt.date(2025, 9, 3),
        channel="workplace_visit",
        participants=["P-SUP"],
        student_present=False,
        placement_id="PL1",
    )
    records.log_contact(world, w.MENTOR, "S1", incomplete, T)
    start = student_file.load(world, w.MENTOR, "S1", T).placements[0].moments[0]
    assert start.held_on == dt.date(2025, 9, 3)
    assert start.missing == ("school_guide", "student")


def test_open_signals_come_with_a_next_step(world):
    f = student_file.load(world, w.MENTOR, "S1", T)
    start_missing = f.signals[f.signals["code"] == "START_MISSING"]
    assert len(start_missing) == 1
    assert "Mila Mentor" in start_missing.iloc[0]["next_step"]


def test_every_load_is_audited_as_a_view(world):
    student_file.load(world, w.MENTOR, "S1", T)
    student_file.load(world, w.MENTOR, "S1", T)
    assert _views(world) == 2
    with world.read() as cur:
        (row,) = audit.search(cur, action="view_student", limit=1)
        assert (row["actor"], row["student_id"]) == ("mentor", "S1")
        assert audit.verify_chain(cur) is None


def test_invisible_student_is_not_found_exactly_like_an_unknown_one(world):
    errors = []
    for student_id in ("S2", "NOPE"):
        with pytest.raises(NotFound) as caught:
            student_file.load(world, w.MENTOR, student_id, T)
        errors.append(caught.value)
    assert [type(e) for e in errors] == [NotFound, NotFound]
    assert [str(e) for e in errors] == ["S2", "NOPE"]  # only the id asked for, nothing more
    assert _views(world) == 0


def test_admin_opens_any_file_but_not_an_unknown_one(world):
    f = student_file.load(world, w.ADMIN, "S2", T)
    assert (f.student.name, f.student.is_minor) == ("Tim de Vries", False)
    assert f.direction is None and f.may_write
    with pytest.raises(NotFound):
        student_file.load(world, w.ADMIN, "NOPE", T)


def test_a_manager_sees_no_student_file(world):
    with pytest.raises(NotFound):
        student_file.load(world, User("boss", "manager"), "S1", T)


def test_guide_does_not_read_care_contacts_but_care_worker_does(world):
    mentor = student_file.load(world, w.MENTOR, "S1", T)
    care = student_file.load(world, w.CARE, "S1", T)
    assert [c.contact_id for c in mentor.contacts] == ["K1"]
    assert [c.contact_id for c in care.contacts] == ["K2", "K1"]


def test_workplace_supervisor_sees_only_their_part(world):
    f = student_file.load(world, w.SUPERVISOR, "S1", T)
    assert [p.placement_id for p in f.placements] == ["PL1"]
    assert [c.contact_id for c in f.contacts] == ["K1"]  # K2 is care-only
    assert not f.sees_personal
    assert {i.role for i in f.network} == {"mentor", "bpv_coordinator", "workplace_supervisor"}
    assert f.name_of("P-EXT") is None  # jeugdzorg stays hidden
    assert set(f.signals["placement_id"]) == {"PL1"}
    assert not f.may_write and f.may_log_contact


def test_workplace_supervisor_sees_personal_circumstances_after_consent(world):
    consent = ConsentForm(
        audience="workplace", shares=True, decided_on=T, recorded_by="P-MEN", note="alles"
    )
    records.record_consent(world, w.MENTOR, "S1", consent, T)
    f = student_file.load(world, w.SUPERVISOR, "S1", T)
    assert f.sees_personal
    assert "external" in {i.role for i in f.network}
    assert [c.contact_id for c in f.contacts] == ["K1"]  # consent does not open care-only notes
    assert [c.audience for c in f.consents] == ["workplace"]


def test_find_staff_searches_names_and_organisations(world):
    assert [p.person_id for p in student_file.find_staff(world, w.MENTOR, "BAKKERIJ")] == ["P-SUP"]
    assert [p.person_id for p in student_file.find_staff(world, w.MENTOR, "o", limit=2)] == [
        "P-BPV",
        "P-CARE",
    ]
    assert student_file.find_staff(world, w.MENTOR, "  ") == []
    with pytest.raises(NotAllowed):
        student_file.find_staff(world, w.SUPERVISOR, "Mila")


def test_other_supervisor_cannot_open_the_file(world):
    with pytest.raises(NotFound):
        student_file.load(world, w.OTHER_SUPERVISOR, "S1", T)


def test_history_shows_status_changes_with_old_and_new_values(world):
    records.change_status(
        world, w.MENTOR, "S1", StatusForm("dropped_out", dt.date(2025, 9, 30), "verhuisd"), T
    )
    student_file.load(world, w.MENTOR, "S1", T)
    entries = student_file.history(world, w.MENTOR, "S1", T)
    (entry,) = [h for h in entries if h.action == "change_status"]
    assert entry.old_value["status"] == "active"
    assert entry.new_value["status"] == "dropped_out"
    assert entry.new_value["status_date"] == "2025-09-30"
    assert entry.new_value["status_reason"] is True  # that there was a reason, not its text
    assert all(h.action != "view_student" for h in entries)
    with pytest.raises(NotAllowed):
        student_file.history(world, w.SUPERVISOR, "S1", T)
    with pytest.raises(NotFound):
        student_file.history(world, w.MENTOR, "S2", T)


def test_consent_in_force_is_the_latest_on_or_before_the_day(world):
    for day, shares in ((dt.date(2025, 9, 1), True), (dt.date(2025, 9, 20), False)):
        form = ConsentForm("workplace", shares, day, "P-MEN")
        records.record_consent(world, w.MENTOR, "S1", form, T)
    f = student_file.load(world, w.MENTOR, "S1", T)
    assert f.consent_in_force("workplace").shares is False
    assert [c.in_force for c in f.consents] == [True, False]
    earlier = student_file.load(world, w.MENTOR, "S1", dt.date(2025, 9, 10))
    assert earlier.consent_in_force("workplace").shares is True


def test_a_refused_opening_is_audited_like_an_unknown_one(world):
    """Issue 21, finding 7: refused openings are in the trail too (the same event for a
    student the user may not see and for an id that does not exist), and nothing else."""
    for student_id in ("S2", "NOPE"):
        with pytest.raises(NotFound):
            student_file.load(world, w.MENTOR, student_id, T)
    with world.read() as cur:
        refused = audit.search(cur, action="view_refused", limit=10)
        assert sorted((r["actor"], r["student_id"]) for r in refused) == [
            ("mentor", "NOPE"),
            ("mentor", "S2"),
        ]
        assert audit.verify_chain(cur) is None
    assert _views(world) == 0


@pytest.mark.parametrize("shares", [False, True])
def test_a_supervisor_without_consent_sees_that_there_is_none_but_not_why(world, shares):
    """Issue 21, finding 8: without the student's consent a workplace supervisor sees the
    decision, not its note, and an agreement's details only when they are a party to it."""
    with world.write() as tx:
        tx.execute(
            "INSERT INTO consents VALUES ('S1', 'workplace', '2025-09-10', $shares, 'P-MEN', "
            "'wil niet dat de werkplek iets over de thuissituatie hoort')",
            {"shares": shares},
        )
        tx.execute(
            "INSERT INTO agreements VALUES "
            "('AG-TD', 'S1', NULL, 'task_division', 'P-MEN', ARRAY['P-CARE'],"
            " 'zorgteam: thuissituatie', NULL, true, '2025-09-01', NULL, NULL),"
            "('AG-PED', 'S1', 'PL1', 'pedagogy', 'P-MEN', ARRAY['P-SUP'],"
            " 'bij te laat komen eerst een gesprek', NULL, true, '2025-09-01', NULL, NULL)"
        )
    f = student_file.load(world, w.SUPERVISOR, "S1", T)
    (decision,) = f.consents
    assert decision.shares is shares
    assert decision.note == (
        "wil niet dat de werkplek iets over de thuissituatie hoort" if shares else None
    )
    details = {a.agreement_id: a.details for a in f.agreements}
    assert details["AG-PED"] == "bij te laat komen eerst een gesprek"  # theirs to keep
    assert details["AG-TD"] == ("zorgteam: thuissituatie" if shares else None)
    mentor = student_file.load(world, w.MENTOR, "S1", T)  # the school sees it all
    assert {a.agreement_id: a.details for a in mentor.agreements}["AG-TD"] is not None
    assert mentor.consents[0].note is not None
