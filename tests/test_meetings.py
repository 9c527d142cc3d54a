"""The caseload meeting: preparing (agenda order, reordering, consent marks), running
(decisions written through the student file, actions with their status history, attendance),
closing, and the follow-up (open actions carried to the next meeting, "my actions")."""

from __future__ import annotations

import pytest
from factories import days
from meeting_world import COORD, NOORD, T, build, create

from dashboard.errors import Invalid, NotAllowed, NotFound
from dashboard.meetings import follow_up, prepare, run
from dashboard.meetings.model import CaseloadChoice, MeetingForm
from dashboard.security.access import User
from dashboard.students import student_file

MENTOR_OVER = User("m-over", "guide", "M-S-OVER")


@pytest.fixture
def school(store):
    return store, build(store)


def agenda(store, meeting_id, user=COORD, today=T):
    return [
        (i.student_id, i.reason)
        for i in follow_up.load_meeting(store, user, meeting_id, today).agenda
    ]


def counts(store) -> tuple:
    with store.read() as cur:
        return tuple(
            cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (
                "meetings",
                "meeting_items",
                "meeting_actions",
                "meeting_action_status",
                "meeting_decisions",
                "agreements",
            )
        )


# -- prepare -------------------------------------------------------------------------------


def test_the_proposed_agenda_follows_the_issue_order(school):
    store, _ = school
    form = MeetingForm(T, "internal", CaseloadChoice("location", "Noord"), 60)
    meeting_id = prepare.create_meeting(store, COORD, form, T)
    assert agenda(store, meeting_id) == [
        ("S-HIGH", "high"),
        ("S-OVER", "overdue"),
        ("S-MED", "medium"),
        ("S-NEW", "longest_ago"),  # never discussed comes before discussed 60 days ago
        ("S-OLD", "longest_ago"),
    ]


def test_the_proposal_fills_the_minutes_available_in_that_order(school):
    store, _ = school
    choice = CaseloadChoice("location", "Noord")
    proposal = prepare.propose_agenda(store, COORD, choice, T, 20, T)
    assert [p.student_id for p in proposal] == ["S-HIGH", "S-OVER", "S-MED", "S-NEW"]
    proposal = prepare.propose_agenda(store, COORD, choice, T, 12, T)
    assert [(p.student_id, p.minutes) for p in proposal] == [("S-HIGH", 5), ("S-OVER", 5)]


def test_a_guides_caseload_is_their_students(school):
    store, _ = school
    proposal = prepare.propose_agenda(store, COORD, CaseloadChoice("guide", "M-S-MED"), T, 60, T)
    assert [p.student_id for p in proposal] == ["S-MED"]


def test_reorder_add_drop_and_minutes_per_student(school):
    store, ids = school
    meeting_id = create(store, ["S-HIGH", "S-MED", "S-NEW"])
    prepare.set_agenda(store, COORD, meeting_id, [("S-NEW", 10), ("S-OLD", 3), ("S-HIGH", 5)], T)
    meeting = follow_up.load_meeting(store, COORD, meeting_id, T)
    assert [(i.student_id, i.minutes, i.reason, i.position) for i in meeting.agenda] == [
        ("S-NEW", 10, "longest_ago", 1),
        ("S-OLD", 3, "added", 2),
        ("S-HIGH", 5, "high", 3),
    ]


def test_bad_agenda_changes_are_refused_whole(school):
    store, _ = school
    meeting_id = create(store, ["S-HIGH"])
    before = agenda(store, meeting_id)
    with pytest.raises(Invalid) as refused:
        prepare.set_agenda(store, COORD, meeting_id, [("S-ZUID", 5), ("S-HIGH", 0)], T)
    assert {p.key for p in refused.value.problems} == {
        "meeting.problem.student_outside_scope",
        "meeting.problem.item_minutes",
    }
    assert agenda(store, meeting_id) == before


def test_a_hand_picked_student_outside_the_scope_is_named_and_nothing_is_made(school):
    store, _ = school
    before = counts(store)
    with pytest.raises(Invalid) as refused:
        create(store, ["S-HIGH", "S-ZUID"])
    [problem] = refused.value.problems
    assert (problem.key, problem.value) == ("meeting.problem.student_outside_scope", "S-ZUID")
    assert counts(store) == before


def test_attendees_must_fit_the_kind_of_meeting(school):
    store, _ = school
    with pytest.raises(Invalid) as refused:
        create(store, ["S-HIGH"], attendees=(("P-LP", "leerplicht"), ("P-NOBODY", "x")))
    assert [p.key for p in refused.value.problems] == [
        "meeting.problem.attendee_kind",
        "meeting.problem.unknown_person",
    ]
    meeting_id = create(store, ["S-HIGH"], kind="external", attendees=(("P-LP", "leerplicht"),))
    assert [a.name for a in follow_up.load_meeting(store, COORD, meeting_id, T).attendees] == [
        "Leerplicht Lisa"
    ]


