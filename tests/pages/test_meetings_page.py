"""The meeting page (pages/meetings.py), "my actions" on the caseload page and the meetings
block of the student file, over the demo store (which holds one closed meeting per location)."""

from __future__ import annotations

import datetime as dt

from dashboard.meetings import follow_up, run
from dashboard.security.access import User

from .conftest import TODAY, app_store, texts


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def meetings_page(at):
    return at.switch_page("pages/meetings.py").run()


def stored(sql: str, params=None):
    with app_store().read() as cur:
        return cur.execute(sql, params).fetchall()


def new_meeting(at):
    """Prepare a meeting about the coordinator's first location, through the form."""
    at.radio(key="meeting_new_caseload").set_value("location").run()
    location = at.selectbox(key="meeting_new_location").options[0]
    at.selectbox(key="meeting_new_location").select(location).run()
    at.button(key="meeting_new_create").click().run()
    assert not at.exception
    return at.session_state["meeting.current"]


def test_a_coordinator_prepares_a_meeting_with_a_proposed_agenda(signed_in):
    at = meetings_page(signed_in("zorgcoordinator"))
    assert not at.exception
    assert at.selectbox(key="meeting_new_kind")  # may prepare
    meeting_id = new_meeting(at)
    user = at.session_state["user"]
    meeting = follow_up.load_meeting(app_store(), user, meeting_id, TODAY)
    assert meeting.agenda and meeting.agenda[0].reason == "high"
    assert stored("SELECT coordinator FROM meetings WHERE meeting_id = $m", {"m": meeting_id}) == [
        ("zorgcoordinator",)
    ]
    assert "Opgeslagen." in texts(at)
    first, second = (i.student_id for i in meeting.agenda[:2])
    at.button(key=f"meeting_down_{first}").click().run()
    again = follow_up.load_meeting(app_store(), user, meeting_id, TODAY)
    assert [i.student_id for i in again.agenda[:2]] == [second, first]


def test_recording_a_decision_and_an_action_in_the_run_screen(signed_in):
    at = meetings_page(signed_in("zorgcoordinator"))
    meeting_id = new_meeting(at)
    sid = (
        follow_up.load_meeting(app_store(), at.session_state["user"], meeting_id, TODAY)
        .agenda[0]
        .student_id
    )
    typed = "# Besluit [niet](x) *vet*"
    at.text_area(key=f"meeting_decision_text_{sid}").input(typed)
    button(at, "Besluit vastleggen").click().run()
    assert stored(
        "SELECT text FROM meeting_decisions WHERE meeting_id = $m", {"m": meeting_id}
    ) == [(typed,)]
    assert any(m.value == "- \\# Besluit \\[niet\\]\\(x\\) \\*vet\\*" for m in at.markdown)
    # An action without owner: a clear problem, nothing stored.
    at.text_input(key=f"meeting_what_{sid}").input("Bellen met de werkplek")
    button(at, "Actie toevoegen").click().run()
    assert "Kies wie de actie uitvoert" in texts(at)
    assert stored(
        "SELECT count(*) FROM meeting_actions WHERE meeting_id = $m", {"m": meeting_id}
    ) == [(0,)]
    at.text_input(key=f"meeting_what_{sid}").input("Bellen met de werkplek")
    at.selectbox(key=f"meeting_owner_{sid}").select_index(0)
    button(at, "Actie toevoegen").click().run()
    assert stored("SELECT what FROM meeting_actions WHERE meeting_id = $m", {"m": meeting_id}) == [
        ("Bellen met de werkplek",)
    ]
    button(at, "Volgende").click().run()
    assert at.session_state["meeting.at"][1] != sid
    button(at, "Bespreking afsluiten").click().run()
    assert "De bespreking is afgesloten." in texts(at)
    assert not [b for b in at.button if b.label == "Besluit vastleggen"]  # locked


def test_a_guide_sees_my_actions_the_file_block_and_a_read_only_meeting(signed_in):
    at = signed_in("mentor")
    mentor = at.session_state["user"]
    store = app_store()
    with store.read() as cur:
        sid, meeting_id = cur.execute(
            "SELECT r.student_id, any_value(i.meeting_id) FROM roles r "
            "JOIN meeting_items i USING (student_id) WHERE r.person_id = $p "
            "AND r.role = 'mentor' GROUP BY ALL ORDER BY 1 LIMIT 1",
            {"p": mentor.person_id},
        ).fetchone()
    admin = User("beheer", "admin")
    with store.write() as tx:  # the mentor attends the demo meeting, opened again
        tx.touch([sid])
        tx.execute(
            "INSERT INTO meeting_attendees VALUES ($m, $p, 'mentor', true) ON CONFLICT DO NOTHING",
            {"m": meeting_id, "p": mentor.person_id},
        )
        tx.execute("UPDATE meetings SET closed_at = NULL WHERE meeting_id = $m", {"m": meeting_id})
    run.add_action(
        store,
        admin,
        meeting_id,
        sid,
        "Stagebezoek plannen",
        mentor.person_id,
        TODAY + dt.timedelta(days=3),
        TODAY,
    )
    at.switch_page("pages/caseload.py").run()
    assert "Stagebezoek plannen" in texts(at)
    at.switch_page("pages/student.py")
    at.query_params["student"] = sid
    at.run()
    assert "Uit besprekingen" in texts(at) and "Stagebezoek plannen" in texts(at)
    meetings_page(at)
    assert not at.exception
    assert not [b for b in at.button if b.label.startswith("Voorbereiden en")]
    assert "Voorbereiden" not in [t.label for t in at.tabs]
    # Marking it done from "my actions".
    at.switch_page("pages/caseload.py").run()
    button(at, "Status opslaan").click().run()
    assert "Stagebezoek plannen" not in [a.what for a in follow_up.my_actions(store, mentor, TODAY)]
