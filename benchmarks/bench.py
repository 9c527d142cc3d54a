"""Benchmark: build a store with the demo generator and report timings as a Markdown table.

    .venv/bin/python benchmarks/bench.py --students 30000      # school scale
    .venv/bin/python benchmarks/bench.py --students 500000     # sector scale (takes long)

Every step runs in its own child process, so the peak resident memory reported for a step is
that process's own (os.wait4). Build steps go through the real command line: `regiebord demo`
into a fresh store, `regiebord export` to CSV, and `regiebord import` of those CSV files into
an empty store, so the import figure includes reading, every validation and the transaction.
The read steps then run on the imported store (data as a school would load it): all signals
of one day, all signals of 53 weekly days in one pass (the history behind `regiebord flags
--counts` and the trends page's signals over time), the caseload data of the guide with the largest caseload, the student file data of
the student with the most contacts (opened by their mentor), the trends data of a manager of
the whole school, and the full server-side run of the caseload, student and trends pages
with Streamlit's AppTest, warm (one run first to fill caches). `regiebord flags --format csv`
for the whole school is timed as a whole process (start-up, the query and the output), as a
school's script runs it.

Each read step runs --runs times; the table gives the median and the worst run. Build steps
run --build-runs times (default 3 up to 100,000 students, else 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.codes import TABLES  # noqa: E402 (after the path above)
from dashboard.store import db_target  # noqa: E402

BENCH_TODAY = dt.date(2026, 3, 16)
# Targets on the 2-core machine (docs/performance.md): (school scale, sector scale) in ms.
TARGETS_MS = {
    "signals": (500, 5000),
    "history": (1500, None),  # sector scale: at most HISTORY_FACTOR times one day's signals
    "flags_command": (600, 6000),
    "caseload": (100, None),
    "student_file": (50, None),
    "trends": (1000, 10000),
    "caseload_page": (300, None),
    "student_page": (300, None),
    "trends_page": (300, None),
    "meeting_agenda": (200, 200),
    "meeting_page": (300, 300),
}
HISTORY_WEEKS = 53
HISTORY_FACTOR = 3
SECTOR_STUDENTS = 500_000
PEAK_TARGET_MIB = 4096
IMPORT_TARGET_ROWS_S = 100_000


# -- child processes ---------------------------------------------------------------------------


def _run_child(args: list[str], what: str) -> tuple[float, float, str]:
    """Run a child process; its wall time in seconds, its peak RSS in MiB, and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # reaped here, with the child's own usage
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{what} failed ({proc.returncode}):\n{err.read()[-3000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def _regiebord(*args: str) -> list[str]:
    return [sys.executable, "-m", "dashboard", *args]


def _worker(name: str, db: Path | str, runs: int) -> dict:
    _, peak, out = _run_child(
        [sys.executable, __file__, "--worker", name, "--db", str(db), "--runs", str(runs)], name
    )
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "peak": peak}


# -- what the workers measure --------------------------------------------------------------------


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _cold_then_warm(fn: Callable[[], object], runs: int) -> tuple[float, object, list[float]]:
    """The first (cold) call's time in ms and result, then `runs` timed warm calls."""
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result, _timed(fn, runs)


def _busiest_guide(store):
    """A care coordinator account for the person holding active roles (not parent) for the
    most students, up to about 300 (a caseload in a school is a few hundred students)."""
    from dashboard.security import access

    with store.read() as cur:
        person_id, n = cur.execute(
            f"""
            SELECT person_id, count(DISTINCT student_id) AS n FROM roles r
            WHERE role <> 'parent' AND {access.ACTIVE_ROLE}
            GROUP BY person_id ORDER BY n <= 300 DESC, abs(n - 300), person_id LIMIT 1
            """,
            {"today": BENCH_TODAY},
        ).fetchone()
    return access.User(username="bench", kind="care_coordinator", person_id=person_id), n


def _busiest_student(store):
    """The student with the most contacts, and a user who opens their file: an active mentor
    (a guide account), else an admin."""
    from dashboard.security import access

    with store.read() as cur:
        sid = cur.execute(
            "SELECT student_id FROM contacts GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]
        mentor = cur.execute(
            "SELECT min(person_id) FROM roles r WHERE student_id = $sid AND role = 'mentor'"
            f" AND {access.ACTIVE_ROLE}",
            {"sid": sid, "today": BENCH_TODAY},
        ).fetchone()[0]
    if mentor is None:
        return sid, access.CLI_USER
    return sid, access.User(username="bench_mentor", kind="guide", person_id=mentor)


def _work_signals(store, runs: int) -> dict:
    from dashboard import signals

    samples = _timed(lambda: signals.evaluate(store, BENCH_TODAY), runs)
    return {"samples": samples, "note": f"{len(signals.evaluate(store, BENCH_TODAY)):,} signals"}


def _work_history(store, runs: int) -> dict:
    """All signals of 53 weekly days up to the benchmark day, in one pass, counted per day and
    code as `regiebord flags --from --to --counts` prints them."""
    from dashboard import signals
    from dashboard.security.access import CLI_USER

    first = BENCH_TODAY - dt.timedelta(days=7 * (HISTORY_WEEKS - 1))
    weeks = [first + dt.timedelta(days=7 * i) for i in range(HISTORY_WEEKS)]
    samples = _timed(lambda: signals.counts_report(store, CLI_USER, weeks), runs)
    text = signals.counts_report(store, CLI_USER, weeks)
    total = sum(int(line.split(",")[3]) + int(line.split(",")[4]) for line in text.splitlines()[1:])
    return {"samples": samples, "note": f"{len(weeks)} days, {total:,} signals in all"}


def _work_caseload(store, runs: int) -> dict:
    from dashboard.signals import caseload

    user, _ = _busiest_guide(store)

    def load():
        return caseload.caseload(store, user, BENCH_TODAY, caseload.CaseloadFilters(), "nl")

    # the cold call fills the day cache (signals of every student)
    cold, result, samples = _cold_then_warm(load, runs)
    note = (
        f"{len(result.students)} students, {len(result.signals)} signals;"
        f" first call of the day {cold:,.0f} ms"
    )
    return {"samples": samples, "note": note}


def _work_location(store, runs: int) -> dict:
    """A care coordinator's unfiltered caseload: every student of one location."""
    from dashboard.security import access
    from dashboard.signals import caseload

    with store.read() as cur:
        location = cur.execute(
            "SELECT location FROM students GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]
    user = access.User(username="bench", kind="care_coordinator", locations=(location,))

    def load():
        return caseload.caseload(store, user, BENCH_TODAY, caseload.CaseloadFilters(), "nl")

    cold, result, samples = _cold_then_warm(load, runs)
    note = f"{len(result.students):,} students of {location}; first call {cold:,.0f} ms"
    return {"samples": samples, "note": note}


def _work_student_file(store, runs: int) -> dict:
    from dashboard.students import student_file

    sid, user = _busiest_student(store)

    def load():
        return student_file.load(store, user, sid, BENCH_TODAY, "nl")

    cold, f, samples = _cold_then_warm(load, runs)
    note = (
        f"{sid} ({user.kind}): {len(f.contacts)} contacts, {len(f.signals)} open signals;"
        f" first call of the day {cold:,.0f} ms"
    )
    return {"samples": samples, "note": note}


def _work_trends(store, runs: int) -> dict:
    """The trends data of a manager without locations: every student of the store."""
    from dashboard import trends
    from dashboard.security import access

    user = access.User(username="bench_manager", kind="manager")

    def load():
        return trends.trends(store, user, BENCH_TODAY, trends.TrendFilters())

    cold, result, samples = _cold_then_warm(load, runs)
    last = result.contacts.iloc[-1]
    note = (
        f"{len(result.contacts)} months; {int(last['active_students']):,} active students and"
        f" {int(last['contacts']):,} contacts in the last; first call {cold:,.0f} ms"
    )
    return {"samples": samples, "note": note}


def _page_runs(
    db: Path, page: str, user, runs: int, state: dict | None = None, **query
) -> list[float]:
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest, app_test, local_script_runner

    from dashboard.app import runtime

    # AppTest compiles the page script afresh on every run (both modules make their own
    # ScriptCache); a server compiles it once and keeps the bytecode. Share one cache between
    # runs, as the server does.
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    os.environ["REGIEBORD_DB"] = str(db)
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=600)
    at.session_state["user"] = user
    at.session_state["today"] = BENCH_TODAY
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in query.items():
        at.query_params[key] = value
    at.run()  # cold: fills the caches
    for thread in threading.enumerate():  # a server warms its day cache once, at start
        if thread.name == runtime.WARM_THREAD:
            thread.join()
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].message}")
    samples = _timed(at.run, runs)
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].message}")
    return samples


