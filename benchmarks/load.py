"""Load: many people using the app at once, in real browsers (issue 21, point 5).

    .venv/bin/python benchmarks/load.py                       # 20 sessions, at most 2 minutes
    .venv/bin/python benchmarks/load.py --sessions 5 --seconds 60 --port 8650

Builds a demo store (the app's own first-start demo: 300 students, with its demo accounts),
starts the app on it (Streamlit on 127.0.0.1 only), and drives N sessions at once from ONE
headless Chromium, each in its own browser context (no shared cookies), signing in as the
demo accounts in turn: mentor, class counsellor, care coordinator, care worker, workplace
supervisors (with and without consent), admin and manager. The sessions arrive --ramp seconds
apart (1 s: all 20 are at work from the 20th second on), each signs in, then
until the time is up: opens its list (the caseload; a workplace supervisor's student list;
a manager's start page, as a manager sees no student), opens a student's file from it, and
logs a contact there. Every action is timed from the click to the moment the app has
finished its run and shows what the action asked for; filling in the form is the user's
time and is not counted.

Reports p50/p95/max per action and every error, then stops the app and checks the store:
every contact the browser was told was saved is there, and the audit chain verifies. It also
says where the machine's CPU went during the bound: to the app server, or to the Chromium that
plays the users (on one small machine the browser is most of it; docs/performance.md).
The Playwright steps mirror tests/e2e/driver.py (its selectors are imported from there) in
Playwright's async API, which lets one process drive all sessions at the same time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from driver import BUSY, CRASHED, GRID_ROWS_JS, ROW_HEIGHT, ROW_MARKER_X, SETTLED  # noqa: E402
from playwright.async_api import Page, async_playwright, expect  # noqa: E402

from dashboard import demo  # noqa: E402
from dashboard.demo.accounts import DEMO_USERS, demo_password, ensure_demo_accounts  # noqa: E402
from dashboard.security import access  # noqa: E402
from dashboard.security.audit import verify_chain  # noqa: E402
from dashboard.store import open_store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ACCOUNTS = (
    "mentor",
    "zorgcoordinator",
    "klassenbegeleider",
    "zorgmedewerker",
    "praktijkbegeleider",
    "beheerder",
    "praktijkbegeleider2",
    "manager",
)
TARGET_P95_S = 2.0
STEP_TIMEOUT_MS = 60_000
LAST_ROUND_S = 15  # a new round starts only with this much time left
SUMMARY = "Belastingtest"  # the start of every contact this benchmark logs


@dataclass
class Results:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    contacts_saved: list[str] = field(default_factory=list)  # the labels the browser confirmed
    cut_off: int = 0  # sessions still busy when the time was up
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds used during the bound


class AppError(AssertionError):
    """The app showed an exception box instead of the page."""


async def settle(page: Page) -> None:
    """Wait until the script run is over, and fail if it crashed (driver.settle)."""
    await page.locator(SETTLED).wait_for()
    for busy in BUSY:
        await expect(page.locator(busy)).to_have_count(0)
    errors = page.locator(CRASHED)
    if await errors.count():
        raise AppError(await errors.first.inner_text())


async def shown(locator) -> None:
    await locator.first.wait_for()
    await settle(locator.page)


async def timed(results: Results, action: str, step) -> None:
    started = time.monotonic()
    await step
    results.timings[action].append(time.monotonic() - started)


async def choose(scope, testid: str, label: str, option: str | None) -> None:
    """Pick an option (containing `option`, or the first real one) in a select box or
    multiselect (driver.choose)."""
    page = scope.page
    box = scope.locator(f'[data-testid="{testid}"]').filter(has=page.get_by_text(label, exact=True))
    await box.evaluate("element => element.scrollIntoView({block: 'center'})")
    options = page.locator('[role="listbox"] [role="option"]')
    for _ in range(3):
        await box.get_by_role("button", name="Open").click()
        pick = options.filter(has_text=option) if option else options.filter(has_not_text="—")
        try:
            await pick.first.click(timeout=15_000)
            break
        except Exception:  # the list closed before the pick landed: open it again
            await page.keyboard.press("Escape")
    else:
        raise AssertionError(f"could not pick {option!r} in {label!r}")
    if testid == "stMultiSelect":
        await page.keyboard.press("Escape")


async def open_list(page: Page, link: str, heading: str | None = None) -> None:
    """Follow the menu link `link` and wait for the page's heading (the link's text unless
    given)."""
    await page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=link).first.click()
    await shown(page.get_by_role("heading", name=heading or link))


async def open_a_file(page: Page, nth: int) -> None:
    """Click a student's row in the list (the grid is a canvas: click its row marker)."""
    frame = (
        page.locator('[data-testid="stDataFrame"]')
        .filter(has=page.locator("th", has_text="Studentnummer"))
        .first
    )
    await frame.locator('td[id^="glide-cell-"]').first.wait_for(state="attached")
    rows = await frame.evaluate(GRID_ROWS_JS)
    row = nth % min(len(rows), 8)
    await frame.scroll_into_view_if_needed()
    canvases = frame.locator("canvas")
    body, header = await canvases.first.bounding_box(), await canvases.nth(1).bounding_box()
    y = body["y"] + header["height"] + ROW_HEIGHT * row + ROW_HEIGHT / 2
    await page.mouse.click(body["x"] + ROW_MARKER_X, y)
    await shown(page.get_by_role("heading", name=rows[row][1], exact=True))


