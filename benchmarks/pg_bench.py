"""Benchmark of server mode (issue 20): PostgreSQL as the store, figures as a Markdown table.

    .venv/bin/python benchmarks/pg_bench.py --students 30000       # school scale
    .venv/bin/python benchmarks/pg_bench.py --students 500000      # sector scale (takes long)

It starts its own throw-away cluster (scripts/pg_cluster.sh on a free port of
REGIEBORD_TEST_PG_PORTS) WITH fsync on, as a real server runs (the tests' clusters run
without), or uses a running server given with --server (a URL it may create databases from;
the tests do that). It fills it the real way: `regiebord demo` into a file, `regiebord export`,
`regiebord import --db postgresql://...`. Then:

- writers: 1, 4 and 16 processes, each writing contacts through the public service
  `records.log_contact` as the contact form calls it (a mentor about their own student: access
  check, validation, one transaction with its audit event and change-feed entry), for
  --seconds each; p50/p95/p99 and commits/s over all writes, errors after retries, and after
  each row every acknowledged contact is stored and the audit chain verifies;
- reads: bench.py's own workers (all signals of one day, the caseload data of the busiest
  guide, the student file of the student with the most contacts) on the PostgreSQL store and,
  for reference, on a file store imported from the same files;
- the import beside 16 writers: a copy of the store with its contacts emptied (as if the
  contacts were the day's news), and the whole export imported into it while 16 writers write
  to it (the contacts are then new rows, the other tables unchanged): rows/s, and the
  writers' errors.

Stops the cluster it started (by its pid) and removes its folder and the work folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench  # noqa: E402 (after the paths above): its build steps and read workers
import pg_writer  # noqa: E402

from dashboard.codes import TABLES  # noqa: E402

SCRIPT = ROOT / "scripts" / "pg_cluster.sh"
WRITER_P95_TARGET_MS = 100  # at 16 writers
SIGNALS_FACTOR = 2  # all signals on PostgreSQL at most this times the file's
CASELOAD_TARGET_MS = 150
STUDENT_FILE_TARGET_MS = 100
IMPORT_TARGET_ROWS_S = 100_000


# -- the server ------------------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


# the cluster takes the first port of these it can bind
PORTS = os.environ.get("REGIEBORD_TEST_PG_PORTS", "55450-55459")


class Server:
    """The benchmark's PostgreSQL: a cluster it starts (fsync on), or one it was given."""

    def __init__(self, given: str | None):
        self.folder: Path | None = None
        self.created: list[str] = []
        if given:
            self.admin_url = given
            return
        self.folder = Path(tempfile.mkdtemp(prefix="regiebord-pgbench-"))
        self.folder.chmod(0o755)  # the cluster belongs to the `postgres` user when we are root
        out = subprocess.run(
            ["bash", str(SCRIPT), "start", str(self.folder / "data"), PORTS],
            capture_output=True,
            text=True,
            env={**os.environ, "REGIEBORD_PG_FSYNC": "on"},
            check=False,
        )
        if out.returncode != 0:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise RuntimeError(f"the cluster did not start:\n{out.stderr[-2000:]}")
        self.admin_url = out.stdout.strip().splitlines()[-1]

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute(sql)

    def database(self, name: str, template: str | None = None) -> str:
        """A new database (dropped at the end), empty or a copy of `template`'s; its URL."""
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        copy = f" TEMPLATE {urlsplit(template).path.lstrip('/')}" if template else ""
        self._admin(f"CREATE DATABASE {name}{copy}")
        self.created.append(name)
        return _with_database(self.admin_url, name)

    def execute(self, url: str, sql: str) -> None:
        import psycopg

        with psycopg.connect(url, autocommit=True) as con:
            con.execute(sql)

    def setting(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.admin_url) as con:
            return str(con.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]

    def stop(self) -> None:
        if self.folder is not None:
            stop = ["bash", str(SCRIPT), "stop", str(self.folder / "data")]
            if subprocess.run(stop, check=False).returncode == 0:
                shutil.rmtree(self.folder, ignore_errors=True)
            else:  # never remove the folder of a server that still runs
                print(f"PostgreSQL in {self.folder} did not stop: left there", file=sys.stderr)
            return
        for name in self.created:
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# -- the writer rows -------------------------------------------------------------------------------