def _work_caseload_page(store, runs: int) -> dict:
    user, n = _busiest_guide(store)
    path = store.path
    store.close()  # the page opens the store itself
    return {"samples": _page_runs(path, "caseload.py", user, runs), "note": f"{n} students"}


def _work_student_page(store, runs: int) -> dict:
    """A click inside an open file (the page's redraw, served from its cache); the opening
    of the file (a fresh, audited read) in the note."""
    from dashboard.app import session

    sid, user = _busiest_student(store)
    path = store.path
    store.close()
    redraw = {session.ARRIVED: False}
    openings = _page_runs(path, "student.py", user, runs, student=sid)
    return {
        "samples": _page_runs(path, "student.py", user, runs, state=redraw, student=sid),
        "note": f"{sid} ({user.kind}); opening the file {statistics.median(openings):,.0f} ms",
    }


def _work_trends_page(store, runs: int) -> dict:
    """The trends page of a manager of the whole school, its default view (the 12 months up
    to the day), warm: the server has warmed it after the import as it does the day cache."""
    from dashboard.security import access

    user = access.User(username="bench_manager", kind="manager")
    path = store.path
    store.close()
    return {"samples": _page_runs(path, "trends.py", user, runs), "note": "whole school"}


def _work_meeting_agenda(store, runs: int) -> dict:
    """The proposed agenda of a meeting about the caseload of the guide with the largest one
    (about 300 students), prepared by a care coordinator; warm (the day cache filled)."""
    from dashboard.meetings import prepare
    from dashboard.meetings.model import CaseloadChoice

    user, n = _busiest_guide(store)
    choice = CaseloadChoice("guide", user.person_id)

    def load():
        return prepare.propose_agenda(store, user, choice, BENCH_TODAY, 600, BENCH_TODAY)

    cold, result, samples = _cold_then_warm(load, runs)
    note = f"{n} students, {len(result)} proposed; first call of the day {cold:,.0f} ms"
    return {"samples": samples, "note": note}