def test_consent_marks_only_at_external_meetings(school):
    store, _ = school
    with store.write() as tx:
        tx.touch(["S-NEW", "S-OLD", "S-HIGH"])
        for sid, audience, shares in [
            ("S-NEW", "external", True),  # adult, consent: named
            ("S-OLD", "external", True),  # minor without parents' consent: marked
            ("S-HIGH", "external", False),  # said no: marked
        ]:
            tx.execute(
                "INSERT INTO consents VALUES ($s, $a, $d, $y, 'x', NULL)",
                {"s": sid, "a": audience, "d": T - days(5), "y": shares},
            )
        tx.execute(
            "UPDATE students SET birth_date = $b WHERE student_id = 'S-OLD'",
            {"b": T - days(365 * 16)},
        )
    students = ["S-NEW", "S-OLD", "S-HIGH", "S-MED"]
    external = create(store, students, kind="external")
    marks = {
        i.student_id: i.ask_first for i in follow_up.load_meeting(store, COORD, external, T).agenda
    }
    assert marks == {"S-NEW": False, "S-OLD": True, "S-HIGH": True, "S-MED": True}
    internal = create(store, students)
    agenda_ = follow_up.load_meeting(store, COORD, internal, T).agenda
    assert not any(i.ask_first for i in agenda_)


# -- run -----------------------------------------------------------------------------------


def test_one_click_decisions_write_through_the_student_file(school):
    store, _ = school
    meeting_id = create(store, ["S-HIGH"])
    run.decide_direction(store, COORD, meeting_id, "S-HIGH", "P-BPV", T)
    run.decide_information(store, COORD, meeting_id, "S-HIGH", "P-BPV", "Bram belt de mentor", T)
    f = student_file.load(store, COORD, "S-HIGH", T)
    assert f.direction.holder_id == "P-BPV" and f.direction.agreed_on == T
    assert any(a.topic == "information" and a.holder_id == "P-BPV" for a in f.agreements)
    with store.read() as cur:
        actions = cur.execute(
            "SELECT action FROM audit WHERE actor = 'coord' AND student_id = 'S-HIGH' ORDER BY id"
        ).fetchall()
    # The file's own events (a hand-over ends the old version and records the new one),
    # each followed by the meeting's decision; then the opening of the file above.
    assert [a for (a,) in actions if a != "create_meeting"] == [
        "hand_over_direction",
        "record_agreement",
        "record_decision",
        "record_agreement",
        "record_decision",
        "view_student",
    ]
    decisions = follow_up.student_meetings(store, COORD, "S-HIGH", T).decisions
    assert [(d.kind, d.holder_name) for d in decisions] == [
        ("direction", "Bram BPV"),
        ("information", "Bram BPV"),
    ]


def test_a_one_click_decision_the_file_refuses_writes_nothing(school):
    store, _ = school
    meeting_id = create(store, ["S-HIGH"])
    before = counts(store)
    with pytest.raises(Invalid):
        run.decide_direction(store, COORD, meeting_id, "S-HIGH", "P-LP", T)  # not a guide
    assert counts(store) == before


def test_actions_keep_their_status_history(school):
    store, _ = school
    meeting_id = create(store, ["S-MED"])
    action_id = run.add_action(
        store,
        COORD,
        meeting_id,
        "S-MED",
        "Toestemming vragen",
        "M-S-MED",
        T + days(7),
        T,
        note="met ouders",
    )
    run.set_action_status(store, COORD, action_id, "done", T + days(2), T + days(3))
    [action] = follow_up.load_meeting(store, COORD, meeting_id, T).actions
    assert [(h.status, h.changed_on) for h in action.history] == [
        ("open", T),
        ("done", T + days(2)),
    ]
    assert action.owner_name == "Mentor S-MED" and action.note == "met ouders"
    with pytest.raises(Invalid) as refused:
        run.set_action_status(store, COORD, action_id, "cancelled", T + days(3), T + days(3))
    assert [p.key for p in refused.value.problems] == ["meeting.problem.not_open"]


def test_bad_actions_get_clear_problems_and_change_nothing(school):
    store, _ = school
    meeting_id = create(store, ["S-MED"])
    before = counts(store)
    with pytest.raises(Invalid) as refused:
        run.add_action(store, COORD, meeting_id, "S-MED", "", None, T - days(1), T)
    assert [p.key for p in refused.value.problems] == [
        "meeting.problem.what_required",
        "meeting.problem.owner_required",
        "meeting.problem.due_before_meeting",
    ]
    with pytest.raises(Invalid) as refused:
        run.add_action(store, COORD, meeting_id, "S-MED", "Bellen", "W-S-MED", T, T)
    assert [p.key for p in refused.value.problems] == ["meeting.problem.owner_outside_school"]
    with pytest.raises(NotFound):  # not on the agenda, and not the coordinator's
        run.add_action(store, COORD, meeting_id, "S-ZUID", "Bellen", "M-S-MED", T, T)
    assert counts(store) == before


def test_only_the_owner_or_the_coordinator_marks_an_action(school):
    store, ids = school
    other_mentor = User("m-med", "guide", "M-S-MED")
    with pytest.raises(NotFound):  # not their student
        run.set_action_status(store, other_mentor, ids["action"], "done", T, T)
    run.set_action_status(store, MENTOR_OVER, ids["action"], "done", T, T)
    assert follow_up.my_actions(store, MENTOR_OVER, T) == ()