async def fill_contact(page: Page, label: str):
    """Open the contact form of the file shown and fill in an incidental phone contact."""
    await page.get_by_role("tab", name="Stage en contactmomenten").click()
    # The summary alone: the form holds the checklist's own expander, whose text matches too.
    summary = page.locator('[data-testid="stExpander"] summary').filter(
        has_text="Contact vastleggen"
    )
    await summary.click()
    form = page.locator('[data-testid="stForm"]').filter(has_text="Contact opslaan")
    await form.wait_for()
    await choose(form, "stSelectbox", "Kanaal", "telefoon")
    await choose(form, "stMultiSelect", "Deelnemers (de leerling staat hier niet bij)", None)
    await choose(form, "stSelectbox", "Reden", None)
    textarea = form.locator('[data-testid="stTextArea"]').filter(
        has=page.get_by_text("Korte samenvatting", exact=True)
    )
    await textarea.locator("textarea").fill(f"{SUMMARY} {label}")
    return form


async def save_contact(page: Page, form) -> None:
    await form.get_by_role("button", name="Contact opslaan").click()
    await shown(page.get_by_text("Het contact is opgeslagen."))


async def open_app(page: Page, url: str) -> None:
    """Load the app (its page and scripts; a new server session) up to the sign-in form."""
    await page.goto(url, wait_until="commit")
    await shown(page.get_by_role("heading", name="Inloggen"))


async def sign_in(page: Page, username: str) -> None:
    form = page.locator('[data-testid="stForm"]')
    await form.get_by_label("Gebruikersnaam").fill(username)
    await form.get_by_label("Wachtwoord").fill(demo_password(username))
    await form.get_by_role("button", name="Inloggen").click()
    await shown(page.get_by_text("Ingelogd als"))


async def session(
    browser, url: str, number: int, delay: float, stop_at: float, results: Results
) -> None:
    """One person's session, from opening the app (after `delay` seconds) until the time is
    up."""
    await asyncio.sleep(delay)  # people arrive one after another, not in the same instant
    username = ACCOUNTS[number % len(ACCOUNTS)]
    kind = DEMO_USERS[username][0]
    context = await browser.new_context(viewport={"width": 1280, "height": 1600}, locale="nl-NL")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = await context.new_page()
    action = "open_app"
    try:
        await timed(results, action, open_app(page, url))
        action = "sign_in"
        await timed(results, action, sign_in(page, username))
        rounds = 0
        while time.monotonic() < stop_at - LAST_ROUND_S:
            if kind == "manager":  # sees no student: the start page, again
                action = "open_start"
                await timed(results, action, open_list(page, "Start", "Welkom bij Regiebord"))
            else:
                link = "Leerlingen" if kind == "workplace" else "Caseload"
                action = "open_list"
                await timed(results, action, open_list(page, link))
                action = "open_file"
                await timed(results, action, open_a_file(page, number + rounds))
                action = "log_contact"
                label = f"{number}.{rounds}"
                form = await fill_contact(page, label)
                await timed(results, action, save_contact(page, form))
                results.contacts_saved.append(label)
            rounds += 1
    except asyncio.CancelledError:
        results.cut_off += 1
        raise
    except Exception as exc:  # every error is reported, with who and where
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        results.errors.append(f"session {number} ({username}), {action}: {first_line}")
    finally:
        await context.close()


async def warm_up(browser, url: str) -> None:
    """Open the app once, untimed: a running server has its page code compiled and the day's
    signals computed before the morning's first user comes (the bound starts after this)."""
    context = await browser.new_context()
    await open_app(await context.new_page(), url)
    await context.close()


def machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine has spent busy and in all, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick


def process_cpu(pid: int | str) -> float:
    """CPU seconds process `pid` has used (user and system)."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def chromium_cpu(seen: dict[str, float]) -> None:
    """Records the CPU seconds each running Chromium process has used so far in `seen`."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if Path(f"/proc/{pid}/comm").read_text().startswith(("chromium", "chrome_")):
                seen[pid] = process_cpu(pid)
        except OSError:
            continue  # a process that ended between the listing and the read


async def sample_chromium(seen: dict[str, float], every: float = 1.0) -> None:
    """chromium_cpu every `every` seconds until cancelled: a context's processes are gone once
    it closes, so up to `every` seconds of each are not counted."""
    while True:
        chromium_cpu(seen)
        await asyncio.sleep(every)


