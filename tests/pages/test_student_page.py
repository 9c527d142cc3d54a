"""pages/student.py through Streamlit's AppTest: what shows, each form with valid and invalid
input, and what the store holds afterwards (a real DuckDB file, shared through REGIEBORD_DB)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
import streamlit as st
import student_world as w
from streamlit.testing.v1 import AppTest

from dashboard.app import runtime
from dashboard.bare_links import WORD_JOINER

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "student.py")
T = w.TODAY


@pytest.fixture
def world(store, monkeypatch):
    w.build(store)
    monkeypatch.setenv("REGIEBORD_DB", str(store.path))
    yield store
    runtime.store().close()  # the app's own connection (st.cache_resource is process-wide)
    st.cache_resource.clear()


def open_page(user=w.MENTOR, student="S1", tab: str = "network") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["user"] = user
    at.session_state["today"] = T
    if student is not None:
        at.query_params["student"] = student
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return show(at, tab) if tab != "network" else at


# The file's tabs in order; only the open one runs (pages/student.py), so a test opens the tab
# its form or table is on, as a user clicks it.
TABS = ("network", "placements", "agreements", "checklists", "consent", "status")


def show(at: AppTest, tab: str) -> AppTest:
    label = file_tabs(at)[TABS.index(tab)]
    at.session_state["student.section"] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert open_tab(at) == label
    return at


def every_tab(at: AppTest):
    """Opens each tab of the file in turn and yields the page with that tab open."""
    for tab in TABS:
        yield show(at, tab)


def form(at: AppTest, name: str):
    """The form block of form `name` (its key is `name.form<suffix>.<generation>`)."""
    return next(b for b in at.get("form") if b.proto.form.form_id.startswith(f"{name}.form"))


def send(at: AppTest, name: str) -> AppTest:
    button = next(b for b in at.button if b.key.startswith(f"FormSubmitter:{name}.form"))
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def leaves(node):
    """Every element under `node`, in the order the page shows them."""
    children = getattr(node, "children", None)
    if not children:
        yield node
        return
    for child in children.values():
        yield from leaves(child)


def rows(store, sql: str, *params) -> list[tuple]:
    with store.read() as cur:
        return cur.execute(sql, list(params)).fetchall()


def markdown(at: AppTest) -> str:
    """All Markdown of the page, with the escapes and word joiners of render.plain removed."""
    return "\n".join(m.value for m in at.markdown).replace("\\", "").replace(WORD_JOINER, "")


# -- what shows ------------------------------------------------------------------------------


def test_overview_shows_student_direction_and_signals(world):
    at = open_page()
    assert at.title[0].value == "Noa Jansen"
    text = markdown(at)
    assert "minderjarig" in text
    assert "Mila Mentor" in text  # the direction holder, on the direction card
    assert "Startgesprek ontbreekt" in text
    assert "Plan het startgesprek met Mila Mentor en Sam Bakker" in text
    assert "eindverantwoordelijk" in text.lower()
    assert [t.label for t in at.tabs][0] == "Netwerk (6)"


def test_without_a_student_the_page_says_what_to_do(world):
    at = open_page(student=None)
    assert at.info[0].value.startswith("Kies eerst een leerling")


def test_an_invisible_student_looks_exactly_like_an_unknown_one(world):
    hidden, unknown = open_page(student="S2"), open_page(student="NOPE")
    assert [x.value for x in hidden.warning] == [x.value for x in unknown.warning]
    assert len(hidden.warning) == 1 and not hidden.title
    assert rows(world, "SELECT count(*) FROM audit WHERE action = 'view_student'") == [(0,)]


def test_contacts_filter_by_kind(world):
    at = open_page(user=w.CARE, tab="placements")
    (table,) = [d for d in at.dataframe if "channel" in d.value.columns]
    assert len(table.value) == 2
    at.pills(key="student.filter.channel").set_value(["phone"]).run()
    (table,) = [d for d in at.dataframe if "channel" in d.value.columns]
    assert list(table.value["channel"]) == ["telefoon"]


def test_history_lists_changes_with_old_and_new_value(world):
    at = open_page(tab="status")
    at.selectbox(key="status.status.0").set_value("graduated")
    send(at, "status")
    at.toggle(key="student.history.show").set_value(True).run()
    (history,) = [d for d in at.dataframe if "change" in d.value.columns]
    assert history.value["what"].tolist() == ["Status gewijzigd"]
    assert "actief → gediplomeerd" in history.value["change"].iloc[0]


# -- contacts --------------------------------------------------------------------------------


def log_start_moment(at: AppTest) -> None:
    """Fill in and send the contact form: the start moment of PL1 on 29-09-2025, complete."""
    at.selectbox(key="contact.kind.0").set_value("start")
    at.selectbox(key="contact.placement_id.0").set_value("PL1")
    at.date_input(key="contact.date.0").set_value(dt.date(2025, 9, 29))
    at.selectbox(key="contact.channel.0").set_value("workplace_visit")
    at.multiselect(key="contact.participants.0").set_value(["P-MEN", "P-SUP"])
    at.checkbox(key="contact.student_present.0").check()
    send(at, "contact")


def test_logging_the_start_moment_clears_start_missing(world):
    at = open_page(tab="placements")
    assert "Startgesprek ontbreekt" in markdown(at)
    log_start_moment(at)
    assert [s.value for s in at.success] == ["Het contact is opgeslagen."]
    assert "Startgesprek ontbreekt" not in markdown(at)
    assert rows(
        world, "SELECT kind, date, participants, student_present FROM contacts WHERE kind = 'start'"
    ) == [("start", dt.date(2025, 9, 29), ["P-MEN", "P-SUP"], True)]
    assert form(at, "contact").proto.form.form_id == "contact.form.1"  # a fresh, empty form


def test_an_invalid_contact_shows_messages_under_the_fields_and_writes_nothing(world):
    at = open_page(tab="placements")
    at.multiselect(key="contact.participants.0").set_value(["P-MEN"])
    send(at, "contact")
    contact_form = form(at, "contact")
    assert [e.value for e in contact_form.error] == [
        "Dit veld is verplicht.",  # channel
        "Dit veld is verplicht.",  # reason (incidental)
        "Niet opgeslagen: controleer de invoer.",
    ]
    order = [getattr(x, "key", None) or getattr(x, "value", None) for x in leaves(contact_form)]
    assert order.index("contact.channel.0") + 1 == order.index("Dit veld is verplicht.")
    assert rows(world, "SELECT count(*) FROM contacts") == [(2,)]
    assert not at.success


def test_workplace_supervisor_logs_a_contact_but_cannot_change_the_file(world):
    at = open_page(user=w.SUPERVISOR)
    labels, tables = set(), []
    for _ in every_tab(at):
        labels |= {b.label for b in at.button}
        tables += [d.value for d in at.dataframe]
    # Logging a contact and filling in their part of a checklist (issue 19), nothing else.
    assert labels == {"Contact opslaan", "Checklist opslaan", "Terug naar Leerlingen"}
    assert "Woonsituatie" not in str(tables)  # the care contact
    show(at, "placements")
    assert at.radio(key="contact.visibility.0").options == ["alle begeleiders"]
    at.selectbox(key="contact.channel.0").set_value("phone")
    at.selectbox(key="contact.reason.0").set_value("absence")
    at.multiselect(key="contact.participants.0").set_value(["P-MEN"])
    send(at, "contact")
    assert rows(
        world,
        "SELECT initiated_by, reason, visibility FROM contacts WHERE reason = 'absence' AND contact_id <> 'K1'",
    ) == [(None, "absence", "guides")]


# -- direction and network -------------------------------------------------------------------


def test_hand_over_direction(world):
    at = open_page()
    send(at, "handover")
    assert [e.value for e in form(at, "handover").error][0] == "Dit veld is verplicht."
    at.selectbox(key="handover.holder_id.0").set_value("P-BPV")
    at.date_input(key="handover.agreed_on.0").set_value(dt.date(2025, 9, 22))
    at.checkbox(key="handover.discussed.0").check()
    send(at, "handover")
    assert at.success[0].value == "De regie is overgedragen aan Bas BPV."
    assert rows(
        world,
        "SELECT holder_id, agreed_on, ended_on FROM agreements WHERE topic = 'direction' ORDER BY agreed_on",
    ) == [
        ("P-MEN", dt.date(2025, 9, 1), dt.date(2025, 9, 21)),
        ("P-BPV", dt.date(2025, 9, 22), None),
    ]


def test_assign_and_end_a_role(world):
    at = open_page()
    at.text_input(key="role.find.0").input("garage").run()
    assert at.selectbox(key="role.person_id.0").options == ["Olga Other — Garage Oost"]
    at.selectbox(key="role.person_id.0").set_value("P-SUP2")
    send(at, "role")
    assert [e.value for e in form(at, "role").error][0] == "Dit veld is verplicht."
    at.selectbox(key="role.role.0").set_value("peer_coach")
    send(at, "role")
    assert rows(
        world, "SELECT role, end_date FROM roles WHERE person_id = 'P-SUP2' AND student_id = 'S1'"
    ) == [("peer_coach", None)]
    at.selectbox(key="endrole.role.0").set_value(f"P-SUP2|peer_coach|{T.isoformat()}")
    at.date_input(key="endrole.end_date.0").set_value(dt.date(2025, 9, 1))
    send(at, "endrole")
    assert "Ligt vóór de begindatum" in form(at, "endrole").error[0].value
    at.date_input(key="endrole.end_date.0").set_value(T)
    send(at, "endrole")
    assert rows(
        world, "SELECT end_date FROM roles WHERE person_id = 'P-SUP2' AND student_id = 'S1'"
    ) == [(T,)]


# -- agreements ------------------------------------------------------------------------------


def test_record_change_and_end_an_agreement(world):
    at = open_page(tab="agreements")
    at.selectbox(key="agreement.topic.0").set_value("contact_frequency")
    at.selectbox(key="agreement.holder_id.0").set_value("P-MEN")
    send(at, "agreement")
    assert "Dit veld is verplicht." in [e.value for e in form(at, "agreement").error]  # days
    assert rows(world, "SELECT count(*) FROM agreements") == [(1,)]
    at.number_input(key="agreement.frequency_days.0").set_value(14)
    send(at, "agreement")
    assert rows(
        world, "SELECT frequency_days FROM agreements WHERE topic = 'contact_frequency'"
    ) == [(14,)]

    (new_id,) = rows(
        world, "SELECT agreement_id FROM agreements WHERE topic = 'contact_frequency'"
    )[0]
    at.selectbox(key="student.agreement.chosen").set_value(new_id).run()
    at.number_input(key=f"change.frequency_days{new_id}.0").set_value(7)
    send(at, "change")
    got = rows(
        world, "SELECT frequency_days, ended_on FROM agreements WHERE topic = 'contact_frequency'"
    )
    assert got == [(7, None)]  # changed on the day it began: corrected in place ...
    show(at, "status")
    at.toggle(key="student.history.show").set_value(True).run()
    (history,) = [d for d in at.dataframe if "change" in d.value.columns]
    assert (
        "Contact minstens elke ... dagen: 14 → 7" in history.value["change"].iloc[0]
    )  # ... kept here
    show(at, "agreements")

    at.selectbox(key="student.agreement.chosen").set_value("AG1").run()
    at.date_input(key="endagreement.ended_onAG1.0").set_value(dt.date(2025, 8, 1))
    send(at, "endagreement")
    assert "Ligt vóór de begindatum van de afspraak" in form(at, "endagreement").error[0].value
    at.date_input(key="endagreement.ended_onAG1.0").set_value(dt.date(2025, 9, 30))
    send(at, "endagreement")
    assert rows(world, "SELECT ended_on FROM agreements WHERE agreement_id = 'AG1'") == [
        (dt.date(2025, 9, 30),)
    ]
    assert "Niemand heeft de regie" in " ".join(e.value for e in at.error)
    (ended,) = [d for d in at.dataframe if "ended_on" in d.value.columns]
    assert ended.value["topic"].tolist() == ["regie"]  # ended, and still listed


# -- consent ---------------------------------------------------------------------------------


def test_record_consent(world):
    at = open_page(tab="consent")
    send(at, "consent")
    consent_form = form(at, "consent")
    assert [e.value for e in consent_form.error][:2] == [
        "Dit veld is verplicht.",
        "Dit veld is verplicht.",
    ]
    order = [getattr(x, "key", None) or getattr(x, "value", None) for x in leaves(consent_form)]
    assert order.index("consent.audience.0") + 1 == order.index("Dit veld is verplicht.")
    assert rows(world, "SELECT count(*) FROM consents") == [(0,)]
    at.selectbox(key="consent.audience.0").set_value("workplace")
    at.radio(key="consent.shares.0").set_value(True)
    send(at, "consent")
    assert rows(world, "SELECT audience, shares, recorded_by FROM consents") == [
        ("workplace", True, "P-MEN")
    ]
    assert "mag gedeeld worden" in markdown(at)


# -- stops -----------------------------------------------------------------------------------


def test_a_dropout_offers_to_log_the_stop_contact_with_the_supervisor(world):
    at = open_page(tab="status")
    at.selectbox(key="status.status.0").set_value("dropped_out")
    at.date_input(key="status.status_date.0").set_value(dt.date(2025, 9, 30))
    send(at, "status")
    assert rows(world, "SELECT status, status_date FROM students WHERE student_id = 'S1'") == [
        ("dropped_out", dt.date(2025, 9, 30))
    ]
    assert at.warning[0].value.startswith("Gestopt per 30-09-2025")
    assert "Het leerbedrijf moet het horen: Sam Bakker." in markdown(at)
    assert at.multiselect(key="stopcontact.participants.0").value == ["P-SUP"]
    assert at.selectbox(key="stopcontact.reason.0").value == "stop"
    at.selectbox(key="stopcontact.channel.0").set_value("phone")
    send(at, "stopcontact")
    assert rows(
        world, "SELECT kind, reason, participants, placement_id FROM contacts WHERE reason = 'stop'"
    ) == [("incidental", "stop", ["P-SUP"], "PL1")]
    assert not any(w_.value.startswith("Gestopt") for w_ in at.warning)  # notice done


def test_ending_a_placement_early(world):
    at = open_page(tab="placements")
    at.selectbox(key="early.placement_id.0").set_value("PL1")
    at.date_input(key="early.ended_early_on.0").set_value(dt.date(2025, 8, 1))
    send(at, "early")
    assert "Moet op of na de start" in form(at, "early").error[0].value
    assert rows(world, "SELECT ended_early_on FROM placements WHERE placement_id = 'PL1'") == [
        (None,)
    ]
    at.date_input(key="early.ended_early_on.0").set_value(dt.date(2025, 9, 26))
    send(at, "early")
    assert rows(world, "SELECT ended_early_on FROM placements WHERE placement_id = 'PL1'") == [
        (dt.date(2025, 9, 26),)
    ]
    assert at.warning[0].value.startswith("Gestopt per 26-09-2025")


# -- what a workplace supervisor sees; navigation; tabs; forms -------------------------------


def insert(store, sql: str) -> None:
    with store.write() as cur:
        cur.execute(sql)


def network_names(at: AppTest) -> set[str]:
    return {n for d in at.dataframe if "email" in d.value.columns for n in d.value["name"]}


def page_text(at: AppTest) -> str:
    """The text of every tab of the file."""
    return "".join(
        markdown(at) + str([d.value.to_dict() for d in at.dataframe]) for _ in every_tab(at)
    )


@pytest.mark.parametrize("consent", [False, True])
def test_workplace_supervisor_sees_only_the_school_side_of_the_network(world, consent):
    # A newer internship at another company, and a peer coach: never shown to P-SUP.
    insert(
        world,
        "INSERT INTO roles VALUES ('S1', 'P-SUP2', 'workplace_supervisor', '2025-09-20', NULL,"
        " NULL), ('S1', 'P-CARE', 'care_coordinator', '2025-09-01', NULL, NULL)",
    )
    insert(
        world, "INSERT INTO staff VALUES ('P-PEER', 'Pim Peer', 'Albeda', 'school', 'pim@x', '1')"
    )
    insert(
        world, "INSERT INTO roles VALUES ('S1', 'P-PEER', 'peer_coach', '2025-09-01', NULL, NULL)"
    )
    if consent:
        insert(
            world,
            "INSERT INTO consents VALUES ('S1', 'workplace', '2025-09-10', true, 'P-MEN', NULL)",
        )
    at = open_page(user=w.SUPERVISOR)
    school = {"Mila Mentor", "Bas BPV", "Sam Bakker", "Cor Zorg"}  # Cor: care coordinator too
    personal = {"Eva Extern", "Piet Ouder"}
    assert network_names(at) == (school | personal if consent else school)
    shown = page_text(at)
    assert "Olga Other" not in shown and "Pim Peer" not in shown
    if not consent:
        assert "Piet Ouder" not in shown and "Eva Extern" not in shown
    assert "mila@school.nl" in shown and "010-1" in shown  # they need to call the mentor


def test_workplace_supervisor_without_open_signals_reads_what_that_means(world):
    # Everything their placement needs: the start moment, the agreements, the consent.
    insert(
        world,
        "INSERT INTO contacts VALUES ('K3', 'S1', 'PL1', '2025-09-29', 'start', 'workplace_visit',"
        " ARRAY['P-MEN', 'P-SUP'], true, NULL, NULL, NULL, 'guides')",
    )
    insert(
        world,
        "INSERT INTO agreements VALUES "
        "('AG2', 'S1', 'PL1', 'information', 'P-MEN', ARRAY['P-SUP'], NULL, NULL, true,"
        " '2025-09-01', NULL, NULL),"
        "('AG3', 'S1', 'PL1', 'pedagogy', 'P-MEN', ARRAY['P-SUP'], NULL, NULL, true,"
        " '2025-09-01', NULL, NULL)",
    )
    insert(
        world, "INSERT INTO consents VALUES ('S1', 'workplace', '2025-09-01', false, 'P-MEN', NULL)"
    )
    at = open_page(user=w.SUPERVISOR)
    assert [s.value for s in at.success] == [
        "Geen open signalen over de stage die u begeleidt. Over de rest van de begeleiding "
        "houdt de school de signalen bij."
    ]


def file_tabs(at: AppTest) -> list[str]:
    """The labels of the file's own tabs (not those nested in a tab)."""
    (tabs,) = [b for b in at.main.children.values() if b.type == "tab_container"]
    return [t.label for t in tabs.children.values()]


