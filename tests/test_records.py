"""Writes to a student file: each valid write is stored and audited; each invalid one raises
Invalid naming the field and writes nothing; history is kept; access is enforced."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import student_world as w

from dashboard.errors import Invalid, NotAllowed, NotFound
from dashboard.security import audit
from dashboard.security.access import User
from dashboard.students import agreements, records, student_file
from validation.forms import AgreementForm, ConsentForm, ContactForm, RoleForm, StatusForm

T = w.TODAY
ZUID_COORDINATOR = User("zc", "care_coordinator", person_id="P-ZC", locations=("Zuid",))


@pytest.fixture
def world(store):
    w.build(store)
    return store


def snapshot(store) -> dict[str, list]:
    """Every row of every table a write may touch (to prove that nothing was written)."""
    tables = ("students", "roles", "placements", "contacts", "agreements", "consents", "audit")
    with store.read() as cur:
        return {t: cur.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


def rows(store, sql: str, *params) -> list[tuple]:
    with store.read() as cur:
        return cur.execute(sql, list(params)).fetchall()


def last_audit(store) -> dict:
    with store.read() as cur:
        return audit.search(cur, limit=1)[0]


def fields(exc: Invalid) -> dict[str, str]:
    return {p.where.field: p.key.removeprefix("student.problem.") for p in exc.problems}


def start_contact(**changes) -> ContactForm:
    values = dict(
        kind="start",
        date=dt.date(2025, 9, 3),
        channel="workplace_visit",
        participants=["P-MEN", "P-SUP"],
        student_present=True,
        placement_id="PL1",
        summary="Kennismaking; afspraken over werktijden.",
    )
    return ContactForm(**{**values, **changes})


# -- contacts --------------------------------------------------------------------------------


def test_log_contact_stores_audits_and_returns_a_fresh_id(world):
    contact_id = records.log_contact(world, w.MENTOR, "S1", start_contact(), T)
    assert contact_id.startswith("C-") and len(contact_id) == 14
    (row,) = rows(
        world,
        "SELECT kind, placement_id, participants, visibility FROM contacts WHERE contact_id = ?",
        contact_id,
    )
    assert row == ("start", "PL1", ["P-MEN", "P-SUP"], "guides")
    entry = last_audit(world)
    assert (entry["action"], entry["entity_key"], entry["student_id"]) == (
        "log_contact",
        contact_id,
        "S1",
    )
    assert "werktijden" not in entry["new_value"]  # the audit never holds the note text
    assert json.loads(entry["new_value"])["summary"] is True


def test_invalid_contact_names_every_field_and_writes_nothing(world):
    before = snapshot(world)
    bad = ContactForm(
        kind="incidental",
        date=T + dt.timedelta(days=1),
        channel=None,
        participants=["P-SUP2"],
        reason=None,
        visibility="guides",
        summary="x" * 1001,
    )
    with pytest.raises(Invalid) as caught:
        records.log_contact(world, w.MENTOR, "S1", bad, T)
    assert fields(caught.value) == {
        "date": "date_in_future",
        "channel": "required",
        "participants": "not_student_people",
        "reason": "required",
        "summary": "too_long",
    }
    assert "Datum: 2025-10-02 — Deze datum ligt in de toekomst." in [
        str(p) for p in caught.value.problems
    ]
    assert snapshot(world) == before


def test_a_fixed_moment_needs_a_placement_of_this_student(world):
    for placement, reason in ((None, "required"), ("PL2", "placement_unknown")):
        with pytest.raises(Invalid) as caught:
            records.log_contact(world, w.MENTOR, "S1", start_contact(placement_id=placement), T)
        assert fields(caught.value) == {"placement_id": reason}


def test_workplace_supervisor_logs_contacts_for_their_placement_only_as_guides(world):
    contact_id = records.log_contact(world, w.SUPERVISOR, "S1", start_contact(), T)
    assert rows(world, "SELECT count(*) FROM contacts WHERE contact_id = ?", contact_id) == [(1,)]
    with pytest.raises(Invalid) as caught:
        records.log_contact(world, w.SUPERVISOR, "S1", start_contact(visibility="care"), T)
    assert fields(caught.value) == {"visibility": "visibility_not_yours"}


def test_new_ids_skip_ids_that_are_already_stored(world, monkeypatch):
    with world.write() as cur:
        cur.execute(
            "INSERT INTO contacts VALUES ('C-aaaaaaaaaaaa', 'S1', NULL, '2025-09-10', 'incidental',"
            " 'phone', ARRAY['P-MEN'], false, NULL, 'question', NULL, NULL)"
        )
    fresh = iter([uuid.UUID("a" * 32), uuid.UUID("b" * 32)])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(fresh))
    assert records.log_contact(world, w.MENTOR, "S1", start_contact(), T) == "C-bbbbbbbbbbbb"


# -- agreements ------------------------------------------------------------------------------


def information(**changes) -> AgreementForm:
    values = dict(
        topic="information",
        holder_id="P-MEN",
        counterpart_ids=["P-SUP"],
        details="Bij verzuim belt het leerbedrijf de mentor.",
        discussed_with_student=True,
        agreed_on=dt.date(2025, 9, 3),
        review_on=dt.date(2025, 12, 1),
        placement_id="PL1",
    )
    return AgreementForm(**{**values, **changes})


def test_record_agreement_is_stored_and_audited(world):
    agreement_id = agreements.record_agreement(world, w.MENTOR, "S1", information(), T)
    assert agreement_id.startswith("A-")
    f = student_file.load(world, w.MENTOR, "S1", T)
    assert f.topic("information").status == "present"
    with world.read() as cur:
        (entry,) = audit.search(cur, action="record_agreement")
    assert entry["entity_key"] == agreement_id


def test_invalid_agreement_writes_nothing(world):
    before = snapshot(world)
    bad = information(
        topic="contact_frequency",
        holder_id="P-PAR",  # a parent is not a guide
        counterpart_ids=["P-PAR", "GHOST"],
        frequency_days=None,
        review_on=dt.date(2025, 9, 1),
    )
    with pytest.raises(Invalid) as caught:
        agreements.record_agreement(world, w.MENTOR, "S1", bad, T)
    assert fields(caught.value) == {
        "holder_id": "holder_not_guide",
        "counterpart_ids": "holder_is_counterpart",
        "frequency_days": "required",
        "review_on": "review_before_agreed",
    }
    assert {p.key.removeprefix("student.problem.") for p in caught.value.problems} >= {
        "person_unknown"
    }
    assert snapshot(world) == before


def test_changing_an_agreement_keeps_the_old_version(world):
    old_id = agreements.record_agreement(world, w.MENTOR, "S1", information(), T)
    new_id = agreements.change_agreement(
        world, w.MENTOR, old_id, information(holder_id="P-BPV", agreed_on=dt.date(2025, 9, 20)), T
    )
    got = dict(
        rows(world, "SELECT agreement_id, ended_on FROM agreements WHERE topic = 'information'")
    )
    assert got == {old_id: dt.date(2025, 9, 19), new_id: None}
    f = student_file.load(world, w.MENTOR, "S1", T)
    (active,) = f.topic("information").active
    assert active.holder_id == "P-BPV"
    assert [a.agreement_id for a in f.agreements if not a.is_active] == [old_id]
    with world.read() as cur:
        (entry,) = audit.search(cur, action="change_agreement")
    assert json.loads(entry["old_value"])["ended_on"] is None
    assert json.loads(entry["new_value"])["replaced_by"] == new_id


def test_a_change_on_the_first_day_corrects_that_version(world):
    old_id = agreements.record_agreement(world, w.MENTOR, "S1", information(), T)
    same_id = agreements.change_agreement(
        world, w.MENTOR, old_id, information(holder_id="P-BPV"), T
    )
    assert same_id == old_id
    assert rows(
        world, "SELECT holder_id, ended_on FROM agreements WHERE topic = 'information'"
    ) == [("P-BPV", None)]
    with world.read() as cur:
        (entry,) = audit.search(cur, action="change_agreement")
    assert json.loads(entry["old_value"])["holder_id"] == "P-MEN"  # the old value is kept


def test_a_change_before_the_agreement_began_is_refused(world):
    old_id = agreements.record_agreement(world, w.MENTOR, "S1", information(), T)
    before = snapshot(world)
    with pytest.raises(Invalid) as caught:
        agreements.change_agreement(
            world, w.MENTOR, old_id, information(agreed_on=dt.date(2025, 9, 1)), T
        )
    assert fields(caught.value) == {"agreed_on": "before_agreed"}
    assert snapshot(world) == before


def test_a_change_to_an_unknown_holder_is_refused(world):
    old_id = agreements.record_agreement(world, w.MENTOR, "S1", information(), T)
    before = snapshot(world)
    with pytest.raises(Invalid) as caught:
        agreements.change_agreement(
            world, w.MENTOR, old_id, information(holder_id="P-NOBODY", agreed_on=T), T
        )
    assert fields(caught.value) == {"holder_id": "person_unknown"}
    assert snapshot(world) == before


def test_end_agreement_once(world):
    agreements.end_agreement(world, w.MENTOR, "AG1", dt.date(2025, 9, 30), T)
    assert rows(world, "SELECT ended_on FROM agreements WHERE agreement_id = 'AG1'") == [
        (dt.date(2025, 9, 30),)
    ]
    with pytest.raises(Invalid) as caught:
        agreements.end_agreement(world, w.MENTOR, "AG1", dt.date(2025, 9, 30), T)
    assert fields(caught.value) == {"ended_on": "already_ended"}


def test_agreement_of_an_invisible_student_is_not_found(world):
    with world.write() as cur:
        cur.execute(
            "INSERT INTO agreements VALUES ('AG2', 'S2', NULL, 'pedagogy', 'P-SUP2', ARRAY[]::VARCHAR[], NULL,"
            " NULL, false, '2025-09-01', NULL, NULL)"
        )
    with pytest.raises(NotFound):
        agreements.end_agreement(world, w.MENTOR, "AG2", T, T)
    with pytest.raises(NotFound):
        agreements.end_agreement(world, w.MENTOR, "NOPE", T, T)


# -- direction -------------------------------------------------------------------------------


def test_hand_over_ends_the_old_direction_the_day_before(world):
    on = dt.date(2025, 9, 22)
    new_id = agreements.hand_over_direction(
        world, w.MENTOR, "S1", "P-BPV", on, T, discussed_with_student=True
    )
    assert rows(world, "SELECT ended_on FROM agreements WHERE agreement_id = 'AG1'") == [
        (dt.date(2025, 9, 21),)
    ]
    f = student_file.load(world, w.MENTOR, "S1", T)
    assert f.direction.agreement_id == new_id
    assert f.direction.holder_id == "P-BPV"
    assert f.direction.agreed_on == on
    assert f.direction.counterpart_ids == ("P-MEN",)  # the old holder stays involved
    with world.read() as cur:
        actions = [
            e["action"] for e in audit.search(cur, student_id="S1") if e["action"] != "view_student"
        ]
    assert actions[:2] == ["record_agreement", "hand_over_direction"]


def test_hand_over_to_the_same_holder_or_a_non_guide_is_refused(world):
    before = snapshot(world)
    for holder, reason in (
        ("P-MEN", "same_holder"),
        ("P-PAR", "holder_not_guide"),
        (None, "required"),
    ):
        with pytest.raises(Invalid) as caught:
            agreements.hand_over_direction(world, w.MENTOR, "S1", holder, T, T)
        assert fields(caught.value) == {"holder_id": reason}
    assert snapshot(world) == before


def test_hand_over_without_a_current_direction_records_the_first(world):
    new_id = agreements.hand_over_direction(world, ZUID_COORDINATOR, "S2", "P-SUP2", T, T)
    (row,) = rows(
        world, "SELECT holder_id, ended_on FROM agreements WHERE agreement_id = ?", new_id
    )
    assert row == ("P-SUP2", None)


# -- roles -----------------------------------------------------------------------------------


def test_assign_and_end_a_role_keeps_the_row(world):
    role = RoleForm(
        person_id="P-SUP2", role="peer_coach", start_date=dt.date(2025, 9, 15), note="JPO"
    )
    records.assign_role(world, w.MENTOR, "S1", role, T)
    records.end_role(
        world, w.MENTOR, "S1", "P-SUP2", "peer_coach", dt.date(2025, 9, 15), dt.date(2025, 9, 30), T
    )
    assert rows(
        world, "SELECT end_date FROM roles WHERE person_id = 'P-SUP2' AND student_id = 'S1'"
    ) == [(dt.date(2025, 9, 30),)]
    f = student_file.load(world, w.MENTOR, "S1", T)
    ended = [i for i in f.network if not i.is_active]
    assert [(i.person.person_id, i.end_date) for i in ended] == [("P-SUP2", dt.date(2025, 9, 30))]
    (entry,) = [h for h in student_file.history(world, w.MENTOR, "S1", T) if h.action == "end_role"]
    assert (entry.old_value["end_date"], entry.new_value["end_date"]) == (None, "2025-09-30")


def test_invalid_role_changes_write_nothing(world):
    before = snapshot(world)
    with pytest.raises(Invalid) as caught:
        records.assign_role(world, w.MENTOR, "S1", RoleForm("P-MEN", "mentor", T), T)
    assert fields(caught.value) == {"role": "role_already_active"}
    with pytest.raises(Invalid) as caught:
        records.assign_role(world, w.MENTOR, "S1", RoleForm("GHOST", "boss", None), T)
    assert fields(caught.value) == {
        "person_id": "person_unknown",
        "role": "unknown_code",
        "start_date": "required",
    }
    with pytest.raises(Invalid) as caught:
        records.end_role(
            world, w.MENTOR, "S1", "P-MEN", "mentor", dt.date(2025, 8, 25), dt.date(2025, 8, 1), T
        )
    assert fields(caught.value) == {"end_date": "before_start"}
    with pytest.raises(NotFound):
        records.end_role(world, w.MENTOR, "S1", "P-MEN", "care_worker", dt.date(2025, 8, 25), T, T)
    assert snapshot(world) == before


# -- consent ---------------------------------------------------------------------------------


def test_record_consent_and_correct_it_the_same_day(world):
    records.record_consent(world, w.MENTOR, "S1", ConsentForm("workplace", True, T, "P-MEN"), T)
    records.record_consent(world, w.MENTOR, "S1", ConsentForm("workplace", False, T, "P-MEN"), T)
    assert rows(world, "SELECT shares FROM consents") == [(False,)]
    entry = last_audit(world)
    assert entry["action"] == "record_consent"
    assert json.loads(entry["old_value"])["shares"] is True  # the corrected decision is kept


def test_invalid_consent_writes_nothing(world):
    before = snapshot(world)
    with pytest.raises(Invalid) as caught:
        records.record_consent(
            world,
            w.MENTOR,
            "S1",
            ConsentForm("neighbours", None, T + dt.timedelta(days=3), "GHOST"),
            T,
        )
    assert fields(caught.value) == {
        "audience": "unknown_code",
        "shares": "required",
        "decided_on": "date_in_future",
        "recorded_by": "person_unknown",
    }
    assert snapshot(world) == before


# -- status and stops ------------------------------------------------------------------------


def test_a_dropout_says_who_must_be_informed(world):
    notice = records.change_status(
        world, w.MENTOR, "S1", StatusForm("dropped_out", dt.date(2025, 9, 29), "verhuisd"), T
    )
    assert notice.on == dt.date(2025, 9, 29)
    assert notice.placement_ids == ("PL1",)
    assert notice.supervisors == ("P-SUP",)
    assert set(notice.others) == {"P-BPV", "P-CARE", "P-EXT", "P-PAR"}  # not the mentor herself
    assert rows(world, "SELECT status, status_date FROM students WHERE student_id = 'S1'") == [
        ("dropped_out", dt.date(2025, 9, 29))
    ]
    entry = last_audit(world)
    assert json.loads(entry["old_value"])["status"] == "active"
    assert "verhuisd" not in entry["new_value"]


def test_a_graduation_needs_no_notice(world):
    assert records.change_status(world, w.MENTOR, "S1", StatusForm("graduated", T), T) is None


def test_invalid_status_writes_nothing(world):
    before = snapshot(world)
    for form, expected in (
        (StatusForm("dropped_out", None), {"status_date": "required"}),
        (StatusForm("dropped_out", T + dt.timedelta(days=1)), {"status_date": "date_in_future"}),
        (StatusForm("dropped_out", dt.date(2025, 1, 1)), {"status_date": "before_enrolment"}),
        (StatusForm("active", None), {"status": "status_unchanged"}),
        (StatusForm("gone", T), {"status": "unknown_code"}),
    ):
        with pytest.raises(Invalid) as caught:
            records.change_status(world, w.MENTOR, "S1", form, T)
        assert fields(caught.value) == expected
    assert snapshot(world) == before


def test_end_placement_early_and_its_notice(world):
    notice = records.end_placement_early(world, w.MENTOR, "S1", "PL1", dt.date(2025, 9, 26), T)
    assert (notice.supervisors, notice.placement_ids) == (("P-SUP",), ("PL1",))
    assert rows(world, "SELECT ended_early_on FROM placements WHERE placement_id = 'PL1'") == [
        (dt.date(2025, 9, 26),)
    ]
    with pytest.raises(Invalid) as caught:
        records.end_placement_early(world, w.MENTOR, "S1", "PL1", dt.date(2025, 9, 27), T)
    assert fields(caught.value) == {"placement_id": "already_ended"}


def test_early_end_outside_the_placement_is_refused(world):
    before = snapshot(world)
    for day, expected in (
        (dt.date(2025, 8, 1), "outside_placement"),
        (T + dt.timedelta(days=5), "date_in_future"),
    ):
        with pytest.raises(Invalid) as caught:
            records.end_placement_early(world, w.MENTOR, "S1", "PL1", day, T)
        assert fields(caught.value) == {"ended_early_on": expected}
    with pytest.raises(Invalid) as caught:
        records.end_placement_early(world, w.MENTOR, "S1", "PL2", T, T)
    assert fields(caught.value) == {"placement_id": "placement_unknown"}
    assert snapshot(world) == before


# -- access ----------------------------------------------------------------------------------


def test_workplace_supervisor_cannot_change_the_file(world):
    before = snapshot(world)
    calls = [
        lambda: agreements.record_agreement(world, w.SUPERVISOR, "S1", information(), T),
        lambda: agreements.change_agreement(world, w.SUPERVISOR, "AG1", information(), T),
        lambda: agreements.end_agreement(world, w.SUPERVISOR, "AG1", T, T),
        lambda: agreements.hand_over_direction(world, w.SUPERVISOR, "S1", "P-BPV", T, T),
        lambda: records.assign_role(
            world, w.SUPERVISOR, "S1", RoleForm("P-SUP2", "peer_coach", T), T
        ),
        lambda: records.end_role(
            world, w.SUPERVISOR, "S1", "P-MEN", "mentor", dt.date(2025, 8, 25), T, T
        ),
        lambda: records.record_consent(
            world, w.SUPERVISOR, "S1", ConsentForm("workplace", True, T, "P-SUP"), T
        ),
        lambda: records.change_status(world, w.SUPERVISOR, "S1", StatusForm("dropped_out", T), T),
        lambda: records.end_placement_early(world, w.SUPERVISOR, "S1", "PL1", T, T),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    assert snapshot(world) == before


def test_writes_to_an_invisible_student_are_not_found(world):
    before = snapshot(world)
    with pytest.raises(NotFound):
        records.log_contact(world, w.MENTOR, "S2", start_contact(placement_id="PL2"), T)
    with pytest.raises(NotFound):
        records.log_contact(world, w.SUPERVISOR, "S2", start_contact(placement_id="PL2"), T)
    with pytest.raises(NotFound):
        records.change_status(world, w.MENTOR, "NOPE", StatusForm("graduated", T), T)
    assert snapshot(world) == before


def test_audit_chain_stays_intact_after_writes(world):
    records.log_contact(world, w.MENTOR, "S1", start_contact(), T)
    agreements.hand_over_direction(world, w.MENTOR, "S1", "P-BPV", T, T)
    records.change_status(world, w.MENTOR, "S1", StatusForm("transferred", T), T)
    with world.read() as cur:
        assert audit.verify_chain(cur) is None