def _work_meeting_page(store, runs: int) -> dict:
    """The meeting page with one student's run screen (and the agenda and minutes tabs) of a
    meeting prepared about the busiest guide's caseload. Writes that meeting into the store."""
    from dashboard.meetings import prepare
    from dashboard.meetings.model import CaseloadChoice, MeetingForm

    user, n = _busiest_guide(store)
    choice = CaseloadChoice("guide", user.person_id)
    form = MeetingForm(BENCH_TODAY, "internal", choice, 60, ((user.person_id, "voorzitter"),))
    meeting_id = prepare.create_meeting(store, user, form, BENCH_TODAY)
    path = store.path
    store.close()
    samples = _page_runs(path, "meetings.py", user, runs, state={"meeting.current": meeting_id})
    return {"samples": samples, "note": f"{n} students in the caseload, 12 on the agenda"}


WORKERS = {
    "signals": _work_signals,
    "history": _work_history,
    "caseload": _work_caseload,
    "location": _work_location,
    "student_file": _work_student_file,
    "trends": _work_trends,
    "caseload_page": _work_caseload_page,
    "student_page": _work_student_page,
    "trends_page": _work_trends_page,
    "meeting_agenda": _work_meeting_agenda,
    "meeting_page": _work_meeting_page,
}


def worker_main(name: str, db: Path | str, runs: int) -> int:
    from dashboard.store import open_store

    store = open_store(db)
    result = WORKERS[name](store, runs)
    print(json.dumps(result))
    return 0


def _flags_command(db: Path, runs: int) -> dict:
    """`regiebord flags --format csv` for the whole school, each run a process of its own."""
    args = _regiebord("flags", "--db", str(db), "--as-of", BENCH_TODAY.isoformat())
    samples, peaks = [], []
    for _ in range(runs):
        seconds, peak, out = _run_child([*args, "--format", "csv"], "regiebord flags")
        samples.append(seconds * 1000)
        peaks.append(peak)
    note = f"{out.count(chr(10)) - 1:,} signals, {len(out.encode()):,} bytes"
    return {"samples": samples, "peak": max(peaks), "note": note}


