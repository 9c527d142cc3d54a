"""The entry script: first start, sign-in gate, sessions, navigation per role, language."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test

from dashboard import settings
from dashboard.security import access, accounts
from dashboard.security import sign_in as auth

from .conftest import app_store, close_app_store, new_app, sign_in, texts


def nav_pages(at) -> set[str]:
    """The page files this run handed to st.navigation."""
    return {
        str(info.get("script_path") or info.get("url_pathname"))
        for info in at._registered_pages.values()
    }


def test_first_start_creates_a_demo_store(tmp_path, monkeypatch):
    path = tmp_path / "data" / "regiebord.duckdb"
    monkeypatch.setenv("REGIEBORD_DB", str(path))
    try:
        at = new_app(today=None).run(timeout=300)
        assert path.exists()
        assert "Demodata" in texts(at)
        listed = at.dataframe[0].value
        assert {"beheerder", "zorgcoordinator", "manager"} <= set(listed.iloc[:, 0])
        with app_store().read() as cur:
            assert cur.execute("SELECT count(*) FROM students").fetchone()[0] == 300
    finally:
        close_app_store()


def test_sign_in_with_a_demo_account(db):
    at = sign_in(new_app(), "zorgcoordinator")
    assert not at.exception
    user = at.session_state["user"]
    assert isinstance(user, access.User) and user.kind == "care_coordinator"
    assert at.title[0].value == "Caseload"
    assert "Demodata" in texts(at)  # the banner stays on every page


def test_wrong_password_is_refused_with_one_message(db):
    at = sign_in(new_app(), "zorgcoordinator", password="not-the-password")
    assert "user" not in at.session_state
    assert "Inloggen is niet gelukt" in at.error[0].value
    at = sign_in(new_app(), "nobody-here", password="whatever-long")
    assert "Inloggen is niet gelukt" in at.error[0].value


def test_the_schools_lockout_setting_applies_to_the_sign_in_form(db):
    """After `lockout_attempts` failures of the form the next attempt must wait (issue 21,
    finding 3: growing delays, no lock; the wait is read with the clock of the last failure,
    so the test does not depend on how fast the machine is)."""
    settings.save(app_store(), access.CLI_USER, {"lockout_attempts": 2})
    for _ in range(2):
        at = sign_in(new_app(), "zorgcoordinator", password="not-the-password")
        assert "user" not in at.session_state
        assert "Inloggen is niet gelukt" in at.error[0].value
    with app_store().read() as cur:
        (last,) = cur.execute("SELECT max(last_failed_at) FROM sign_in_throttle").fetchone()
    cfg = settings.current(app_store())
    wait = dt.timedelta(seconds=1)
    assert auth.wait_for(app_store(), "zorgcoordinator", None, cfg, last) == wait
    # No lock: a second later the account may try again.
    assert auth.wait_for(app_store(), "zorgcoordinator", None, cfg, last + wait) == dt.timedelta(0)


def test_no_page_before_sign_in(db):
    at = new_app().run()
    assert not any("pages/" in p for p in nav_pages(at))
    with pytest.raises(ValueError):
        at.switch_page("pages/caseload.py")


def test_sign_out(signed_in):
    at = signed_in("mentor")
    at.button(key="sign_out").click().run()
    assert "user" not in at.session_state
    assert "U bent uitgelogd." in texts(at)
    assert at.text_input(key="signin_username").value == ""


def test_idle_session_expires(signed_in):
    at = signed_in("mentor")
    at.session_state["last_seen"] = dt.datetime.now() - dt.timedelta(hours=1)
    at.run()
    assert "user" not in at.session_state
    assert "Uw sessie is verlopen" in texts(at)


def test_absolute_session_lifetime(signed_in):
    at = signed_in("mentor")
    at.session_state["started_at"] = dt.datetime.now() - dt.timedelta(hours=13)
    at.run()
    assert "user" not in at.session_state


def test_a_disabled_account_loses_its_session(signed_in):
    at = signed_in("mentor")
    accounts.disable_user(app_store(), access.CLI_USER, "mentor")
    at.run()
    assert "user" not in at.session_state
    assert "niet meer actief" in texts(at)


def test_manager_sees_no_student_data(signed_in):
    """Since issue 17 a manager lands on the trends page: figures, never a student (the page's
    own tests check every cell for names and ids: tests/pages/test_trends_page.py)."""
    at = signed_in("manager")
    assert at.title[0].value == "Trends"
    assert "Trend" in texts(at)
    assert not any("pages/" in p and not p.endswith("pages/trends.py") for p in nav_pages(at))
    with pytest.raises(ValueError):
        at.switch_page("pages/students.py")


@pytest.mark.parametrize(
    ("username", "expected", "absent"),
    [
        ("beheerder", {"caseload", "students", "meetings", "settings", "admin_data"}, set()),
        (
            "zorgcoordinator",
            {"caseload", "students", "student", "meetings"},
            {"settings", "admin_data"},
        ),
        ("mentor", {"caseload", "students", "meetings"}, {"settings"}),
        ("praktijkbegeleider", {"students", "student"}, {"caseload", "meetings", "settings"}),
    ],
)
def test_navigation_per_role(signed_in, username, expected, absent):
    at = signed_in(username)
    names = {p.rsplit("/", 1)[-1].removesuffix(".py") for p in nav_pages(at)}
    assert expected <= names
    assert not absent & names


def test_language_switch_to_english(signed_in):
    at = signed_in("zorgcoordinator")
    at.selectbox(key="lang").select("en").run()
    assert at.session_state["lang"] == "en"
    assert "Demo data" in texts(at)
    assert "Signals per kind" in texts(at)
    assert at.button(key="sign_out").label == "Sign out"


def test_a_language_switch_keeps_choices_and_sends_their_new_labels(signed_in):
    # The browser shows a choice by the label it was made under; unless the app sets the
    # value again, "hoog" would stay on screen after switching to English.
    at = signed_in("zorgcoordinator")
    at.multiselect(key="caseload_severities").select("high").run()
    chosen = at.selectbox(key="caseload_ack_pick").value
    at.selectbox(key="lang").select("en").run()
    severities = at.multiselect(key="caseload_severities")
    assert severities.value == ["high"] and severities.proto.set_value
    assert list(severities.proto.raw_values) == ["high"]  # the English label
    pick = at.selectbox(key="caseload_ack_pick")
    assert pick.value == chosen and pick.proto.set_value
    assert pick.proto.raw_value.startswith("Nobody holds direction — ")


def test_a_page_run_without_the_entry_is_sent_to_the_sign_in(db, monkeypatch):
    """A fresh server's first request runs a pages/ file by itself (Streamlit's old folder
    mode); the page must show nothing and hand over to the entry's sign-in gate."""
    monkeypatch.setattr(app_test, "PagesManager", PagesManager)  # AppTest's own: folder mode
    at = new_app()
    at.switch_page("pages/settings.py").run()
    assert not at.exception
    assert at.title[0].value == "Inloggen"
    assert not at.number_input


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-secret-not-used",
    "client_id": "regiebord",
    "client_secret": "not-used",
    "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
}


