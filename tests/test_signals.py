"""Signals per code (docs/flags.md): a healthy student, one thing changed; it fires, it does
not fire the day before its threshold, its since and its placement. Then the rules for all
signals, acknowledgement, describe() and the `regiebord flags` output."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from factories import World, days, healthy_student

from dashboard import settings, signals
from dashboard.cli import main
from dashboard.errors import Invalid, NotAllowed, NotFound
from dashboard.security import access, audit

T = dt.date(2025, 3, 3)


def build(store, change=None, today=T):
    """Save a world with one healthy student after applying `change(h)`; return h."""
    world = World()
    h = healthy_student(world, today, "S1")
    if change:
        change(h)
    world.save(store)
    return h


def found(store, day, student_ids=None) -> dict[tuple, dt.date]:
    """{(code, student_id, placement_id or ''): since} on `day`."""
    df = signals.evaluate(store, day, student_ids)
    return {
        (r.code, r.student_id, r.placement_id or ""): r.since for r in df.itertuples(index=False)
    }


def of_code(store, day, code) -> dict[tuple, dt.date]:
    return {k: v for k, v in found(store, day).items() if k[0] == code}


def test_healthy_student_has_no_signals(store):
    build(store)
    assert found(store, T) == {}


# -- Fixed contact moments -------------------------------------------------------------------


def test_start_missing(store):
    h = build(store, lambda h: h.remove(h.contact("start")))
    start = h.placement["start_date"]  # T - 120
    assert of_code(store, start + days(14), "START_MISSING") == {}
    assert of_code(store, start + days(15), "START_MISSING") == {
        ("START_MISSING", "S1", h.placement_id): start + days(15)
    }
    assert found(store, T) == {("START_MISSING", "S1", h.placement_id): start + days(15)}


def test_start_held_after_t_does_not_count(store):
    def change(h):
        h.contact("start")["date"] = T + days(1)

    h = build(store, change)
    assert found(store, T) == {("START_MISSING", "S1", h.placement_id): T - days(105)}


def test_start_missing_only_for_active_placements(store):
    def change(h):
        h.remove(h.contact("start"))
        h.placement["ended_early_on"] = T - days(80)
        h.world.add_contact("S1", T - days(80), [h.supervisor_id])  # stop communicated

    build(store, change)
    assert of_code(store, T, "START_MISSING") == {}


def test_mid_overdue(store):
    h = build(store, lambda h: h.remove(h.contact("mid")))
    mid = T - days(50)  # start T-120 + (140 // 2)
    assert of_code(store, mid + days(14), "MID_OVERDUE") == {}
    assert found(store, T) == {("MID_OVERDUE", "S1", h.placement_id): mid + days(15)}


@pytest.mark.parametrize("end_offset, mid_offset", [(21, -50), (22, -49)])
def test_mid_rounds_half_the_planned_length_down(store, end_offset, mid_offset):
    def change(h):
        h.remove(h.contact("mid"))
        h.placement["end_date"] = T + days(end_offset)  # 141 or 142 days after start

    h = build(store, change)
    assert of_code(store, T, "MID_OVERDUE") == {
        ("MID_OVERDUE", "S1", h.placement_id): T + days(mid_offset + 15)
    }


def _ended_placement(h):
    h.placement["end_date"] = T - days(20)


def test_final_overdue_window(store):
    h = build(store, _ended_placement)
    end = T - days(20)
    key = ("FINAL_OVERDUE", "S1", h.placement_id)
    assert of_code(store, end + days(14), "FINAL_OVERDUE") == {}
    assert of_code(store, end + days(15), "FINAL_OVERDUE") == {key: end + days(15)}
    assert of_code(store, end + days(90), "FINAL_OVERDUE") == {key: end + days(15)}
    assert of_code(store, end + days(91), "FINAL_OVERDUE") == {}
    assert found(store, T) == {key: end + days(15)}


def test_final_held_stops_final_overdue(store):
    def change(h):
        _ended_placement(h)
        h.world.add_contact(
            "S1", T - days(21), [h.mentor_id, h.supervisor_id], "final", h.placement_id
        )

    build(store, change)
    assert found(store, T) == {}


def test_final_overdue_not_for_placements_ended_early(store):
    def change(h):
        _ended_placement(h)
        h.placement["ended_early_on"] = T - days(30)
        h.world.add_contact("S1", T - days(30), [h.supervisor_id])

    build(store, change)
    assert of_code(store, T, "FINAL_OVERDUE") == {}


def test_final_overdue_needs_an_active_student(store):
    def change(h):
        _ended_placement(h)
        h.student.update(status="graduated", status_date=T - days(19))

    build(store, change)
    assert found(store, T) == {}


def test_moment_incomplete_without_supervisor(store):
    def change(h):
        h.contact("start")["participants"] = [h.mentor_id]

    h = build(store, change)
    assert found(store, T) == {("MOMENT_INCOMPLETE", "S1", h.placement_id): T - days(118)}


def test_moment_incomplete_needs_school_guide_active_on_contact_date(store):
    def change(h):
        # The mentor's role began after the start meeting; on the mid meeting it was active.
        h.role("mentor")["start_date"] = T - days(100)

    h = build(store, change)
    assert found(store, T) == {("MOMENT_INCOMPLETE", "S1", h.placement_id): T - days(118)}


def test_moment_incomplete_student_absent_earliest_contact_wins(store):
    def change(h):
        h.contact("mid")["student_present"] = False
        h.contact("start")["participants"] = [h.supervisor_id, "someone-else"]

    h = build(store, change)
    # Two incomplete moments on one placement: one signal, the earliest date.
    assert found(store, T) == {("MOMENT_INCOMPLETE", "S1", h.placement_id): T - days(118)}


def test_moment_incomplete_ignores_contacts_after_t(store):
    def change(h):
        h.contact("mid")["student_present"] = False

    h = build(store, change)
    assert of_code(store, T - days(51), "MOMENT_INCOMPLETE") == {}
    assert of_code(store, T - days(50), "MOMENT_INCOMPLETE") == {
        ("MOMENT_INCOMPLETE", "S1", h.placement_id): T - days(50)
    }


def test_moment_incomplete_when_placement_has_no_supervisor(store):
    def change(h):
        h.placement["supervisor_id"] = None

    h = build(store, change)
    assert found(store, T) == {
        ("MOMENT_INCOMPLETE", "S1", h.placement_id): T - days(118),
        ("NO_SUPERVISOR", "S1", h.placement_id): T - days(120),
    }


# -- Contact ---------------------------------------------------------------------------------


@pytest.mark.parametrize("last, fires", [(28, True), (27, False)])
def test_no_recent_contact_window(store, last, fires):
    def change(h):
        h.contact("incidental")["date"] = T - days(last)
        h.contact("incidental")["participants"] = [h.supervisor_id]  # keep frequency quiet
        h.agreement("contact_frequency")["frequency_days"] = 60

    build(store, change)
    expected = {("NO_RECENT_CONTACT", "S1", ""): T} if fires else {}
    assert found(store, T) == expected


def test_no_recent_contact_since_enrolment_when_no_contact(store):
    def change(h):
        h.world.add_student("S2", T - days(28))
        h.world.add_student("S3", T - days(27))

    build(store, change)
    assert of_code(store, T, "NO_RECENT_CONTACT") == {("NO_RECENT_CONTACT", "S2", ""): T}


def test_frequency_not_met_since_is_the_later_of_two(store):
    def change(h):
        h.contact("incidental")["participants"] = [h.supervisor_id]

    build(store, change)
    # mentor's last contact: the mid meeting T-50; agreed T-118 + 14 is earlier.
    assert found(store, T) == {("FREQUENCY_NOT_MET", "S1", ""): T - days(36)}


@pytest.mark.parametrize("last, fires", [(14, True), (13, False)])
def test_frequency_not_met_window(store, last, fires):
    def change(h):
        h.contact("incidental")["date"] = T - days(last)

    build(store, change)
    assert found(store, T) == ({("FREQUENCY_NOT_MET", "S1", ""): T} if fires else {})


@pytest.mark.parametrize("agreed, fires", [(14, True), (13, False)])
def test_frequency_not_met_only_after_agreed_on_plus_d(store, agreed, fires):
    def change(h):
        a = h.agreement("contact_frequency")
        a.update(holder_id=h.supervisor_id, agreed_on=T - days(agreed))
        a["placement_id"] = h.placement_id  # the signal still has no placement

    build(store, change)
    # The supervisor's last contact with the student is the mid meeting (T-50).
    got = of_code(store, T, "FREQUENCY_NOT_MET")
    assert got == ({("FREQUENCY_NOT_MET", "S1", ""): T} if fires else {})


# -- Roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "end, expected", [(0, None), (1, T), (10, T - days(9))], ids=["ends-on-T", "T-1", "T-10"]
)
def test_no_mentor_after_the_last_mentor_role_ended(store, end, expected):
    def change(h):
        h.role("mentor")["end_date"] = T - days(end)
        h.world.add_role("S1", "old-mentor", "mentor", T - days(400), T - days(200))

    build(store, change)
    got = of_code(store, T, "NO_MENTOR")
    assert got == ({("NO_MENTOR", "S1", ""): expected} if expected else {})


def test_no_mentor_since_enrolment_when_none_ended(store):
    def change(h):
        h.role("mentor")["start_date"] = T + days(1)  # a future mentor is no mentor yet

    h = build(store, change)
    assert of_code(store, T, "NO_MENTOR") == {("NO_MENTOR", "S1", ""): h.student["enrolment_date"]}


def test_no_supervisor_when_supervisor_role_ended(store):
    def change(h):
        h.role("workplace_supervisor")["end_date"] = T - days(1)
        h.world.add_role("S1", h.supervisor_id, "peer_coach", T - days(120))  # wrong role

    h = build(store, change)
    assert found(store, T) == {("NO_SUPERVISOR", "S1", h.placement_id): T - days(120)}
    assert of_code(store, T - days(1), "NO_SUPERVISOR") == {}


def test_many_guides_counts_equal_starts_separately(store):
    def change(h):
        h.add_guides(2, T - days(40))
        h.add_guides(3, T - days(30))
        h.world.add_role("S1", "a-parent", "parent", T - days(500))  # parents are no guides
        h.world.add_role("S1", h.mentor_id, "bpv_coordinator", T - days(5))  # same person

    build(store, change)
    # starts: T-300, T-120, T-40, T-40, T-30, T-30, T-30 -> the 7th is T-30
    assert found(store, T) == {("MANY_GUIDES", "S1", ""): T - days(30)}


def test_many_guides_not_with_six(store):
    build(store, lambda h: h.add_guides(4, T - days(40)))
    assert found(store, T) == {}


def test_external_without_care_lead(store):
    def change(h):
        h.world.add_role("S1", "ext1", "external", T - days(30))
        h.world.add_role("S1", "ext2", "external", T - days(20))
        h.world.add_role("S1", "ext3", "external", T - days(90), T - days(1))  # ended
        h.world.add_role("S1", "cw", "care_worker", T - days(90))  # not a care lead

    build(store, change)
    assert of_code(store, T, "EXTERNAL_WITHOUT_CARE_LEAD") == {
        ("EXTERNAL_WITHOUT_CARE_LEAD", "S1", ""): T - days(30)
    }


@pytest.mark.parametrize("lead", ["care_coordinator", "class_counsellor"])
def test_care_lead_satisfies_external(store, lead):
    def change(h):
        h.world.add_role("S1", "ext1", "external", T - days(30))
        h.world.add_role("S1", "lead", lead, T)

    build(store, change)
    assert of_code(store, T, "EXTERNAL_WITHOUT_CARE_LEAD") == {}
    assert of_code(store, T - days(1), "EXTERNAL_WITHOUT_CARE_LEAD") != {}


# -- Direction -------------------------------------------------------------------------------


def test_no_direction_since_second_guide_start(store):
    build(store, lambda h: h.agreement("direction").update(ended_on=T - days(1)))
    assert found(store, T) == {("NO_DIRECTION", "S1", ""): T - days(120)}


def test_direction_for_a_placement_counts(store):
    build(store, lambda h: h.agreement("direction").update(placement_id=h.placement_id))
    assert found(store, T) == {}


def test_no_direction_needs_two_guides(store):
    def change(h):
        h.remove(h.agreement("direction"))
        h.remove(h.agreement("final_responsibility"))
        h.role("mentor")["end_date"] = T - days(1)  # one guide left: the supervisor

    build(store, change)
    assert (
        set(of_code(store, T, "NO_DIRECTION")) | set(of_code(store, T, "NO_FINAL_RESPONSIBILITY"))
        == set()
    )
    assert of_code(store, T - days(1), "NO_DIRECTION") == {
        ("NO_DIRECTION", "S1", ""): T - days(120)
    }


def test_no_final_responsibility(store):
    build(store, lambda h: h.remove(h.agreement("final_responsibility")))
    assert found(store, T) == {("NO_FINAL_RESPONSIBILITY", "S1", ""): T - days(120)}


def test_direction_holder_gone(store):
    def change(h):
        h.world.add_role("S1", "ex", "class_counsellor", T - days(200), T - days(60))
        h.world.add_role("S1", "ex", "care_worker", T - days(200), T - days(10))
        h.world.add_role("S1", "ex", "parent", T - days(200))  # a parent role does not count
        h.agreement("direction")["holder_id"] = "ex"

    build(store, change)
    assert of_code(store, T, "DIRECTION_HOLDER_GONE") == {
        ("DIRECTION_HOLDER_GONE", "S1", ""): T - days(9)
    }
    assert of_code(store, T - days(10), "DIRECTION_HOLDER_GONE") == {}


def test_direction_holder_gone_since_agreed_on_without_roles(store):
    build(store, lambda h: h.agreement("direction").update(holder_id="stranger"))
    assert found(store, T) == {("DIRECTION_HOLDER_GONE", "S1", ""): T - days(118)}


def test_direction_not_discussed(store):
    def change(h):
        h.agreement("direction").update(discussed_with_student=False, placement_id=h.placement_id)

    build(store, change)
    assert found(store, T) == {("DIRECTION_NOT_DISCUSSED", "S1", ""): T - days(118)}


def test_review_overdue_carries_the_agreements_placement(store):
    def change(h):
        h.agreement("information")["review_on"] = T - days(1)  # for the placement
        h.agreement("pedagogy")["review_on"] = T  # due today: not overdue yet
        h.agreement("direction")["review_on"] = T - days(30)  # student-wide
        h.agreement("final_responsibility")["review_on"] = T - days(10)

    h = build(store, change)
    assert found(store, T) == {
        ("REVIEW_OVERDUE", "S1", h.placement_id): T,
        ("REVIEW_OVERDUE", "S1", ""): T - days(29),  # earliest of the two student-wide
    }


# -- Information -----------------------------------------------------------------------------


def test_no_information_agreement(store):
    def change(h):
        h.agreement("information")["placement_id"] = "another-placement"

    h = build(store, change)
    assert found(store, T) == {("NO_INFORMATION_AGREEMENT", "S1", h.placement_id): T - days(120)}
    assert of_code(store, T - days(121), "NO_INFORMATION_AGREEMENT") == {}


def test_student_wide_information_agreement_counts(store):
    build(store, lambda h: h.agreement("information").update(placement_id=None))
    assert found(store, T) == {}


@pytest.mark.parametrize(
    "consent", [None, {"decided_on": T + days(1)}, {"audience": "parents"}], ids=str
)
def test_no_consent_record(store, consent):
    def change(h):
        record = next(c for c in h.world.consents if c["student_id"] == "S1")
        if consent is None:
            h.remove(record)
        else:
            record.update(consent)

    h = build(store, change)
    assert found(store, T) == {("NO_CONSENT_RECORD", "S1", h.placement_id): T - days(120)}


def test_consent_saying_no_is_still_a_record(store):
    build(store, lambda h: h.world.consents[0].update(shares=False))
    assert found(store, T) == {}


def _dropped_out(h):
    h.student.update(status="dropped_out", status_date=T - days(10))


def test_stop_not_communicated_after_dropping_out(store):
    h = build(store, _dropped_out)
    stop = T - days(10)
    key = ("STOP_NOT_COMMUNICATED", "S1", h.placement_id)
    assert found(store, stop + days(5)) == {}
    assert found(store, stop + days(6)) == {key: stop + days(6)}
    assert found(store, stop + days(60)) == {key: stop + days(6)}
    assert found(store, stop + days(61)) == {}


@pytest.mark.parametrize("contact_day, fires", [(-1, True), (0, False), (5, False), (6, True)])
def test_stop_communicated_within_five_days(store, contact_day, fires):
    def change(h):
        _dropped_out(h)
        h.world.add_contact("S1", T - days(10 - contact_day), [h.mentor_id, h.supervisor_id])

    build(store, change)
    assert bool(found(store, T)) is fires


def test_stop_only_for_placements_active_on_the_stop(store):
    def change(h):
        _dropped_out(h)
        h.world.add_placement("S1", T - days(300), T - days(200), h.supervisor_id)
        h.world.add_placement("S1", T - days(9), T + days(50), h.supervisor_id)

    h = build(store, change)
    assert found(store, T) == {("STOP_NOT_COMMUNICATED", "S1", h.placement_id): T - days(4)}


def test_stop_for_a_placement_ended_early_only_that_placement(store):
    def change(h):
        h.world.add_placement(
            "S1", T - days(60), T + days(60), h.supervisor_id, T - days(20), placement_id="P2"
        )

    build(store, change)
    assert found(store, T) == {("STOP_NOT_COMMUNICATED", "S1", "P2"): T - days(14)}


def test_stop_fires_when_placement_has_no_supervisor(store):
    def change(h):
        _dropped_out(h)
        h.placement["supervisor_id"] = None
        h.world.add_contact("S1", T - days(9), [h.mentor_id, h.supervisor_id])

    h = build(store, change)
    assert found(store, T) == {("STOP_NOT_COMMUNICATED", "S1", h.placement_id): T - days(4)}


# -- Care and attendance ---------------------------------------------------------------------


def _absent(h, *entries):
    for offset, hours, excused in entries:
        h.world.add_absence("S1", T - days(offset), hours, excused)


def test_absence_no_follow_up_since_running_total_reached(store):
    def change(h):
        h.contact("incidental")["date"] = T - days(12)
        h.agreement("contact_frequency")["frequency_days"] = 30
        _absent(h, (28, 8, False), (11, 3, False), (9, 4, True), (8, 2, False), (6, 3, False))

    build(store, change)
    # In (T-28, T]: 3 (T-11) + 2 (T-8) + 3 (T-6) = 8 on T-6; the excused 4 hours do not count.
    assert found(store, T) == {("ABSENCE_NO_FOLLOW_UP", "S1", ""): T - days(6)}
    assert of_code(store, T - days(7), "ABSENCE_NO_FOLLOW_UP") == {}


@pytest.mark.parametrize("contact_offset, fires", [(12, True), (11, False), (1, False)])
def test_absence_followed_up_by_a_contact_from_the_first_absence_day(store, contact_offset, fires):
    def change(h):
        h.contact("incidental")["date"] = T - days(contact_offset)
        h.agreement("contact_frequency")["frequency_days"] = 30
        _absent(h, (11, 4, False), (6, 4, False))

    build(store, change)
    assert bool(of_code(store, T, "ABSENCE_NO_FOLLOW_UP")) is fires


def test_no_pedagogy_agreement(store):
    def change(h):
        h.agreement("pedagogy")["ended_on"] = T - days(1)
        h.world.add_agreement("S1", "pedagogy", h.mentor_id, T - days(10), "other-placement")

    h = build(store, change)
    assert found(store, T) == {("NO_PEDAGOGY_AGREEMENT", "S1", h.placement_id): T - days(120)}


def test_pedagogy_agreement_for_the_placement_counts(store):
    build(store, lambda h: h.agreement("pedagogy").update(placement_id=h.placement_id))
    assert found(store, T) == {}


# -- Rules for all signals -------------------------------------------------------------------


def _neglected(h):
    """Remove nearly everything, so an active student would have many signals."""
    for kind in ("start", "mid", "incidental"):
        h.remove(h.contact(kind))
    for topic in ("direction", "final_responsibility", "information", "pedagogy"):
        h.remove(h.agreement(topic))
    h.remove(h.role("mentor"))


@pytest.mark.parametrize(
    "student",
    [
        {"status": "graduated", "status_date": T - days(1)},
        {"status": "employed", "status_date": T},
        {"enrolment_date": T + days(1)},
    ],
    ids=["graduated", "employed-on-T", "not-yet-enrolled"],
)
def test_inactive_students_get_no_signals(store, student):
    def change(h):
        _neglected(h)
        h.student.update(student)

    build(store, change)
    assert found(store, T) == {}


def test_inactive_students_get_only_stop_not_communicated(store):
    def change(h):
        _neglected(h)
        h.student.update(status="transferred", status_date=T - days(10))

    h = build(store, change)
    assert found(store, T) == {("STOP_NOT_COMMUNICATED", "S1", h.placement_id): T - days(4)}
    # The day before the status began the student was active and had many signals.
    assert len(found(store, T - days(11))) > 5


def test_student_active_until_the_status_date(store):
    def change(h):
        _neglected(h)
        h.student.update(status="graduated", status_date=T + days(1))

    build(store, change)
    assert ("NO_MENTOR", "S1", "") in found(store, T)


def test_one_signal_per_placement(store):
    def change(h):
        h.remove(h.contact("start"))
        h.world.add_placement("S1", T - days(20), T + days(60), h.supervisor_id, placement_id="P2")
        h.world.add_agreement("S1", "information", h.mentor_id, T - days(20), "P2")

    h = build(store, change)
    assert of_code(store, T, "START_MISSING") == {
        ("START_MISSING", "S1", h.placement_id): T - days(105),
        ("START_MISSING", "S1", "P2"): T - days(5),
    }


def test_thresholds_from_settings_change_the_result(store):
    h = build(store, lambda h: h.remove(h.contact("start")))
    settings.save(store, access.CLI_USER, {"start_grace_days": 120})  # start is T-120
    assert found(store, T) == {}
    settings.save(store, access.CLI_USER, {"start_grace_days": 119})
    assert found(store, T) == {("START_MISSING", "S1", h.placement_id): T}


def test_order_severity_then_since_then_student(store):
    def change(h):
        h.remove(h.contact("start"))  # high, since T-105
        h.agreement("direction")["discussed_with_student"] = False  # low, T-118
        h.world.add_role("S1", "ext", "external", T - days(3))  # medium, T-3
        h.world.add_role("S1", "ext2", "external", T - days(7))
        h2 = healthy_student(h.world, T, "S0")
        h2.role("mentor")["end_date"] = T - days(1)  # high, since T

    build(store, change)
    df = signals.evaluate(store, T)
    assert list(zip(df["code"], df["student_id"], strict=True)) == [
        ("START_MISSING", "S1"),
        ("NO_MENTOR", "S0"),  # ties: catalogue order of the codes
        ("DIRECTION_HOLDER_GONE", "S0"),
        ("EXTERNAL_WITHOUT_CARE_LEAD", "S1"),
        ("DIRECTION_NOT_DISCUSSED", "S1"),
    ]
    assert df["placement_id"].tolist()[1:] == [None, None, None, None]
    assert df["since"].tolist()[0] == T - days(105)


def test_student_ids_restriction_equals_full_result_filtered(store):
    world = World()
    for sid in ("A", "B", "C"):
        h = healthy_student(world, T, sid)
        h.remove(h.contact("start"))
    world.save(store)
    full = signals.evaluate(store, T)
    part = signals.evaluate(store, T, ["A", "C", "nobody"])
    assert part.equals(full[full["student_id"].isin(["A", "C"])].reset_index(drop=True))
    assert signals.evaluate(store, T, []).empty


# -- Acknowledgement -------------------------------------------------------------------------

GUIDE = access.User(username="mila", kind="guide", person_id="M-S1", name="Mila")


def _no_mentor(h):
    h.role("mentor")["end_date"] = T - days(10)
    h.world.add_role("S1", "care", "care_coordinator", T - days(100))
    h.agreement("direction")["holder_id"] = "care"


def test_acknowledged_signal_stays_visible_and_is_not_open(store):
    build(store, _no_mentor)
    since = T - days(9)
    signals.acknowledge(
        store,
        access.CLI_USER,
        "NO_MENTOR",
        "S1",
        None,
        since,
        "nieuwe mentor start maandag",
        T + days(5),
        today=T,
    )
    df = signals.evaluate(store, T)
    row = df[df["code"] == "NO_MENTOR"].iloc[0]
    assert row["acknowledged"] and row["ack_reason"] == "nieuwe mentor start maandag"
    assert row["ack_until"] == T + days(5) and row["ack_by"] == "cli"
    assert "NO_MENTOR" not in set(signals.open_signals(df)["code"])
    # Still acknowledged on `until`, open again the day after.
    assert signals.evaluate(store, T + days(5)).set_index("code").loc["NO_MENTOR", "acknowledged"]
    later = signals.evaluate(store, T + days(6)).set_index("code").loc["NO_MENTOR"]
    assert not later["acknowledged"] and later["ack_reason"] is None
    with store.read() as cur:
        events = audit.search(cur, action="write", student_id="S1")
    assert events[0]["entity"] == "acknowledgements" and events[0]["actor"] == "cli"
    # The trail says that there was a reason, never its text (docs/security.md, promise 6).
    assert "nieuwe mentor" not in str(events[0])


def test_acknowledgement_reopens_when_since_changes(store):
    build(store, _no_mentor)
    signals.acknowledge(
        store, access.CLI_USER, "NO_MENTOR", "S1", "", T - days(9), "reden", T + days(30), today=T
    )
    with store.write() as cur:  # a later mentor role ends later: since moves
        cur.execute(
            "INSERT INTO roles VALUES ('S1', 'tmp', 'mentor', ?, ?, NULL)",
            [T - days(5), T - days(2)],
        )
    row = signals.evaluate(store, T).set_index("code").loc["NO_MENTOR"]
    assert row["since"] == T - days(1) and not row["acknowledged"]


def test_latest_acknowledgement_wins(store):
    h = build(store, lambda h: h.remove(h.contact("start")))
    since = T - days(105)
    for until in (T + days(30), T + days(2)):
        signals.acknowledge(
            store,
            access.CLI_USER,
            "START_MISSING",
            "S1",
            h.placement_id,
            since,
            "x",
            until,
            today=T,
        )
    assert signals.evaluate(store, T + days(2))["acknowledged"].tolist() == [True]
    assert signals.evaluate(store, T + days(3))["acknowledged"].tolist() == [False]


def test_acknowledgement_is_per_placement(store):
    h = build(store, lambda h: h.remove(h.contact("start")))
    signals.acknowledge(
        store, access.CLI_USER, "START_MISSING", "S1", None, T - days(105), "x", T, today=T
    )
    assert signals.evaluate(store, T)["acknowledged"].tolist() == [False]
    signals.acknowledge(
        store, GUIDE, "START_MISSING", "S1", h.placement_id, T - days(105), "x", T, today=T
    )
    assert signals.evaluate(store, T)["acknowledged"].tolist() == [True]


@pytest.mark.parametrize(
    "code, reason, until",
    [("NO_MENTOR", "  ", T), ("NO_MENTOR", "ok", T - days(1)), ("NOPE", "ok", T)],
    ids=["no-reason", "until-in-past", "unknown-code"],
)
def test_acknowledge_refuses_bad_input_and_writes_nothing(store, code, reason, until):
    build(store, _no_mentor)
    with pytest.raises(Invalid) as err:
        signals.acknowledge(
            store, access.CLI_USER, code, "S1", None, T - days(9), reason, until, today=T
        )
    assert len(err.value.problems) == 1
    with store.read() as cur:
        assert cur.execute("SELECT count(*) FROM acknowledgements").fetchone()[0] == 0
        assert cur.execute("SELECT count(*) FROM audit").fetchone()[0] == 0


def test_acknowledge_checks_rights_and_scope(store):
    build(store, _no_mentor)
    manager = access.User(username="boss", kind="manager")
    stranger = access.User(username="x", kind="guide", person_id="nobody")
    with pytest.raises(NotAllowed):
        signals.acknowledge(store, manager, "NO_MENTOR", "S1", None, T, "r", T, today=T)
    with pytest.raises(NotFound):
        signals.acknowledge(store, stranger, "NO_MENTOR", "S1", None, T, "r", T, today=T)
    with store.read() as cur:
        assert cur.execute("SELECT count(*) FROM acknowledgements").fetchone()[0] == 0


# -- describe --------------------------------------------------------------------------------


def test_describe_names_who_should_act(store):
    h = build(store, lambda h: h.remove(h.contact("start")))
    df = signals.describe(store, signals.evaluate(store, T), "nl")
    row = df.iloc[0]
    assert row["explanation"] == "Het startgesprek van de stage bij Bedrijf S1 is niet gehouden."
    assert row["next_step"] == "Plan het startgesprek met Mentor S1 en Praktijkbegeleider S1."
    en = signals.describe(store, signals.evaluate(store, T), "en").iloc[0]
    assert en["next_step"] == "Plan the start meeting with Mentor S1 and Praktijkbegeleider S1."
    assert h.placement_id == row["placement_id"]


def test_describe_names_the_people_of_the_evaluated_day(store):
    def change(h):
        h.remove(h.contact("start"))
        h.role("mentor")["end_date"] = T + days(1)  # gone long before the real today

    build(store, change)
    df = signals.describe(store, signals.evaluate(store, T), "nl")
    assert "Mentor S1" in df.iloc[0]["next_step"]


def test_describe_falls_back_when_nobody_holds_the_role(store):
    def change(h):
        h.remove(h.contact("start"))
        h.role("mentor")["end_date"] = T - days(1)

    build(store, change)
    df = signals.describe(store, signals.evaluate(store, T), "nl").set_index("code")
    assert df.loc["START_MISSING", "next_step"] == (
        "Wijs eerst een mentor aan. Plan het startgesprek met de mentor en Praktijkbegeleider S1."
    )
    assert "Wijs zo snel mogelijk een mentor aan" in df.loc["NO_MENTOR", "next_step"]
    assert "Mentor S1" in df.loc["DIRECTION_HOLDER_GONE", "explanation"]


def test_describe_has_texts_for_every_code_in_both_languages(store):
    from dashboard import i18n

    for lang in ("nl", "en"):
        for code in signals.CODES:
            for part in ("title", "explanation", "next_step"):
                key = f"signals.{code}.{part}"
                assert key in i18n.catalogue(lang), (lang, key)


def test_describe_empty_frame(store):
    df = signals.describe(store, signals.evaluate(store, T), "nl")
    assert df.empty and "next_step" in df.columns


# -- regiebord flags -------------------------------------------------------------------------


def _flags(store, capsys, fmt):
    store.close()
    code = main(["flags", "--db", str(store.path), "--as-of", T.isoformat(), "--format", fmt])
    assert code == 0
    return capsys.readouterr().out


def _two_students(h):
    h.remove(h.contact("start"))
    h.agreement("information")["review_on"] = T - days(3)
    h2 = healthy_student(h.world, T, "S0")
    h2.role("mentor")["end_date"] = T - days(1)


def test_flags_csv(store, capsys):
    h = build(store, _two_students)
    signals.acknowledge(store, access.CLI_USER, "NO_MENTOR", "S0", None, T, "overgang", T, today=T)
    out = _flags(store, capsys, "csv")
    assert out == (
        "code,severity,student_id,placement_id,since,acknowledged\n"
        "DIRECTION_HOLDER_GONE,high,S0,,2025-03-03,no\n"
        "NO_MENTOR,high,S0,,2025-03-03,yes\n"
        f"REVIEW_OVERDUE,low,S1,{h.placement_id},2025-03-01,no\n"
        f"START_MISSING,high,S1,{h.placement_id},{T - days(105)},no\n"
    )


def test_flags_json(store, capsys):
    h = build(store, _two_students)
    rows = json.loads(_flags(store, capsys, "json"))
    assert rows[0] == {
        "code": "DIRECTION_HOLDER_GONE",
        "severity": "high",
        "student_id": "S0",
        "placement_id": "",
        "since": "2025-03-03",
        "acknowledged": "no",
    }
    assert [(r["code"], r["placement_id"]) for r in rows] == [
        ("DIRECTION_HOLDER_GONE", ""),
        ("NO_MENTOR", ""),
        ("REVIEW_OVERDUE", h.placement_id),
        ("START_MISSING", h.placement_id),
    ]


def test_flags_report_of_an_empty_store(store):
    assert signals.flags_report(store, access.CLI_USER, T, "csv") == (
        "code,severity,student_id,placement_id,since,acknowledged\n"
    )
    assert signals.flags_report(store, access.CLI_USER, T, "json") == "[]\n"