# -- the report ----------------------------------------------------------------------------------


def _row_counts(db: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("yes" if ok else "**no**")


class Report:
    def __init__(self, sector: bool):
        self.sector = sector
        self.rows: list[tuple[str, str, str, str, str, str, str]] = []

    def add(self, step, samples_ms, peak, target, ok, note):
        median = _ms(statistics.median(samples_ms)) if samples_ms else "-"
        worst = _ms(max(samples_ms)) if samples_ms else "-"
        self.rows.append((step, median, worst, f"{peak:,.0f}", target, _verdict(ok), note))

    def add_read(self, step, key, result):
        samples, peak = result["samples"], result["peak"]
        limit = TARGETS_MS.get(key, (None, None))[1 if self.sector else 0]
        checks = []
        if limit is not None:
            checks.append(statistics.median(samples) <= limit)
        if self.sector:
            checks.append(peak <= PEAK_TARGET_MIB)
        target = " and ".join(
            ([f"<= {limit:,} ms"] if limit is not None else [])
            + ([f"peak <= {PEAK_TARGET_MIB:,} MiB"] if self.sector else [])
        )
        self.add(
            step, samples, peak, target or "-", all(checks) if checks else None, result["note"]
        )

    def add_history(self, result, one_day_ms: float) -> None:
        """The history row: at school scale its own limit; at sector scale at most
        HISTORY_FACTOR times one day's evaluation (measured just before); peak as always."""
        if not self.sector:
            self.add_read(f"all signals, history of {HISTORY_WEEKS} weekly days", "history", result)
            self.rows[-1] = (
                *self.rows[-1][:6],
                self.rows[-1][6] + f"; one day {one_day_ms:,.0f} ms",
            )
            return
        median, peak = statistics.median(result["samples"]), result["peak"]
        limit = HISTORY_FACTOR * one_day_ms
        self.add(
            f"all signals, history of {HISTORY_WEEKS} weekly days",
            result["samples"],
            peak,
            f"<= {HISTORY_FACTOR} x one day ({limit:,.0f} ms) and peak <= {PEAK_TARGET_MIB:,} MiB",
            median <= limit and peak <= PEAK_TARGET_MIB,
            result["note"] + f"; one day {one_day_ms:,.0f} ms",
        )

    def markdown(self) -> str:
        lines = [
            "| step | median ms | worst ms | peak MiB | target | met | notes |",
            "|---|---:|---:|---:|---|---|---|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def run(args) -> int:
    n, runs = args.students, args.runs
    build_runs = args.build_runs or (3 if n <= 100_000 else 1)
    sector = n >= SECTOR_STUDENTS
    work = Path(args.workdir).resolve() / f"s{n}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    report = Report(sector)
    peak_target = f"peak <= {PEAK_TARGET_MIB:,} MiB" if sector else "-"
    today = BENCH_TODAY.isoformat()
    started = time.perf_counter()

    def log(text: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {text}", file=sys.stderr, flush=True)

    # 1. demo generation into a fresh store (the last one is kept)
    gen_db = work / "generated.duckdb"
    times, peaks = [], []
    for i in range(build_runs):
        for path in (gen_db, gen_db.with_suffix(".duckdb.wal")):
            path.unlink(missing_ok=True)
        seconds, peak, _ = _run_child(
            _regiebord("demo", "--db", str(gen_db), "--students", str(n), "--today", today),
            "regiebord demo",
        )
        times.append(seconds * 1000)
        peaks.append(peak)
        log(f"demo generation {i + 1}/{build_runs}: {seconds:.1f} s, peak {peak:,.0f} MiB")
    counts = _row_counts(gen_db)
    total = sum(counts.values())
    rate = total / (statistics.median(times) / 1000)
    report.add(
        "demo generation (`regiebord demo`)",
        times,
        max(peaks),
        peak_target,
        (max(peaks) <= PEAK_TARGET_MIB) if sector else None,
        f"{total:,} rows ({counts['contacts']:,} contacts), {rate:,.0f} rows/s",
    )

    # 2. export to CSV, then import through the real command into an empty store
    csv_dir = work / "csv"
    seconds, peak, _ = _run_child(
        _regiebord("export", "--db", str(gen_db), "--out", str(csv_dir)), "regiebord export"
    )
    log(f"export: {seconds:.1f} s, peak {peak:,.0f} MiB")
    report.add(
        "export to CSV (`regiebord export`)",
        [seconds * 1000],
        peak,
        peak_target,
        (peak <= PEAK_TARGET_MIB) if sector else None,
        f"{total / seconds:,.0f} rows/s",
    )
    files = [str(csv_dir / f"{t}.csv") for t in TABLES]
    imp_db = work / "imported.duckdb"
    times, peaks = [], []
    for i in range(build_runs):
        for path in (imp_db, imp_db.with_suffix(".duckdb.wal")):
            path.unlink(missing_ok=True)
        seconds, peak, _ = _run_child(
            _regiebord("import", "--db", str(imp_db), *files), "regiebord import"
        )
        times.append(seconds * 1000)
        peaks.append(peak)
        log(f"import {i + 1}/{build_runs}: {seconds:.1f} s, peak {peak:,.0f} MiB")
    rate = total / (statistics.median(times) / 1000)
    slowest = total / (max(times) / 1000)
    ok = rate >= IMPORT_TARGET_ROWS_S and (not sector or max(peaks) <= PEAK_TARGET_MIB)
    report.add(
        "import of the CSV files (`regiebord import`)",
        times,
        max(peaks),
        f">= {IMPORT_TARGET_ROWS_S:,} rows/s"
        + (f", peak <= {PEAK_TARGET_MIB:,} MiB" if sector else ""),
        ok if sector else rate >= IMPORT_TARGET_ROWS_S,
        f"{rate:,.0f} rows/s median, {slowest:,.0f} rows/s slowest",
    )
    if not args.keep_generated:
        gen_db.unlink(missing_ok=True)

    # 3. reads on the imported store
    reads = [
        ("all signals, one day", "signals"),
        ("caseload data, one guide", "caseload"),
        ("caseload data, care coordinator of one location (no target)", "location"),
        ("student file data, one student", "student_file"),
        ("trends data, one manager (whole school)", "trends"),
        ("proposed meeting agenda, a 300-student caseload (warm)", "meeting_agenda"),
    ]
    if not args.skip_apptest:
        reads += [
            ("caseload page, full server run (AppTest, warm)", "caseload_page"),
            ("student page, full server run (AppTest, warm)", "student_page"),
            ("trends page, full server run (AppTest, warm)", "trends_page"),
            # last: it writes a meeting into the store
            ("meeting page, one student's screen, full server run (AppTest, warm)", "meeting_page"),
        ]
    for step, key in reads:
        if key == "location" and args.skip_location:
            continue
        result = _worker(key, imp_db, runs)
        log(f"{key}: median {statistics.median(result['samples']):.1f} ms")
        report.add_read(step, key, result)
        if key == "signals":
            one_day = statistics.median(result["samples"])
            history = _worker("history", imp_db, runs)
            log(f"history: median {statistics.median(history['samples']):.1f} ms")
            report.add_history(history, one_day)
            result = _flags_command(imp_db, runs)
            log(f"flags command: median {statistics.median(result['samples']):.1f} ms")
            report.add_read(
                "`regiebord flags --format csv`, whole process", "flags_command", result
            )

    print(f"\n### {n:,} students ({total:,} rows), as of {BENCH_TODAY}\n")
    print(
        f"{runs} runs per read step, {build_runs} per build step; "
        f"{os.cpu_count()} cores; load average at the end {os.getloadavg()[0]:.1f}.\n"
    )
    print(report.markdown())
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30000)
    parser.add_argument("--runs", type=int, default=5, help="runs per read step")
    parser.add_argument("--build-runs", type=int, default=None, help="runs per build step")
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--skip-apptest", action="store_true")
    parser.add_argument("--skip-location", action="store_true")
    parser.add_argument("--keep-generated", action="store_true")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    # a DuckDB file or a postgresql:// URL (benchmarks/pg_bench.py runs these workers there)
    parser.add_argument("--db", type=db_target, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args.worker, args.db, args.runs)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