def oidc_app(email: str | None) -> object:
    at = new_app()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": email is not None, **({"email": email} if email else {})}
    return at


def test_oidc_sign_in_by_e_mail(db):
    accounts.add_user(
        app_store(),
        access.CLI_USER,
        "j.devries",
        "guide",
        "a-long-password",
        person_id=_some_person(),
        email="J.deVries@school.example",
    )
    at = oidc_app("j.devries@school.example").run()
    assert not at.exception
    assert at.session_state["user"].username == "j.devries"
    assert at.title[0].value == "Caseload"
    with app_store().read() as cur:
        method = cur.execute(
            "SELECT detail FROM audit WHERE action = 'sign_in' AND actor = 'j.devries'"
        ).fetchall()
    assert method == [("oidc",)]
    # Signing out also ends the identity provider's session in Streamlit (st.logout).
    at.button(key="sign_out").click().run()
    assert "user" not in at.session_state
    assert at.user.get("is_logged_in") is False


def test_oidc_sessions_keep_the_app_clock(db):
    accounts.add_user(
        app_store(),
        access.CLI_USER,
        "j.devries",
        "guide",
        "a-long-password",
        person_id=_some_person(),
        email="j.devries@school.example",
    )
    at = oidc_app("j.devries@school.example").run()
    at.session_state["last_seen"] = dt.datetime.now() - dt.timedelta(hours=1)
    at.run()
    assert "user" not in at.session_state
    assert at.user.get("is_logged_in") is False  # the cookie cannot sign them back in
    # A login cookie older than the absolute lifetime does not start a session either.
    at = oidc_app("j.devries@school.example")
    at.user["iat"] = (dt.datetime.now() - dt.timedelta(hours=13)).timestamp()
    at.run()
    assert "user" not in at.session_state
    assert at.user.get("is_logged_in") is False


