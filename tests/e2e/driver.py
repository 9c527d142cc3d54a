"""Helpers that drive a Streamlit page in Playwright: wait for reruns, read and click
st.dataframe grids, pick options, sign in and out, and number the screenshots of a journey.

Streamlit reruns the script asynchronously after every interaction, so an action is always
followed by waiting for a text the new run produces and then for the run to finish (`settle`),
never by sleeping.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# Generous: the machine that runs these is shared and slow.
STEP_TIMEOUT_MS = 60_000
# st.dataframe's default row height in pixels (the grid is drawn on a canvas).
ROW_HEIGHT = 35
ROW_MARKER_X = 15  # the selection checkbox column at the left of a selectable grid
PICK_ATTEMPTS = 3
PICK_TIMEOUT_MS = 15_000  # an open list shows its options at once; this is for a slow machine
SUBMIT_ATTEMPTS = 2
SUBMIT_TIMEOUT_MS = 30_000

# What `settle` waits for, shared with benchmarks/load.py (which drives the async API).
SETTLED = (
    '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
    '[data-test-script-state="notRunning"]'
)
BUSY = ('[data-testid="stStatusWidget"]', '[data-testid="stSkeleton"]')  # gone when settled
CRASHED = '[data-testid="stException"]'
# The texts of the rows a grid has drawn (its accessible table; the grid itself is a canvas).
GRID_ROWS_JS = (
    "g => [...g.querySelectorAll('tbody tr')]"
    ".map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent))"
)


class AppError(AssertionError):
    """The app showed an exception box instead of the page."""


def settle(page: Page, timeout: int = STEP_TIMEOUT_MS) -> None:
    """Wait until the script run is over ("Running..." gone) and fail if it crashed."""
    page.locator(SETTLED).wait_for(timeout=timeout)
    # The status widget, and the placeholders of widgets and grids that load their code lazily.
    for busy in BUSY:
        expect(page.locator(busy)).to_have_count(0, timeout=timeout)
    errors = page.locator(CRASHED)
    if errors.count():
        raise AppError(f"The app crashed on {page.url}: {errors.first.inner_text()}")


def wait_for(locator: Locator, timeout: int = STEP_TIMEOUT_MS) -> None:
    """Wait for `locator` to show, then for the run that made it to finish."""
    locator.first.wait_for(timeout=timeout)
    settle(locator.page, timeout)


def grid(page: Page, header: str, timeout: int = STEP_TIMEOUT_MS) -> Locator:
    """The st.dataframe that shows a column `header`, pinned by its position on the page:
    the grid draws only the columns in view, so a filter on headers would lose it."""
    frames = page.locator('[data-testid="stDataFrame"]')
    frames.filter(has=page.locator("th", has_text=header)).first.wait_for(
        state="attached", timeout=timeout
    )
    index = frames.evaluate_all(
        "(all, header) => all.findIndex(g => [...g.querySelectorAll('th')]"
        ".some(th => th.textContent.includes(header)))",
        header,
    )
    return frames.nth(index)


def grid_rows(frame: Locator, timeout: int = STEP_TIMEOUT_MS) -> list[list[str]]:
    """The texts of the rows a grid has drawn, from its accessible table (the grid itself is a
    canvas). Only the rows and columns in view are there; filter long tables first."""
    frame.scroll_into_view_if_needed(timeout=timeout)
    frame.locator('td[id^="glide-cell-"]').first.wait_for(state="attached", timeout=timeout)
    return frame.evaluate(GRID_ROWS_JS)


def rows_of_grids(page: Page, header: str) -> list[list[str]]:
    """The drawn rows of every grid that shows a column `header` (its first column)."""
    frames = page.locator('[data-testid="stDataFrame"]').filter(
        has=page.locator("th", has_text=header)
    )
    frames.first.wait_for(state="attached")
    return [row for i in range(frames.count()) for row in grid_rows(frames.nth(i))]


def click_row(frame: Locator, row: int) -> None:
    """Tick the selection checkbox of data row `row` (0-based) of a selectable grid."""
    frame.scroll_into_view_if_needed()
    canvases = frame.locator("canvas")
    body, header = canvases.first.bounding_box(), canvases.nth(1).bounding_box()
    y = body["y"] + header["height"] + ROW_HEIGHT * row + ROW_HEIGHT / 2
    frame.page.mouse.click(body["x"] + ROW_MARKER_X, y)


def field(scope: Locator, testid: str, label: str) -> Locator:
    """The widget of kind `testid` (stSelectbox, stMultiSelect, ...) labelled exactly `label`."""
    return scope.locator(f'[data-testid="{testid}"]').filter(
        has=scope.page.get_by_text(label, exact=True)
    )


def choose(scope: Locator, testid: str, label: str, *options: str) -> None:
    """Pick the options whose text contains each of `options` in a select box or multiselect.

    Now and then the list does not open, or closes before the pick lands (the page is still
    drawing); then the pick is tried again, a bounded number of times.
    """
    page = scope.page
    box = field(scope, testid, label)
    # In the middle of the window, so the list has room to open (at the bottom edge it won't).
    box.evaluate("element => element.scrollIntoView({block: 'center'})")
    listbox = page.locator('[role="listbox"]')
    for option in options:
        for _ in range(PICK_ATTEMPTS):
            box.get_by_role("button", name="Open").click()
            try:
                listbox.locator('[role="option"]').filter(has_text=option).first.click(
                    timeout=PICK_TIMEOUT_MS
                )
                break
            except PlaywrightTimeoutError:
                page.keyboard.press("Escape")
        else:
            raise AssertionError(f"Could not pick {option!r} in {label!r}")
        if testid == "stMultiSelect":
            page.keyboard.press("Escape")  # its list stays open after a pick
            expect(box).to_contain_text(option)
        else:
            expect(box.locator("input")).to_have_value(re.compile(re.escape(option)))
        expect(listbox).to_have_count(0)


def submit_text(page: Page, label: str, text: str, button: str) -> None:
    """Type `text` into the field `label`, press `button` and wait until the page shows it.

    Under load a press is now and then lost (seen once in CI on the meeting's decision: no
    decision and no message within a minute); the text is then typed and pressed again, a
    bounded number of times. A new message the app shows instead (a refusal) fails at once.
    """
    box = page.get_by_label(label, exact=True)
    shown = page.get_by_text(text)
    alerts = page.get_by_role("alert")  # st.error and st.warning (the demo banner is one)
    before = set(alerts.all_inner_texts())
    for _ in range(SUBMIT_ATTEMPTS):
        box.fill(text)
        expect(box).to_have_value(text)
        page.get_by_role("button", name=button).click()
        try:
            shown.first.wait_for(timeout=SUBMIT_TIMEOUT_MS)
            break
        except PlaywrightTimeoutError:
            settle(page)
            refusals = [a for a in alerts.all_inner_texts() if a not in before]
            if refusals:
                raise AssertionError(f"{button!r} was refused: {refusals}") from None
    else:
        raise AssertionError(f"{text!r} did not show after {SUBMIT_ATTEMPTS} presses")
    settle(page)


def demo_accounts(page: Page) -> dict[str, str]:
    """The demo accounts listed on the sign-in page: user name -> password."""
    rows = grid_rows(grid(page, "Gebruikersnaam"))
    return {row[0]: row[1] for row in rows}


def open_sign_in(page: Page, url: str) -> None:
    page.goto(url)
    wait_for(page.get_by_role("heading", name="Inloggen"))


def sign_in(page: Page, username: str) -> None:
    """Sign in with a demo account, reading its password from the sign-in page."""
    wait_for(grid(page, "Gebruikersnaam"))
    password = demo_accounts(page)[username]
    form = page.locator('[data-testid="stForm"]')
    form.get_by_label("Gebruikersnaam").fill(username)
    form.get_by_label("Wachtwoord").fill(password)
    form.get_by_role("button", name="Inloggen").click()
    wait_for(page.get_by_text("Ingelogd als"))


def sign_out(page: Page) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Uitloggen").click()
    wait_for(page.get_by_text("U bent uitgelogd."))


def nav_links(page: Page) -> list[str]:
    return page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()


class Shots:
    """Screenshots of one journey: <folder>/01-<step>.png, 02-<step>.png, ..."""

    def __init__(self, page: Page, folder: Path):
        self.page, self.folder, self.count = page, folder, 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def __call__(self, step: str, focus: Locator | None = None) -> Path:
        if focus is not None:
            focus.first.scroll_into_view_if_needed()
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=path)
        return path