async def drive(
    url: str, sessions: int, seconds: float, ramp: float, results: Results, server_pid: int
) -> None:
    async with async_playwright() as playwright:
        expect.set_options(timeout=STEP_TIMEOUT_MS)
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await warm_up(browser, url)
            # Where the machine's CPU goes: the app server, or the browser that plays the users.
            (busy, whole), server, own = machine_cpu(), process_cpu(server_pid), os.times()
            before: dict[str, float] = {}
            chromium_cpu(before)
            chromium: dict[str, float] = {}
            sampler = asyncio.create_task(sample_chromium(chromium))
            stop_at = time.monotonic() + seconds
            runs = [session(browser, url, n, n * ramp, stop_at, results) for n in range(sessions)]
            try:
                await asyncio.wait_for(asyncio.gather(*runs), timeout=seconds)
            except TimeoutError:
                pass  # the bound: sessions still busy are counted as cut off
            sampler.cancel()
            chromium_cpu(chromium)
            (busy_end, whole_end), now = machine_cpu(), os.times()
            results.cpu = {
                "available": whole_end - whole,
                "busy": busy_end - busy,
                "app server": process_cpu(server_pid) - server,
                "Chromium": sum(cpu - before.get(pid, 0.0) for pid, cpu in chromium.items()),
                "this driver": (now.user + now.system) - (own.user + own.system),
            }
        finally:
            await browser.close()


# -- the app -----------------------------------------------------------------------------------


def prepare(path: Path, students: int) -> None:
    store = open_store(path)
    try:
        demo.generate(store, access.CLI_USER, students=students, seed=1)
        ensure_demo_accounts(store)
    finally:
        store.close()


def start_app(path: Path, port: int, log: Path) -> subprocess.Popen:
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
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, "REGIEBORD_DB": str(path)}
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"Streamlit stopped at start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as answer:
                if answer.read().decode().strip() == "ok":
                    return server
        except OSError:
            time.sleep(0.5)  # polling a server that is starting
    server.kill()
    raise SystemExit("Streamlit did not start within 120 s")


def stop_app(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def store_check(path: Path) -> tuple[set[str], int | None]:
    """The labels of the contacts this benchmark logged that are in the store, and where the
    audit chain breaks (None: it verifies)."""
    store = open_store(path, read_only=True)
    try:
        with store.read() as cur:
            found = cur.execute(
                "SELECT summary FROM contacts WHERE summary LIKE ?", [f"{SUMMARY} %"]
            ).fetchall()
            return {summary.removeprefix(f"{SUMMARY} ") for (summary,) in found}, verify_chain(cur)
    finally:
        store.close()


# -- the report --------------------------------------------------------------------------------


def percentile(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def report(args, results: Results, stored: set[str], chain: int | None) -> str:
    lines = [
        f"Load: {args.sessions} sessions at once (arriving {args.ramp:g} s apart), "
        f"{args.students} students, "
        f"at most {args.seconds:.0f} s, {dt.datetime.now():%Y-%m-%d %H:%M} "
        f"(load average at the end {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)",
        "",
        "| action | count | p50 | p95 | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for action, values in results.timings.items():
        lines.append(
            f"| {action} | {len(values)} | {statistics.median(values):.2f} s "
            f"| {percentile(values, 95):.2f} s | {max(values):.2f} s |"
        )
    worst = max((percentile(v, 95) for v in results.timings.values()), default=0.0)
    lines += [
        "",
        f"errors: {len(results.errors)}; sessions cut off at the bound: {results.cut_off}; "
        f"worst p95 {worst:.2f} s (target {TARGET_P95_S:.0f} s)",
        *[f"- {error}" for error in results.errors],
        f"store: {len(stored)} contacts stored, {len(results.contacts_saved)} confirmed in the "
        f"browser, {len(missing(results, stored))} of those missing; audit chain "
        f"{'verifies' if chain is None else f'breaks at row {chain}'}",
    ]
    if results.cpu:
        cpu = results.cpu
        rest = cpu["busy"] - cpu["app server"] - cpu["Chromium"] - cpu["this driver"]
        lines.append(
            f"CPU during the bound: {cpu['busy']:.0f} s busy of {cpu['available']:.0f} s; "
            f"app server {cpu['app server']:.0f} s, Chromium {cpu['Chromium']:.0f} s, "
            f"this script {cpu['this driver']:.0f} s, the rest {rest:.0f} s"
        )
    return "\n".join(lines)


def missing(results: Results, stored: set[str]) -> list[str]:
    """The contacts the browser was told were saved that the store does not hold."""
    return [label for label in results.contacts_saved if label not in stored]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0, help="the bound of the run")
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--port", type=int, default=8650)
    parser.add_argument(
        "--ramp", type=float, default=1.0, help="seconds between two sessions' arrival"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="regiebord-load-") as folder:
        path = Path(folder) / "regiebord.duckdb"
        prepare(path, args.students)
        server = start_app(path, args.port, Path(folder) / "streamlit.log")
        results = Results()
        try:
            asyncio.run(
                drive(
                    f"http://127.0.0.1:{args.port}",
                    args.sessions,
                    args.seconds,
                    args.ramp,
                    results,
                    server.pid,
                )
            )
        finally:
            stop_app(server)
        stored, chain = store_check(path)
    print(report(args, results, stored, chain))
    ok = not results.errors and not missing(results, stored) and chain is None
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