def open_tab(at: AppTest) -> str:
    """The label of the tab the page shows open."""
    (tabs,) = [b for b in at.main.children.values() if b.type == "tab_container"]
    return file_tabs(at)[tabs.proto.tab_container.default_tab_index]


def test_saving_a_contact_keeps_its_tab_open(world):
    at = open_page()
    assert open_tab(at) == "Netwerk (6)"
    at.session_state["student.section"] = "Stage en contactmomenten"  # the user opens the tab
    at.run()
    assert open_tab(at) == "Stage en contactmomenten"
    at.selectbox(key="contact.channel.0").set_value("phone")
    at.selectbox(key="contact.reason.0").set_value("absence")
    at.multiselect(key="contact.participants.0").set_value(["P-MEN"])
    send(at, "contact")
    assert [s.value for s in at.success] == ["Het contact is opgeslagen."]
    assert open_tab(at) == "Stage en contactmomenten"


def test_only_the_open_tab_is_drawn(world):
    """Hidden tabs send nothing to the browser (with six tabs at once the file drew slowly
    under load; docs/performance.md, the load benchmark)."""
    at = open_page()
    assert "Mila Mentor" in network_names(at)
    assert not [f for f in at.get("form") if f.proto.form.form_id.startswith("contact.form")]
    show(at, "placements")
    assert not network_names(at)
    assert form(at, "contact")


