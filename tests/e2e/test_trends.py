"""The trends page in a real browser (issue 17): a manager sees figures, and not one student's
name or id reaches the browser, neither in the page nor in any websocket message, also after
choosing a location, a school year and opening a table of figures."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .driver import choose, open_sign_in, sign_in, wait_for

pytestmark = pytest.mark.e2e


def test_a_managers_trends_page_sends_no_student(app, page, shots, frames):
    open_sign_in(page, app.url)
    sign_in(page, "manager")
    wait_for(page.get_by_role("heading", name="Trends", exact=True))
    wait_for(page.get_by_role("heading", name="1. Vaste contactmomenten"))
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    wait_for(page.get_by_text(re.compile(r"Berekend om \d\d:\d\d: ")))
    shots("trends")

    filters = page.locator('[data-testid="stExpander"]').filter(has_text="Filters")
    choose(filters, "stMultiSelect", "Locatie", "Rotterdam Zuid")
    wait_for(page.get_by_role("heading", name="6. Uitval naast de afstemming"))
    choose(filters, "stSelectbox", "Periode", "Schooljaar")
    wait_for(page.get_by_text("samenhangen, geen oorzaken"))
    table = page.locator('[data-testid="stExpander"]').filter(
        has=page.locator("summary", has_text="Regie en informatie per week")
    )
    table.locator("summary").click()
    wait_for(table.locator('[data-testid="stDataFrame"]'))
    shots("trends-filtered")
    page.get_by_text("samenhangen, geen oorzaken").scroll_into_view_if_needed()
    shots("trends-coordination")

    staff = " ".join(app.staff_on_sign_in)
    names = [n for n in app.student_names if n not in staff]
    received = b"".join(frames).decode("utf-8", errors="replace")
    text = page.inner_text("body") + page.content()
    assert len(names) > 250 and len(app.student_ids) > 250
    assert "Vaste contactmomenten" in received  # the frames below are the page's
    assert [n for n in names if n in text or n in received] == []
    assert [i for i in app.student_ids if i in text or i in received] == []
    assert not re.search(r"S1\d{5}", received), "something shaped like a student id was sent"
