"""Real-browser journeys through the app in headless Chromium (who may see what: access.py).

1. A mentor signs in, finds a student whose start moment is missing in the caseload, logs
   the start moment in the student file, sees the signal go, and signs out.
2. A workplace supervisor opens their student: a `care` contact never reaches the browser,
   a `guides` contact is shown.
3. A manager sees no student at all, also not by typing the caseload's address.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .driver import (
    choose,
    click_row,
    field,
    grid,
    grid_rows,
    nav_links,
    open_sign_in,
    rows_of_grids,
    sign_in,
    sign_out,
    wait_for,
)

pytestmark = pytest.mark.e2e


def open_student_from(
    page, table_header: str, student_id: str, name: str, rows: int | None = None
) -> list[str]:
    """Click the student's row in the grid with `table_header` (once it has `rows` rows),
    wait for the student file, and return the row's texts."""
    table = grid(page, table_header)
    if rows is not None:
        expect(table.locator("tbody tr")).to_have_count(rows)
    table.locator("td").filter(has_text=student_id).first.wait_for(state="attached")
    texts = grid_rows(table)
    ids = [row[0] for row in texts]
    assert student_id in ids, f"{student_id} is not in the list: {ids}"
    click_row(table, ids.index(student_id))
    wait_for(page.get_by_role("heading", name=name, exact=True))
    return texts[ids.index(student_id)]


def signal_cards(page):
    """The column of the student file with the open-signal cards."""
    return page.locator('[data-testid="stColumn"]').filter(
        has=page.get_by_role("heading", name="Open signalen")
    )


def test_mentor_logs_the_missing_start_moment(app, page, shots):
    case = app.start_missing
    open_sign_in(page, app.url)
    shots("sign-in-page")

    sign_in(page, case.username)
    wait_for(page.get_by_role("heading", name="Caseload"))
    expect(page.get_by_text(f"Ingelogd als {case.guide}")).to_be_visible()
    shots("caseload")

    filters = page.locator('[data-testid="stExpander"]').filter(has_text="Filters")
    choose(filters, "stMultiSelect", "Signaal", "Startgesprek ontbreekt")
    wait_for(page.get_by_text(f"{case.students} leerlingen · {case.signals} open signalen"))
    shots("caseload-start-missing", grid(page, "Studentnummer"))

    row = open_student_from(page, "Studentnummer", case.student_id, case.student, case.students)
    assert "Startgesprek ontbreekt" in row[-1], row  # the signals column
    cards = signal_cards(page)
    expect(cards.get_by_text("Startgesprek ontbreekt")).to_be_visible()
    shots("student-file")

    page.get_by_role("tab", name="Stage en contactmomenten").click()
    # The summary alone: the contact form holds the checklist's own expander, whose
    # text would match an expander filtered on its whole content.
    page.locator('[data-testid="stExpander"] summary').filter(has_text="Contact vastleggen").click()
    form = page.locator('[data-testid="stForm"]').filter(has_text="Contact opslaan")
    expect(form).to_be_visible()
    choose(form, "stSelectbox", "Soort contact", "startgesprek")
    choose(form, "stSelectbox", "Stage", f"{case.company} ({case.placement_start:%d-%m-%Y}")
    choose(form, "stSelectbox", "Kanaal", "bezoek op de werkplek")
    choose(
        form,
        "stMultiSelect",
        "Deelnemers (de leerling staat hier niet bij)",
        case.supervisor,
        case.guide,
    )
    form.get_by_text("Leerling was erbij").click()
    expect(form.get_by_role("checkbox", name="Leerling was erbij")).to_be_checked()
    field(form, "stTextArea", "Korte samenvatting").locator("textarea").fill(
        "Startgesprek op de werkplek: leerdoelen en werktijden afgesproken."
    )
    shots("start-moment-form", form)

    form.get_by_role("button", name="Contact opslaan").click()
    wait_for(page.get_by_text("Het contact is opgeslagen."))
    shots("contact-saved")

    cards = signal_cards(page)
    expect(cards.get_by_text("Startgesprek ontbreekt")).to_have_count(0)
    expect(page.get_by_text("Startgesprek ontbreekt")).to_have_count(0)
    shots("signal-gone", page.get_by_role("heading", name="Open signalen"))

    page.get_by_role("tab", name="Stage en contactmomenten").click()
    # Moment, planned, state, held on, participants, missing
    moments = rows_of_grids(page, "Moment")
    held = [row for row in moments if row[0] == "startgesprek" and row[2] == "✓ gehouden"]
    assert any(
        row[3] == f"{app.today:%d-%m-%Y}" and case.supervisor in row[4] and case.guide in row[4]
        for row in held
    ), moments
    shots("start-moment-held", page.get_by_text(case.company).first)

    sign_out(page)
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    expect(page.get_by_text("Ingelogd als")).to_have_count(0)
    expect(page.get_by_role("heading", name=case.student)).to_have_count(0)
    shots("signed-out")


def test_workplace_supervisor_never_receives_care_contacts(app, page, shots, frames):
    case = app.workplace
    # Wide enough for every column of the contacts table: the grid only draws what is in view.
    page.set_viewport_size({"width": 2400, "height": 1600})
    open_sign_in(page, app.url)
    sign_in(page, case.username)
    assert "Caseload" not in nav_links(page)
    wait_for(page.get_by_role("heading", name="Leerlingen"))
    shots("student-list")

    open_student_from(page, "Studentnummer", case.student_id, case.student)
    shots("student-file")
    page.get_by_role("tab", name="Stage en contactmomenten").click()
    contacts = grid(page, "Initiatief")
    rows = grid_rows(contacts)
    shots("contacts", contacts)

    received = b"".join(frames)
    assert any(case.guides_summary in cell for row in rows for cell in row), rows
    assert case.guides_summary.encode() in received, "the check below would prove nothing"
    assert case.care_summary not in page.content()
    assert case.care_summary.encode() not in received, "a care contact reached the browser"


def test_manager_sees_no_students(app, page, shots, frames):
    open_sign_in(page, app.url)
    sign_in(page, "manager")
    wait_for(page.get_by_role("heading", name="Trends", exact=True))
    links = nav_links(page)
    assert "Caseload" not in links and "Leerlingen" not in links, links
    shots("home")

    # Typing the address starts a new session. Signed out, the app offers only the sign-in
    # page, so Streamlit says it does not know /caseload and shows that; signing in there
    # leads home.
    page.goto(f"{app.url}/caseload")
    dialog = page.get_by_role("dialog")
    wait_for(dialog.get_by_text("Page not found"))
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    shots("caseload-url")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    sign_in(page, "manager")
    expect(page.get_by_role("heading", name="Caseload")).to_have_count(0)
    expect(page.get_by_role("heading", name="Trends", exact=True)).to_be_visible()
    shots("caseload-url-signed-in")

    # Names the sign-in page lists with the demo accounts are staff shown by design.
    staff = " ".join(app.staff_on_sign_in)
    names = [name for name in app.student_names if name not in staff]
    received = b"".join(frames).decode("utf-8", errors="replace")
    content = page.content()
    assert len(names) > 250
    assert "Vaste contactmomenten" in received  # the check below reads the right messages
    assert [n for n in names if n in content] == []
    assert [n for n in names if n in received] == []
