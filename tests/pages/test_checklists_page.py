"""The checklists in the student file through AppTest (issue 19): filling one in by its
widgets, the collaboration checklist of a fixed moment in the contact form (each party its
own scores), the latest scores with the previous one and where the parties differ, the step
that closes an open signal, and a workplace supervisor's part. A real DuckDB file."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
import student_world as w

from dashboard.app import runtime
from dashboard.checklists import filling
from pages.test_student_page import form, markdown, open_page, rows, send, show
from validation.checklists import ChecklistForm
from validation.forms import ContactForm

T = w.TODAY


@pytest.fixture
def world(store, monkeypatch):
    """The student world of test_student_page, opened by the app through REGIEBORD_DB."""
    w.build(store)
    monkeypatch.setenv("REGIEBORD_DB", str(store.path))
    yield store
    runtime.store().close()  # the app's own connection (st.cache_resource is process-wide)
    st.cache_resource.clear()


def latest_tables(at, party: str) -> list:
    """The tables of latest scores that have a column for `party` (its Dutch name)."""
    return [t.value for t in at.table if party in t.value.columns]


def scores(at, prefix: str, **given) -> None:
    for item, score in given.items():
        at.radio(key=f"{prefix}.{item}.0").set_value(score)


def test_a_guide_fills_in_the_guidance_checklist(world):
    at = open_page(tab="checklists")
    assert at.radio(key="checklist.which").value == "guidance"
    scores(at, "checklist.score.guidance", relationship="sufficient", goals="improve")
    at.text_input(key="checklist.note.guidance.goals.0").input("Doelen samen opschrijven")
    send(at, "checklist")
    assert [s.value for s in at.success] == ["De checklist is opgeslagen."]
    assert rows(
        world,
        "SELECT c.checklist, c.party, c.filled_on, a.score, a.note FROM checklists c "
        "JOIN checklist_answers a USING (checklist_id) WHERE a.item_id = 'goals'",
    ) == [("guidance", "school", T, "improve", "Doelen samen opschrijven")]
    (table,) = latest_tables(at, "School")
    goals = table[table["Punt"] == "Vasthouden aan doelen"].iloc[0]
    assert goals["School"] == "ruimte voor verbetering"
    assert at.radio(key="checklist.score.guidance.goals.1").value == "not_discussed"  # fresh form


def test_nothing_scored_is_refused_under_the_items_and_writes_nothing(world):
    at = open_page(tab="checklists")
    send(at, "checklist")
    assert [e.value for e in form(at, "checklist").error] == [
        "Scoor minstens één punt als voldoende of ruimte voor verbetering.",
        "Niet opgeslagen: controleer de invoer.",
    ]
    assert rows(world, "SELECT count(*) FROM checklists") == [(0,)]


def test_each_party_scores_the_collaboration_checklist_of_a_start_moment(world):
    at = open_page(tab="placements")
    at.selectbox(key="contact.kind.0").set_value("start")
    at.selectbox(key="contact.placement_id.0").set_value("PL1")
    at.date_input(key="contact.date.0").set_value(dt.date(2025, 9, 29))
    at.selectbox(key="contact.channel.0").set_value("workplace_visit")
    at.multiselect(key="contact.participants.0").set_value(["P-MEN", "P-SUP"])
    at.checkbox(key="contact.student_present.0").check()
    scores(at, "contact.score.student", direction="improve", informing="sufficient")
    scores(at, "contact.score.school", direction="sufficient", informing="sufficient")
    send(at, "contact")
    assert [s.value for s in at.success] == ["Het contact is opgeslagen."]
    assert rows(
        world,
        "SELECT c.party, c.placement_id, k.kind FROM checklists c "
        "JOIN contacts k USING (contact_id) ORDER BY c.party",
    ) == [("school", "PL1", "start"), ("student", "PL1", "start")]
    # Side by side in the file, with where they differ.
    show(at, "checklists")
    (table,) = latest_tables(at, "Leerling")
    direction = table[table["Punt"] == "Regie en verantwoordelijkheid"].iloc[0]
    assert (direction["Leerling"], direction["School"]) == ("ruimte voor verbetering", "voldoende")
    assert direction["Verschil"] == "⚠"
    assert (
        "**Regie en verantwoordelijkheid**: ruimte voor verbetering volgens leerling; "
        "voldoende volgens school." in markdown(at)
    )


def test_the_latest_score_shows_the_previous_one_and_the_change(world):
    for on, score in [(dt.date(2025, 9, 10), "improve"), (dt.date(2025, 9, 24), "sufficient")]:
        form_ = ChecklistForm("collaboration", "school", on, scores={"pedagogy": score})
        filling.record_checklist(world, w.MENTOR, "S1", form_, T)
    at = open_page(tab="checklists")
    (table,) = latest_tables(at, "School")
    pedagogy = table[table["Punt"] == "Pedagogische aanpak"].iloc[0]
    assert pedagogy["School"] == "voldoende ↑ (was ruimte voor verbetering)"
    informing = table[table["Punt"] == "Informeren"].iloc[0]
    assert informing["School"] == "—"  # not scored by the school: no score, no change


def test_the_step_that_closes_an_open_signal_records_the_agreement(world):
    # S1 has an active placement and no information agreement: NO_INFORMATION_AGREEMENT.
    view = ChecklistForm("collaboration", "student", T, scores={"informing": "improve"})
    filling.record_checklist(world, w.MENTOR, "S1", view, T)
    at = open_page(tab="checklists")
    assert any("Informeren: ruimte voor verbetering" in e.value for e in at.warning)
    at.selectbox(key="stepinformation.holder_id.0").set_value("P-MEN")
    send(at, "stepinformation")
    assert rows(world, "SELECT topic, holder_id FROM agreements WHERE topic = 'information'") == [
        ("information", "P-MEN")
    ]
    assert not any("Informeren: ruimte voor verbetering" in e.value for e in at.warning)


def test_a_workplace_supervisor_adds_their_part_to_the_moment(world):
    contact_id = filling.log_contact_with_checklists(
        world,
        w.MENTOR,
        "S1",
        ContactForm(
            kind="start", date=dt.date(2025, 9, 3), channel="in_person",
            participants=["P-MEN", "P-SUP"], student_present=True, placement_id="PL1",
        ),
        [ChecklistForm("collaboration", "school", scores={"direction": "sufficient"})],
        T,
    )  # fmt: skip
    filling.record_checklist(
        world,
        w.MENTOR,
        "S1",
        ChecklistForm("guidance", "school", T, scores={"goals": "improve"}),
        T,
    )
    at = open_page(user=w.SUPERVISOR, tab="checklists")
    tables = latest_tables(at, "School")
    assert len(tables) == 1  # the mentor's own guidance checklist is not theirs to read
    at.radio(key="checklist.which").set_value("collaboration").run()
    assert at.radio(key="checklist.partycollaboration.0").options == ["Werkplek"]
    at.selectbox(key="checklist.momentcollaboration.0").set_value(contact_id)
    scores(at, "checklist.score.collaboration", direction="improve")
    send(at, "checklist")
    assert rows(
        world, "SELECT party, contact_id, recorded_by FROM checklists WHERE party = 'workplace'"
    ) == [("workplace", contact_id, "P-SUP")]
    (table,) = latest_tables(at, "Werkplek")
    direction = table[table["Punt"] == "Regie en verantwoordelijkheid"].iloc[0]
    assert (direction["School"], direction["Werkplek"]) == ("voldoende", "ruimte voor verbetering")


def test_an_admin_rewords_retires_and_adds_items_on_the_settings_page(signed_in):
    from .conftest import app_store, texts

    def versions(item_id: str) -> list[tuple]:
        with app_store().read() as cur:
            return cur.execute(
                "SELECT version, wording_nl, retired FROM checklist_items WHERE item_id = ? "
                "ORDER BY version",
                [item_id],
            ).fetchall()

    at = signed_in("beheerder")
    at.switch_page("pages/settings.py").run()
    at.selectbox(key="cl_item").set_value("direction").run()
    at.text_input(key="cl_direction_1_wnl").input("")
    next(b for b in at.button if b.label == "Formulering opslaan").click().run()
    assert "Formulering (Nederlands): Dit veld is verplicht." in texts(at).replace("\\", "")
    assert len(versions("direction")) == 1  # refused: nothing written
    at.text_input(key="cl_direction_1_wnl").input("Wie heeft de regie?")
    next(b for b in at.button if b.label == "Formulering opslaan").click().run()
    assert "De checklist is bijgewerkt." in texts(at)
    assert versions("direction")[-1] == (2, "Wie heeft de regie?", False)
    at.button(key="cl_retire").click().run()
    assert versions("direction")[-1] == (3, "Wie heeft de regie?", True)
    assert "(uit gebruik)" in at.selectbox(key="cl_item").format_func("direction")