def test_oidc_unknown_e_mail_gets_no_session(db):
    at = oidc_app("stranger@elsewhere.example").run()
    assert "user" not in at.session_state
    assert "Er is geen actief Regiebord-account voor stranger@elsewhere" in texts(at)


def test_oidc_signed_out_sees_the_school_sign_in_button(db):
    at = oidc_app(None).run()
    assert at.button[0].label == "Inloggen met uw schoolaccount"
    assert not at.text_input  # no local password form with OIDC


def _some_person() -> str:
    with app_store().read() as cur:
        return cur.execute("SELECT min(person_id) FROM staff").fetchone()[0]


def test_an_account_named_by_its_kind_says_it_once(signed_in):
    at = signed_in("manager")  # no person: its name is its username, "manager"
    assert [m.value for m in at.sidebar.markdown] == ["Ingelogd als **manager**"]
    at = signed_in("mentor")
    (line,) = [m.value for m in at.sidebar.markdown]
    assert line.startswith("Ingelogd als **") and line.endswith("** (begeleider)")


@pytest.fixture
def menu(monkeypatch):
    """The titles st.navigation shows in the menu in the last run (hidden pages left out)."""
    shown: list[list[str]] = []
    navigation = st.navigation

    def recording(pages, **kwargs):
        groups = pages.values() if isinstance(pages, dict) else [pages]
        shown.append([p.title for group in groups for p in group if p.visibility != "hidden"])
        return navigation(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    return shown


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("praktijkbegeleider", ["Leerlingen", "Leerlingdossier"]),  # a menu of two, so shown
        ("zorgcoordinator", ["Caseload", "Leerlingen", "Caseloadbespreking", "Trends"]),
    ],
)
def test_the_menu_has_at_least_two_pages(signed_in, menu, username, expected):
    signed_in(username)
    assert menu[-1] == expected


@pytest.mark.parametrize(
    ("username", "page", "table", "title"),
    [
        ("zorgcoordinator", None, "caseload_students", "Caseload"),
        ("zorgcoordinator", "pages/students.py", "students_table", "Leerlingen"),
        ("praktijkbegeleider", None, "students_table", "Leerlingen"),
    ],
)
def test_back_from_the_student_file_to_the_list_it_came_from(
    signed_in, username, page, table, title
):
    at = signed_in(username)
    if page:
        at.switch_page(page).run()
    at.session_state[table] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert "student" in at.query_params
    back = at.button(key="student_back_button")
    assert back.label == f"Terug naar {title}"
    back.click().run()
    assert not at.exception
    assert at.title[0].value == title
    at.run()
    assert at.title[0].value == title  # the list stays: its old selection is not reapplied


def test_a_student_file_view_is_audited_once_per_opening(signed_in):
    def views() -> list[str]:
        with app_store().read() as cur:
            sql = "SELECT student_id FROM audit WHERE action = 'view_student' ORDER BY id"
            return [r[0] for r in cur.execute(sql).fetchall()]

    at = signed_in("zorgcoordinator")
    at.session_state["caseload_students"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    student = at.query_params["student"]
    assert views() == [student]
    at.session_state["student.section"] = at.tabs[1].label  # clicks inside the file
    at.run()
    at.run()
    assert not at.exception and views() == [student]
    at.button(key="student_back_button").click().run()
    at.session_state["caseload_students"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.query_params["student"] == student and views() == [student, student]
