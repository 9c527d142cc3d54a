"""Fixtures of the real-browser journeys: one prepared demo store, one Streamlit server on it
(loopback, a free port), one headless Debian Chromium, and a fresh page per test.

The store is made here before the app starts (the app would make the same demo on first
start, but then the test could not know which students to look for): demo.generate with 300
students and seed 1, the demo accounts, and two contacts the workplace supervisor's journey
needs. The store is closed before the server opens it (DuckDB allows one writing process).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from listed import listed_student_ids

from dashboard import demo, signals
from dashboard.demo.accounts import ensure_demo_accounts
from dashboard.security import access, sign_in
from dashboard.store import open_store
from dashboard.students import listing, records, student_file
from validation.forms import ContactForm

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 120
VIEWPORT = {"width": 1280, "height": 1600}

# Distinctive summaries of the contacts planted for the workplace supervisor's student.
CARE_SUMMARY = "E2E-ALLEEN-ZORG gesprek met de zorgcoordinator over thuissituatie"
GUIDES_SUMMARY = "E2E-VOOR-BEGELEIDERS voortgang op de werkplek besproken"


@dataclass(frozen=True)
class StartMissing:
    """Journey 1: a student of `username` whose start moment is missing."""

    username: str
    guide: str  # the account's own name: a school guide of the student
    student_id: str
    student: str
    company: str
    placement_start: dt.date
    supervisor: str
    students: int  # the caseload filtered on START_MISSING: students and signals
    signals: int


@dataclass(frozen=True)
class WorkplaceCase:
    """Journey 2: a student of workplace supervisor `username` with a care-only contact."""

    username: str
    student_id: str
    student: str
    care_summary: str = CARE_SUMMARY
    guides_summary: str = GUIDES_SUMMARY


@dataclass(frozen=True)
class App:
    url: str
    today: dt.date
    start_missing: StartMissing
    workplace: WorkplaceCase
    student_names: tuple[str, ...]
    student_ids: tuple[str, ...]
    staff_on_sign_in: tuple[str, ...]  # names the sign-in page lists with the demo accounts


def need_chromium() -> None:
    """Skip without a browser; in CI (CI=true) that is a failure, because CI must run these."""
    if CHROMIUM.exists():
        return
    problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"End-to-end tests must run in CI, but {problem}.", pytrace=False)
    pytest.skip(f"End-to-end tests need a browser: {problem}.")


def find_start_missing(store, today: dt.date, username: str) -> StartMissing:
    """A student of `username` with exactly one open START_MISSING and a named supervisor."""
    user = sign_in.load_user(store, username)
    visible = set(listed_student_ids(store, user, today))
    found = signals.open_signals(signals.evaluate(store, today))
    missing = found[(found["code"] == "START_MISSING") & found["student_id"].isin(visible)]
    for student_id in sorted(set(missing["student_id"])):
        rows = missing[missing["student_id"] == student_id]
        if len(rows) != 1:
            continue
        f = student_file.load(store, user, student_id, today)
        placement = next(p for p in f.placements if p.placement_id == rows["placement_id"].iloc[0])
        supervisor = f.name_of(placement.supervisor_id)
        if supervisor and user.person_id in f.people:
            return StartMissing(
                username,
                user.name,
                student_id,
                f.student.name,
                placement.company,
                placement.start_date,
                supervisor,
                students=missing["student_id"].nunique(),
                signals=len(missing),
            )
    raise AssertionError(f"The demo has no START_MISSING student for {username}")


def plant_workplace_contacts(store, today: dt.date, username: str) -> WorkplaceCase:
    """Log a `care` and a `guides` contact on a started placement of the supervisor."""
    user = sign_in.load_user(store, username)
    visible = listed_student_ids(store, user, today)
    for student_id in visible:
        f = student_file.load(store, access.CLI_USER, student_id, today)
        own = [
            p for p in f.placements if p.supervisor_id == user.person_id and p.start_date <= today
        ]
        if not own:
            continue
        for summary, visibility in ((CARE_SUMMARY, "care"), (GUIDES_SUMMARY, "guides")):
            form = ContactForm(
                kind="incidental",
                date=today,
                channel="phone",
                participants=[user.person_id],
                student_present=False,
                placement_id=own[0].placement_id,
                reason="progress",  # not a personal reason: only the visibility hides it
                summary=summary,
                visibility=visibility,
            )
            records.log_contact(store, access.CLI_USER, student_id, form, today)
        return WorkplaceCase(username, student_id, f.student.name)
    raise AssertionError(f"The demo has no started placement for {username}")


def prepare_store(path: Path, today: dt.date) -> dict:
    store = open_store(path)
    try:
        demo.generate(store, access.CLI_USER, students=300, seed=1, today=today)
        accounts = ensure_demo_accounts(store, today=today)
        found = listing.list_students(
            store, access.CLI_USER, today, listing.StudentFilters(), limit=100_000
        )
        return {
            "start_missing": find_start_missing(store, today, "mentor"),
            "workplace": plant_workplace_contacts(store, today, "praktijkbegeleider"),
            "student_names": tuple(found.rows["name"]),
            "student_ids": tuple(found.rows["student_id"]),
            "staff_on_sign_in": tuple(a.description for a in accounts),
        }
    finally:
        store.close()


def free_port() -> int:
    """$REGIEBORD_E2E_PORT when set (a machine shared by several runs gives each its own
    ports), else any free one."""
    if os.environ.get("REGIEBORD_E2E_PORT"):
        return int(os.environ["REGIEBORD_E2E_PORT"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"Streamlit stopped at start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as answer:
                if answer.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)  # polling a server that is starting, not waiting on the app
    raise AssertionError(
        f"Streamlit did not answer within {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}"
    )


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> App:
    need_chromium()
    today = dt.date.today()
    path = tmp_path_factory.mktemp("e2e") / "regiebord.duckdb"
    facts = prepare_store(path, today)
    port = int(os.environ.get("REGIEBORD_E2E_PORT") or free_port())  # a fixed one if asked
    url = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "streamlit.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "streamlit_app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",  # files edited meanwhile must not restart the app mid-journey
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, "REGIEBORD_DB": str(path)}
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, server, log)
        yield App(url=url, today=today, **facts)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


@pytest.fixture(scope="session")
def browser(app):
    from playwright.sync_api import expect, sync_playwright

    from .driver import STEP_TIMEOUT_MS

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies, no session) per test."""
    from .driver import STEP_TIMEOUT_MS

    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
            folder = ARTIFACTS / request.node.name
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=folder / "99-failed.png")
        context.close()


@pytest.fixture
def shots(page, request):
    from .driver import Shots

    return Shots(page, ARTIFACTS / request.node.name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def frames(page) -> list[bytes]:
    """Every websocket message the browser receives from the app, as bytes (what reached the
    browser at all, shown or not)."""
    received: list[bytes] = []

    def on_socket(ws):
        ws.on(
            "framereceived",
            lambda payload: received.append(
                payload if isinstance(payload, bytes) else payload.encode()
            ),
        )

    page.on("websocket", on_socket)
    return received
