"""AppTest helpers: the real entry script over a real demo store in a temporary file.

A small demo store (fixed seed and day) is generated once per test session and copied for
each test, so every test starts from the same data and may write to its own copy.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from dashboard import demo, signals
from dashboard.app import runtime
from dashboard.bare_links import WORD_JOINER
from dashboard.demo.accounts import demo_password, ensure_demo_accounts
from dashboard.security.access import CLI_USER
from dashboard.signals import day_cache
from dashboard.store import open_store

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "streamlit_app.py"
TODAY = dt.date(2025, 3, 3)  # the demo's day and the app's evaluation day in these tests
DEMO_STUDENTS = 60
TIMEOUT = 60  # seconds for one script run (generous: the machine is shared)


class NavigationOnly(PagesManager):
    """AppTest re-detects a `pages/` folder before every run and then emulates the old
    folder-based navigation, running a page file without the entry script (so without the
    sign-in gate). A real server drops that mode for good once st.navigation has been called,
    which the entry does on every run; this does the same for each AppTest run."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def navigation_only(monkeypatch):
    monkeypatch.setattr(app_test, "PagesManager", NavigationOnly)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "template.duckdb"
    store = open_store(path)
    demo.generate(store, CLI_USER, students=DEMO_STUDENTS, seed=1, today=TODAY)
    ensure_demo_accounts(store, today=TODAY)
    store.checkpoint()
    store.close()
    return path


@pytest.fixture(scope="session")
def demo_template_pg(pg_cluster) -> str:
    """The same demo store in a PostgreSQL database, cloned for each test."""
    url = pg_cluster.fresh_database("demo_template")
    store = open_store(url)
    demo.generate(store, CLI_USER, students=DEMO_STUDENTS, seed=1, today=TODAY)
    ensure_demo_accounts(store, today=TODAY)
    store.close()
    return url


@pytest.fixture
def db(request, backend, demo_template, tmp_path, monkeypatch):
    """A fresh copy of the demo store, on each backend; the app finds it through
    REGIEBORD_DB."""
    if backend == "file":
        path = tmp_path / "regiebord.duckdb"
        shutil.copy(demo_template, path)
        monkeypatch.setenv("REGIEBORD_DB", str(path))
        yield path
        close_app_store()
        return
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.copy_database(request.getfixturevalue("demo_template_pg"), "page")
    monkeypatch.setenv("REGIEBORD_DB", url)
    yield url
    close_app_store()
    cluster.drop_database(url)


def close_app_store() -> None:
    """Close the store the app opened (st.cache_resource is process-wide) and forget it."""
    try:
        runtime.store().close()
    finally:
        st.cache_resource.clear()


def app_store():
    """The very Store object the app uses (same cache), to arrange or check data."""
    return runtime.store()


def new_app(today: dt.date | None = TODAY) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=TIMEOUT)
    if today is not None:
        at.session_state["today"] = today
    return at


def sign_in(at: AppTest, username: str, password: str | None = None) -> AppTest:
    """Run the app and sign in with the local form (a demo password unless given)."""
    at.run()
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password or demo_password(username))
    at.button[0].click()  # the form's submit button is the only button before sign-in
    return at.run()


def texts(at: AppTest) -> str:
    """Everything shown as text (titles, Markdown, captions, alerts), joined for searching;
    without the invisible word joiners that keep addresses from becoming links."""
    parts = [e.value for e in (*at.title, *at.subheader, *at.markdown, *at.caption)]
    parts += [e.value for e in (*at.info, *at.warning, *at.error, *at.success)]
    return "\n".join(str(p) for p in parts).replace(WORD_JOINER, "")


@pytest.fixture
def signed_in(db):
    """Factory: an AppTest signed in as one of the demo accounts."""

    def make(username: str) -> AppTest:
        at = sign_in(new_app(), username)
        assert at.session_state["user"].username == username, texts(at)
        return at

    return make


def assert_day_warmed(monkeypatch, day: dt.date = TODAY) -> None:
    """The app's background warm-up has computed `day`'s signals as they now are: once it is
    done, asking for them evaluates nothing and gives what a fresh evaluation gives."""
    for thread in threading.enumerate():
        if thread.name == runtime.WARM_THREAD:
            thread.join()
    store = app_store()
    fresh = signals.evaluate(store, day)
    monkeypatch.setattr(signals, "evaluate", lambda *a, **k: pytest.fail("evaluated again"))
    pd.testing.assert_frame_equal(
        day_cache.evaluate(store, day).reset_index(drop=True),
        fresh.reset_index(drop=True),
        check_dtype=False,
    )