def test_no_form_submits_on_enter(world):
    """Enter-to-submit shows Streamlit's own English hint ("Press Ctrl+Enter to submit form")."""
    at = open_page()
    forms_ = [f for _ in every_tab(at) for f in at.get("form")]
    assert len(forms_) >= 8
    assert all(f.proto.form.enter_to_submit is False for f in forms_)


def test_the_file_has_a_way_back_and_the_menu_reopens_it(world):
    at = open_page(user=w.SUPERVISOR)
    assert at.button(key="student_back_button").label == "Terug naar Leerlingen"
    at.query_params.pop("student")  # the menu's link carries no student: the last file shows
    at.run()
    assert at.title[0].value == "Noa Jansen"
    assert at.query_params["student"] == "S1"


def chart_data(at: AppTest) -> list[str]:
    """The data of the page's charts (network, timeline), as CSV text per chart."""
    return [
        "\n".join(
            pa.ipc.open_stream(d.data.data).read_all().to_pandas().to_csv()
            for d in c.proto.datasets
        )
        for c in at.get("vega_lite_chart")
    ]


def test_the_charts_follow_the_file_after_a_save(world):
    at = open_page()
    (network,) = chart_data(at)
    assert "Mila Mentor" in network
    (timeline,) = chart_data(show(at, "placements"))
    assert "2025-09-29" not in timeline
    log_start_moment(at)
    (timeline,) = chart_data(at)  # built again from the saved file, not served from the cache
    assert "2025-09-29" in timeline
