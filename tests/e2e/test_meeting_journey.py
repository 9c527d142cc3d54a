"""A caseload meeting in the browser: the demo care coordinator prepares a meeting about a
location, runs two students (a decision for each, an action for the first), closes the
meeting and downloads the minutes as PDF, whose text holds what was recorded."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from .driver import field, open_sign_in, sign_in, submit_text, wait_for

pytestmark = pytest.mark.e2e

FIRST = "E2E-BESLUIT-1 stage loopt door, mentor belt wekelijks"
SECOND = "E2E-BESLUIT-2 bespreken met leerplicht"
ACTION = "E2E-ACTIE werkplek bezoeken"
# Bare addresses in typed text, which GitHub-style Markdown would make links.
ADDRESSES = "zie www.voorbeeld.nl, https://voorbeeld.nl/rooster of jan@voorbeeld.nl"


def pick_first(page, testid: str, label: str) -> str:
    """Open a select box and pick its first option; returns the option's text."""
    box = field(page.locator("body"), testid, label)
    box.evaluate("element => element.scrollIntoView({block: 'center'})")
    box.get_by_role("button", name="Open").click()
    option = page.locator('[role="listbox"] [role="option"]').first
    text = option.inner_text()
    option.click()
    expect(page.locator('[role="listbox"]')).to_have_count(0)
    return text


def test_coordinator_prepares_runs_closes_and_downloads_the_minutes(app, page, shots):
    open_sign_in(page, app.url)
    sign_in(page, "zorgcoordinator")
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="Caseloadbespreking").click()
    wait_for(page.get_by_role("heading", name="Caseloadbespreking"))
    shots("meetings-page")

    # Prepare: a meeting about the first location, with the proposed agenda.
    page.get_by_text("Nieuwe bespreking voorbereiden").click()
    page.get_by_text("een locatie", exact=True).click()
    wait_for(field(page.locator("body"), "stSelectbox", "Locatie"))
    pick_first(page, "stSelectbox", "Locatie")
    page.get_by_role("button", name="Voorbereiden en agenda voorstellen").click()
    wait_for(page.get_by_text("Opgeslagen."))
    wait_for(page.get_by_text("Agenda (", exact=False))
    shots("prepared", page.get_by_text("Agenda (", exact=False))

    # Run: the first student, a decision and an action.
    page.get_by_role("tab", name="Bespreken").click()
    wait_for(page.get_by_text("Leerling 1 van", exact=False))
    submit_text(page, "Besluit", FIRST, "Besluit vastleggen")
    page.get_by_label("Actie", exact=True).fill(f"{ACTION} {ADDRESSES}")
    pick_first(page, "stSelectbox", "Eigenaar")
    page.get_by_role("button", name="Actie toevoegen").click()
    wait_for(page.get_by_text(ACTION, exact=False))
    shown = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=ACTION)
    assert ADDRESSES in shown.first.inner_text().replace("\u2060", "")
    expect(page.locator('[data-testid="stMarkdownContainer"] a[href*=voorbeeld]')).to_have_count(0)
    shots("first-student", page.get_by_text(FIRST))

    # The second student.
    page.get_by_role("button", name="Volgende").click()
    wait_for(page.get_by_text("Leerling 2 van", exact=False))
    submit_text(page, "Besluit", SECOND, "Besluit vastleggen")
    shots("second-student", page.get_by_text(SECOND))

    # Close, and download the minutes.
    page.get_by_role("tab", name="Afsluiten en verslag").click()
    page.get_by_role("button", name="Bespreking afsluiten").click()
    wait_for(page.get_by_text("De bespreking is afgesloten.").first)
    with page.expect_download() as download:
        page.get_by_role("button", name="Verslag als PDF").click()
    data = download.value.path().read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert FIRST in text and SECOND in text and ACTION in text
    assert "De bespreking is afgesloten." in text
    shots("closed-with-minutes", page.get_by_role("button", name="Verslag als PDF"))