def _start_writers(url: str, n: int, seconds: float, stop_file: Path) -> list[subprocess.Popen]:
    """`n` writer processes, each opened and warmed (one untimed write) and waiting for 'go'."""
    procs = [
        subprocess.Popen(
            [sys.executable, pg_writer.__file__, "--db", url, "--index", str(i), "--of", str(n)]
            + ["--seconds", str(seconds), "--stop-file", str(stop_file)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(n)
    ]
    for p in procs:  # each says "ready" once its warm-up write is done
        line = p.stdout.readline().strip()  # type: ignore[union-attr]
        if line != "ready":
            raise RuntimeError(f"a writer did not start: {line!r}")
    return procs


def _go(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.stdin.write("go\n")  # type: ignore[union-attr]
        p.stdin.flush()  # type: ignore[union-attr]


def _collect(procs: list[subprocess.Popen]) -> dict:
    results = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"a writer failed ({p.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    latencies = sorted(x for r in results for x in r["latencies"])
    return {
        "latencies": latencies,
        "written": sum(len(r["latencies"]) for r in results),
        "errors": sum(r["errors"] for r in results),
        "messages": [m for r in results for m in r["messages"]][:3],
        "retries": sum(r["retries"] for r in results),
        "window": max(r["elapsed"] for r in results),
        "cpu": sum(r["cpu"] for r in results),
    }


def _percentile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile `q` (0-100) of sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def _check_store(url: str) -> tuple[int, int | None]:
    """How many benchmark contacts the store holds, and where its audit chain breaks (None)."""
    from dashboard.security import audit
    from dashboard.store import open_store

    store = open_store(url, read_only=True)
    try:
        with store.read() as cur:
            stored = cur.execute(
                f"SELECT count(*) FROM contacts WHERE summary LIKE '{pg_writer.SUMMARY}%'"
            ).fetchone()[0]
            return int(stored), audit.verify_chain(cur)
    finally:
        store.close()


def _cpu_per_write(result: dict) -> str:
    return _ms(result["cpu"] * 1000 / result["written"]) if result["written"] else "-"


# -- the table -------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return bench._ms(value)


class Table:
    def __init__(self) -> None:
        self.rows: list[str] = []

    def add(self, step, p50, p95, p99, worst, rate, target, ok, note) -> None:
        cells = [step, *(_ms(v) if v is not None else "-" for v in (p50, p95, p99, worst))]
        cells += [rate, target, bench._verdict(ok), note]
        self.rows.append("| " + " | ".join(cells) + " |")

    def markdown(self) -> str:
        head = (
            "| step | median (p50) ms | p95 ms | p99 ms | worst ms | rate | target | met | notes |"
        )
        return "\n".join([head, "|---|---:|---:|---:|---:|---:|---|---|---|", *self.rows])


def _writers_row(table: Table, n: int, result: dict, stored: int, expected: int, broken) -> None:
    lat = result["latencies"]
    p95 = _percentile(lat, 95)
    whole = stored == expected and broken is None
    ok = result["errors"] == 0 and whole and (n != 16 or p95 <= WRITER_P95_TARGET_MS)
    target = "0 errors, chain verifies" + (f", p95 <= {WRITER_P95_TARGET_MS} ms" if n == 16 else "")
    note = (
        f"{result['written']:,} writes in {result['window']:.1f} s, {result['errors']} errors"
        f" ({result['retries']} retries); {stored:,} of {expected:,} acknowledged contacts stored;"
        f" audit chain {'verifies' if broken is None else f'BREAKS at row {broken}'};"
        f" {_cpu_per_write(result)} ms of the writers' own CPU per write"
    )
    if result["messages"]:
        note += "; first error: " + result["messages"][0][:200]
    table.add(
        f"{n} writer process{'es' if n > 1 else ''}, audited contact write",
        _percentile(lat, 50),
        p95,
        _percentile(lat, 99),
        lat[-1] if lat else None,
        f"{result['written'] / result['window']:,.0f} commits/s",
        target,
        ok,
        note,
    )


# -- the run ---------------------------------------------------------------------------------------


def run(args) -> int:
    n, runs = args.students, args.runs
    started = time.perf_counter()

    def log(text: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {text}", file=sys.stderr, flush=True)

    work = Path(tempfile.mkdtemp(prefix="regiebord-pgbench-work-", dir=args.workdir))
    server = Server(args.server)
    table = Table()
    today = bench.BENCH_TODAY.isoformat()
    try:
        fsync = server.setting("fsync")
        log(f"PostgreSQL {server.setting('server_version')}, fsync={fsync}")

        # 1. the data, the real way: demo into a file, export, import (file and PostgreSQL)
        gen_db = work / "generated.duckdb"
        seconds, _, _ = bench._run_child(
            bench._regiebord("demo", "--db", str(gen_db), "--students", str(n), "--today", today),
            "regiebord demo",
        )
        total = sum(bench._row_counts(gen_db).values())
        log(f"demo: {seconds:.1f} s, {total:,} rows")
        csv_dir = work / "csv"
        bench._run_child(
            bench._regiebord("export", "--db", str(gen_db), "--out", str(csv_dir)), "export"
        )
        gen_db.unlink()
        files = [str(csv_dir / f"{t}.csv") for t in TABLES]
        file_db = work / "imported.duckdb"
        file_s, _, _ = bench._run_child(
            bench._regiebord("import", "--db", str(file_db), *files), "import (file)"
        )
        log(f"import into the file: {file_s:.1f} s")
        url = server.database(f"rb_bench_{os.getpid()}")
        pg_s, peak, _ = bench._run_child(
            bench._regiebord("import", "--db", url, *files), "import (PostgreSQL)"
        )
        log(f"import into PostgreSQL: {pg_s:.1f} s")
        table.add(
            "import into an empty PostgreSQL database, alone (`regiebord import --db`)",
            pg_s * 1000,
            None,
            None,
            None,
            f"{total / pg_s:,.0f} rows/s",
            "- (for scale)",
            None,
            f"{total:,} rows; the same files into a DuckDB file: {total / file_s:,.0f} rows/s;"
            f" peak {peak:,.0f} MiB",
        )

        # 2. reads: bench.py's workers, on the file for reference and on PostgreSQL
        reads = [
            ("all signals, one day", "signals"),
            ("caseload data, one guide (busiest, up to 300 students)", "caseload"),
            ("student file data, one student (most contacts, by their mentor)", "student_file"),
        ]
        for step, key in reads:
            ref = bench._worker(key, file_db, runs)
            res = bench._worker(key, url, runs)
            ref_ms, ms = statistics.median(ref["samples"]), statistics.median(res["samples"])
            log(f"{key}: file {ref_ms:.1f} ms, PostgreSQL {ms:.1f} ms")
            if key == "signals":
                limit, target = SIGNALS_FACTOR * ref_ms, f"<= {SIGNALS_FACTOR} x file"
            else:
                limit = CASELOAD_TARGET_MS if key == "caseload" else STUDENT_FILE_TARGET_MS
                target = f"<= {limit} ms"
            table.add(
                f"{step}, PostgreSQL",
                ms,
                None,
                None,
                max(res["samples"]),
                "-",
                target + (f" ({limit:,.0f} ms)" if key == "signals" else ""),
                ms <= limit,
                f"{res['note']}; the file: median {_ms(ref_ms)} ms ({ref['note']});"
                f" {ms / ref_ms:.1f} x the file",
            )

        # 3. writers: 1, 4, 16 processes through the contact service
        expected = 0
        for count in args.writers:
            stop_file = work / f"stop-{count}"
            procs = _start_writers(url, count, args.seconds, stop_file)
            _go(procs)
            result = _collect(procs)
            expected += result["written"]
            stored, broken = _check_store(url)
            log(
                f"{count} writers: {result['written']} writes, p95"
                f" {_percentile(result['latencies'], 95):.1f} ms, {result['errors']} errors"
            )
            _writers_row(table, count, result, stored, expected, broken)

        # 4. the import beside the writers, into a copy of the store without its contacts
        side = server.database(f"rb_bench_side_{os.getpid()}", template=url)
        server.execute(side, "TRUNCATE contacts")
        stop_file = work / "stop-import"
        procs = _start_writers(side, args.beside_writers, 24 * 3600, stop_file)
        _go(procs)
        time.sleep(1)  # the writers in their stride
        imp_s, _, _ = bench._run_child(bench._regiebord("import", "--db", side, *files), "import")
        time.sleep(1)
        stop_file.touch()
        result = _collect(procs)
        stored, broken = _check_store(side)
        rate = total / imp_s
        lat = result["latencies"]
        whole = stored == result["written"] and broken is None
        log(f"import beside writers: {imp_s:.1f} s, writers {result['errors']} errors")
        table.add(
            f"import of all files beside {args.beside_writers} writers",
            imp_s * 1000,
            None,
            None,
            None,
            f"{rate:,.0f} rows/s",
            f">= {IMPORT_TARGET_ROWS_S:,} rows/s, writers 0 errors",
            rate >= IMPORT_TARGET_ROWS_S and result["errors"] == 0 and whole,
            f"{total:,} rows, the contacts new, the rest unchanged; writers: {result['written']:,}"
            f" writes, {result['errors']} errors ({result['retries']} retries), p50"
            f" {_ms(_percentile(lat, 50))} ms, worst {_ms(lat[-1]) if lat else '-'} ms;"
            f" {stored:,} of {result['written']:,} stored; audit chain"
            f" {'verifies' if broken is None else f'BREAKS at row {broken}'}",
        )
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n### Server mode on PostgreSQL: {n:,} students ({total:,} rows), as of {today}\n")
    print(
        f"PostgreSQL with fsync={fsync}; {runs} runs per read step, writers {args.seconds:g} s"
        f" per row; {os.cpu_count()} cores; load average at the end {os.getloadavg()[0]:.1f}.\n"
    )
    print(table.markdown())
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30000)
    parser.add_argument("--runs", type=int, default=5, help="runs per read step")
    parser.add_argument(
        "--writers",
        type=lambda text: [int(x) for x in text.split(",")],
        default=[1, 4, 16],
        help="writer processes per row, comma-separated",
    )
    parser.add_argument("--seconds", type=float, default=10, help="writing time per writer row")
    parser.add_argument(
        "--beside-writers", type=int, default=16, help="writer processes beside the import"
    )
    parser.add_argument("--server", help="a running server's URL to create databases from")
    parser.add_argument("--workdir", type=Path, default=None, help="for the data (default /tmp)")
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