def test_attendance_and_closing_lock_the_meeting(school):
    store, _ = school
    meeting_id = create(store, ["S-HIGH"], attendees=(("P-CO", "voorzitter"), ("P-BPV", "bpv")))
    run.set_attendance(store, COORD, meeting_id, {"P-CO": True, "P-BPV": False}, T)
    run.close_meeting(store, COORD, meeting_id)
    meeting = follow_up.load_meeting(store, COORD, meeting_id, T)
    assert meeting.is_closed
    assert {a.person_id: a.present for a in meeting.attendees} == {"P-CO": True, "P-BPV": False}
    for write in (
        lambda: run.record_decision(store, COORD, meeting_id, "S-HIGH", "nog iets", T),
        lambda: prepare.set_agenda(store, COORD, meeting_id, [], T),
        lambda: run.set_attendance(store, COORD, meeting_id, {"P-CO": False}, T),
    ):
        with pytest.raises(Invalid) as refused:
            write()
        assert refused.value.problems[0].key == "meeting.problem.closed"
    run.reopen_meeting(store, COORD, meeting_id)
    run.record_decision(store, COORD, meeting_id, "S-HIGH", "nog iets", T)
    with store.read() as cur:
        trail = [
            a
            for (a,) in cur.execute(
                "SELECT action FROM audit WHERE entity_key = $m ORDER BY id", {"m": meeting_id}
            ).fetchall()
        ]
    assert trail == ["create_meeting", "set_attendance", "close_meeting", "reopen_meeting"]


def test_meeting_screen_has_the_compact_file_in_agenda_order(school):
    store, _ = school
    meeting_id = create(store, ["S-HIGH", "S-MED", "S-NEW"])
    screen = run.meeting_screen(store, COORD, meeting_id, "S-MED", T)
    assert (screen.previous, screen.next) == ("S-HIGH", "S-NEW")
    assert screen.file.student.student_id == "S-MED" and len(screen.last_contacts) == 3
    assert screen.file.direction.holder_id == "M-S-MED"
    with pytest.raises(NotFound):
        run.meeting_screen(store, COORD, meeting_id, "S-OLD", T)  # not on this agenda


# -- follow up -----------------------------------------------------------------------------


def test_the_next_meeting_starts_from_what_is_still_open(school):
    store, ids = school
    done = run.add_action(
        store, COORD, ids["old"], "S-OLD", "Klaar", "M-S-OLD", T - days(50), T - days(60)
    )
    run.set_action_status(store, COORD, done, "done", T - days(55), T - days(55))
    meeting_id = create(store, ["S-OVER", "S-OLD"])
    carried = follow_up.load_meeting(store, COORD, meeting_id, T).carried
    assert [(a.action_id, a.student_id, a.is_overdue(T)) for a in carried] == [
        (ids["action"], "S-OVER", True)
    ]


def test_my_actions_and_the_student_file_list_open_actions(school):
    store, ids = school
    [mine] = follow_up.my_actions(store, MENTOR_OVER, T)
    assert (mine.action_id, mine.what, mine.due_on) == (
        ids["action"],
        "Bel de leerling",
        T - days(10),
    )
    assert follow_up.my_actions(store, COORD, T) == ()  # the coordinator owns none
    found = follow_up.student_meetings(store, MENTOR_OVER, "S-OVER", T)
    assert [a.action_id for a in found.open_actions] == [ids["action"]]


def test_a_guide_sees_the_meetings_they_attend_and_only_their_own_students(school):
    store, _ = school
    mentor_med = User("m-med", "guide", "M-S-MED")
    meeting_id = create(store, ["S-HIGH", "S-MED"], attendees=(("M-S-MED", "mentor"),))
    run.record_decision(store, COORD, meeting_id, "S-MED", "Zichtbaar voor de mentor", T)
    run.record_decision(store, COORD, meeting_id, "S-MED", "Alleen zorg", T, care_only=True)
    run.record_decision(store, COORD, meeting_id, "S-HIGH", "Niet van deze mentor", T)
    meeting = follow_up.load_meeting(store, mentor_med, meeting_id, T)
    assert [i.student_id for i in meeting.agenda] == ["S-MED"]
    assert [d.text for d in meeting.decisions] == ["Zichtbaar voor de mentor"]
    assert [m.meeting_id for m in follow_up.list_meetings(store, mentor_med, T)] == [meeting_id]
    with pytest.raises(NotFound):
        follow_up.load_meeting(store, MENTOR_OVER, meeting_id, T)  # not an attendee
    with pytest.raises(NotAllowed):
        follow_up.list_meetings(store, User("sup", "workplace", "W-S-MED"), T)
    with pytest.raises(NotAllowed):
        run.record_decision(store, mentor_med, meeting_id, "S-MED", "zelf", T)


def test_every_noord_student_is_on_a_full_location_agenda(school):
    store, _ = school
    proposal = prepare.propose_agenda(store, COORD, CaseloadChoice("location", "Noord"), T, 600, T)
    assert sorted(p.student_id for p in proposal) == sorted(NOORD)
