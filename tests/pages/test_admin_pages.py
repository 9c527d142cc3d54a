"""The admin pages of accounts, the audit trail and the student's rights, run with AppTest:
an admin can use them; anyone else who reaches the URL sees nothing protected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import settings
from dashboard.security import access, accounts, audit, sign_in
from dashboard.store import open_store

from .conftest import app_store, close_app_store

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2025, 10, 1)
ADMIN = access.User("boss", "admin", name="Beheer")
MENTOR = access.User("mila", "guide", "P-MEN", "Mila Mentor")
PASSWORD = "correct horse battery"


@pytest.fixture
def db(store_target, monkeypatch):
    path = store_target
    store = open_store(path)
    with store.write() as cur:
        cur.execute(
            "INSERT INTO staff VALUES ('P-MEN', 'Mila Mentor', 'Het Mbo College', 'school', "
            "NULL, NULL), ('P-SUP', 'Sam Bakker', 'Bakkerij', 'workplace', NULL, NULL)"
        )
        cur.execute(
            "INSERT INTO students VALUES "
            "('S1', 'Noa', 'Jansen', '2003-07-14', 'Entree', 'Noord', 'E1A', '2019-08-26', "
            "'graduated', '2021-06-30', NULL), "
            "('S2', 'Tim', 'de Vries', '2008-01-01', 'Entree', 'Zuid', 'E1B', '2024-08-26', "
            "'active', NULL, NULL)"
        )
        cur.execute("INSERT INTO roles VALUES ('S1', 'P-MEN', 'mentor', '2019-08-26', NULL, NULL)")
    accounts.add_user(store, access.CLI_USER, "boss", "admin", PASSWORD)
    accounts.add_user(store, access.CLI_USER, "mila", "guide", PASSWORD, person_id="P-MEN")
    store.close()
    monkeypatch.setenv("REGIEBORD_DB", str(path))
    yield path
    close_app_store()


def page(name: str, user: access.User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=60)
    at.session_state["user"] = user
    at.session_state["today"] = TODAY
    return at.run()


def shown(at: AppTest) -> str:
    """Every text, table cell and widget label on the page, to search for leaks."""
    parts = [e.value for e in (*at.title, *at.subheader, *at.markdown, *at.caption)]
    parts += [e.value for e in (*at.info, *at.warning, *at.error, *at.success)]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [w.label for w in (*at.text_input, *at.selectbox, *at.button, *at.multiselect)]
    parts += [str(o) for s in at.selectbox for o in s.options]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # Markdown escapes


def by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


# -- a non-admin sees nothing protected ----------------------------------------------------


@pytest.mark.parametrize("name", ["users", "audit_log", "student_rights"])
def test_a_non_admin_who_types_the_url_sees_nothing(db, name):
    at = page(name, MENTOR)
    assert not at.exception
    text = shown(at)
    assert "U heeft geen rechten voor deze handeling." in text
    for secret in ("boss", "Noa", "Jansen", "sign_in", "user_add", "S1"):
        assert secret not in text
    assert not at.dataframe and not at.text_input and not at.selectbox


# -- users ---------------------------------------------------------------------------------


def test_admin_sees_the_accounts_and_adds_one(db):
    at = page("users", ADMIN)
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Gebruikersnaam"]) == ["boss", "mila"]
    assert list(table["Status"]) == ["actief", "actief"]
    by_label(at.text_input, "Gebruikersnaam").input("sam")
    by_label(at.selectbox, "Soort account").set_value("workplace")
    by_label(at.selectbox, "Persoon").set_value("P-SUP")
    by_label(at.text_input, "Wachtwoord (minstens 8 tekens)").input("a good password")
    by_label(at.button, "Toevoegen").click().run()
    assert "Account sam is toegevoegd." in shown(at)
    assert list(at.dataframe[0].value["Gebruikersnaam"]) == ["boss", "mila", "sam"]
    added = sign_in.load_user(app_store(), "sam")
    assert (added.kind, added.person_id) == ("workplace", "P-SUP")


def test_a_refused_account_explains_why_in_dutch(db):
    at = page("users", ADMIN)
    by_label(at.text_input, "Gebruikersnaam").input("kim")
    by_label(at.selectbox, "Soort account").set_value("guide")
    by_label(at.text_input, "Wachtwoord (minstens 8 tekens)").input("short")
    by_label(at.button, "Toevoegen").click().run()
    text = shown(at)
    assert "Het wachtwoord moet minstens 8 tekens lang zijn." in text
    assert "hoort bij een persoon uit de begeleiderslijst" in text
    assert sign_in.load_user(app_store(), "kim") is None


def test_admin_disables_and_resets(db):
    at = page("users", ADMIN)
    at.selectbox(key="users_chosen").set_value("mila").run()
    by_label(at.button, "Blokkeren").click().run()
    assert "Account mila is geblokkeerd" in shown(at)
    assert sign_in.load_user(app_store(), "mila") is None
    at.selectbox(key="users_chosen").set_value("mila").run()
    by_label(at.text_input, "Nieuw wachtwoord").input("brand new secret")
    by_label(at.button, "Wachtwoord instellen en blokkade opheffen").click().run()
    assert "Het wachtwoord van mila is ingesteld." in shown(at)
    by_label(at.button, "Weer toestaan").click().run()
    assert (
        sign_in.authenticate(
            app_store(), "mila", "brand new secret", settings.current(app_store())
        ).username
        == "mila"
    )


# -- audit log -----------------------------------------------------------------------------


def test_admin_searches_the_audit_log_and_sees_the_chain_state(db):
    at = page("audit_log", ADMIN)
    assert not at.exception
    assert "De keten van het log is intact" in shown(at)
    assert list(at.dataframe[0].value["Handeling"]) == ["user_add", "user_add"]
    assert not at.button  # the page only reads: nothing on it edits a row
    at.selectbox(key="audit_action").set_value("user_add").run()
    assert len(at.dataframe[0].value) == 2
    at.text_input(key="audit_actor").input("nobody").run()
    assert "Geen regels gevonden." in shown(at) and not at.dataframe


def test_the_audit_page_reports_an_edit_outside_the_app(db):
    with app_store().write() as cur:
        cur.execute("UPDATE audit SET actor = 'someone' WHERE id = (SELECT min(id) FROM audit)")
    at = page("audit_log", ADMIN)
    assert "het log is buiten Regiebord gewijzigd" in shown(at)


# -- student's rights ----------------------------------------------------------------------


def test_admin_makes_an_inzage_file(db):
    at = page("student_rights", ADMIN)
    assert not at.exception
    at.selectbox(key="rights_student").set_value("S1").run()
    by_label(at.button, "Maak inzage-bestand").click().run()
    assert not at.exception
    assert at.session_state["rights_inzage"][0] == "S1"
    assert b"| Noa | Jansen |" in at.session_state["rights_inzage"][1]
    with app_store().read() as cur:
        (event,) = audit.search(cur, action="export")
    assert (event["actor"], event["student_id"]) == ("boss", "S1")


def test_erasure_needs_the_typed_student_number_and_the_retention_period(db):
    at = page("student_rights", ADMIN)
    at.selectbox(key="rights_student").set_value("S2").run()
    assert "nog actief en kan niet worden verwijderd" in shown(at)
    assert not [b for b in at.button if b.label == "Definitief uitvoeren"]

    at.selectbox(key="rights_student").set_value("S1").run()
    by_label(at.text_input, "Typ het studentnummer ter bevestiging").input("S2")
    by_label(at.button, "Definitief uitvoeren").click().run()
    assert "klopt niet; er is niets gedaan" in shown(at)
    with app_store().read() as cur:
        assert cur.execute("SELECT count(*) FROM students").fetchone()[0] == 2

    by_label(at.text_input, "Typ het studentnummer ter bevestiging").input("S1")
    by_label(at.button, "Definitief uitvoeren").click().run()
    assert "Klaar: 2 regels verwijderd of geanonimiseerd." in shown(at)
    with app_store().read() as cur:
        assert cur.execute("SELECT student_id FROM students").fetchall() == [("S2",)]
        assert audit.search(cur, action="erase")[0]["student_id"] == "S1"


def test_admin_corrects_a_field(db):
    at = page("student_rights", ADMIN)
    at.selectbox(key="rights_student").set_value("S1").run()
    by_label(at.selectbox, "Gegeven").set_value("location")
    by_label(at.text_input, "Juiste waarde (datum als JJJJ-MM-DD, leeg = geen)").input("Zuid")
    by_label(at.button, "Corrigeren").click().run()
    assert "Gecorrigeerd: Locatie." in shown(at)
    with app_store().read() as cur:
        assert cur.execute("SELECT location FROM students WHERE student_id = 'S1'").fetchone() == (
            "Zuid",
        )
