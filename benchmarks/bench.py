"""Benchmark: build a store with the demo generator and report timings as Markdown.

Each step runs several times; the table gives the median and the worst run in milliseconds
and the peak resident memory of the process that did the work. Import is measured through
the real `regiebord import` command on CSV files exported from the generated store, so its
figure includes reading, validation and the transaction.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import access
from dashboard.store import open_store

BENCH_TODAY = dt.date(2026, 3, 16)


def _peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def _timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def _row_count(store) -> int:
    with store.read() as cur:
        return sum(
            cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in (
                "students",
                "staff",
                "roles",
                "placements",
                "contacts",
                "agreements",
                "consents",
                "absences",
            )
        )


def _coordinator_user(store, target: int = 300) -> access.User:
    """A care coordinator scoped to one class-sized group: the guide whose student count is
    closest to `target` (caseloads in schools are a few hundred students)."""
    with store.read() as cur:
        row = cur.execute(
            """
            SELECT person_id, count(DISTINCT student_id) AS n FROM roles
            WHERE role IN ('care_coordinator', 'class_counsellor', 'care_worker', 'mentor')
              AND start_date <= $today AND (end_date IS NULL OR end_date >= $today)
            GROUP BY person_id ORDER BY abs(n - $target), person_id LIMIT 1
            """,
            {"today": BENCH_TODAY, "target": target},
        ).fetchone()
    return access.User(username="bench", kind="care_worker", person_id=row[0], name="bench")


def _student_with_most_contacts(store) -> str:
    with store.read() as cur:
        return cur.execute(
            "SELECT student_id FROM contacts GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]


def _apptest_page(
    db: Path, page: str, user: access.User, runs: int, **query
) -> tuple[float, float]:
    from streamlit.testing.v1 import AppTest

    os.environ["REGIEBORD_DB"] = str(db)
    at = AppTest.from_file(page, default_timeout=120)
    at.session_state["user"] = user
    at.session_state["today"] = BENCH_TODAY
    for key, value in query.items():
        at.query_params[key] = value
    at.run()  # cold: fills the caches
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].message}")
    return _timed(at.run, runs)


def run(args) -> int:
    from dashboard import caseload, demo, interchange, signals, student_file

    n, runs = args.students, args.runs
    work = Path(args.workdir) / f"s{n}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rows: list[tuple[str, str, str, str]] = []

    # 1. demo generation into a fresh store
    gen_db = work / "generated.duckdb"
    store = open_store(gen_db)
    start = time.perf_counter()
    demo.generate(store, students=n, seed=1, today=BENCH_TODAY)
    gen_s = time.perf_counter() - start
    total = _row_count(store)
    rows.append(
        (
            "demo generation",
            f"{gen_s * 1000:.0f}",
            "-",
            f"{total:,} rows, {total / gen_s:,.0f} rows/s",
        )
    )
    csv_dir = work / "csv"
    interchange.export_all(store, csv_dir, actor="bench")
    store.close()

    # 2. import through the real command, into an empty store
    imp_db = work / "imported.duckdb"
    files = sorted(str(p) for p in csv_dir.glob("*.csv"))
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", "--db", str(imp_db), *files],
        capture_output=True,
        text=True,
    )
    imp_s = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return 1
    rows.append(
        (
            "import (regiebord import, CSV)",
            f"{imp_s * 1000:.0f}",
            "-",
            f"{total / imp_s:,.0f} rows/s; peak {_peak_mib(resource.RUSAGE_CHILDREN):,.0f} MiB",
        )
    )

    store = open_store(imp_db)
    admin = access.CLI_USER
    median, worst = _timed(lambda: signals.evaluate(store, BENCH_TODAY), runs)
    count = len(signals.evaluate(store, BENCH_TODAY))
    rows.append(("all signals, one day", f"{median:.0f}", f"{worst:.0f}", f"{count:,} signals"))

    coordinator = _coordinator_user(store)
    scope = len(caseload.caseload(store, coordinator, BENCH_TODAY, caseload.Filters()).students)
    median, worst = _timed(
        lambda: caseload.caseload(store, coordinator, BENCH_TODAY, caseload.Filters()), runs
    )
    rows.append(("caseload data, one guide", f"{median:.1f}", f"{worst:.1f}", f"{scope} students"))

    sid = _student_with_most_contacts(store)
    median, worst = _timed(lambda: student_file.load(store, admin, sid, BENCH_TODAY), runs)
    rows.append(("student file data, one student", f"{median:.1f}", f"{worst:.1f}", sid))
    store.close()

    if not args.skip_apptest:
        page_user = coordinator
        median, worst = _apptest_page(imp_db, "pages/caseload.py", page_user, runs)
        rows.append(
            ("caseload page, full server run (warm)", f"{median:.0f}", f"{worst:.0f}", "AppTest")
        )
        median, worst = _apptest_page(imp_db, "pages/student.py", admin, runs, student=sid)
        rows.append(
            ("student page, full server run (warm)", f"{median:.0f}", f"{worst:.0f}", "AppTest")
        )

    print(f"\n### {n:,} students ({runs} runs, as of {BENCH_TODAY})\n")
    print("| step | median ms | worst ms | notes |")
    print("|---|---:|---:|---|")
    for step, med, worst_ms, note in rows:
        print(f"| {step} | {med} | {worst_ms} | {note} |")
    print(
        f"\nPeak memory of the benchmark process: {_peak_mib():,.0f} MiB; "
        f"of the import process: {_peak_mib(resource.RUSAGE_CHILDREN):,.0f} MiB."
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--skip-apptest", action="store_true")
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
