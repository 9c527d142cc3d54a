"""One writer process of benchmarks/pg_bench.py: contacts logged through the public service
`records.log_contact`, exactly as the contact form calls it, by mentors about their own
students (each writer its own share of the store's active mentor-student pairs).

    pg_writer.py --db URL --index I --of N --seconds S --stop-file PATH

It opens the store, makes one untimed write (the pool's connection, DuckDB's attachment),
prints `ready`, waits for `go` on stdin, then writes until S seconds have passed or PATH
exists, and prints one JSON line: the latency of every acknowledged write (ms, retries
included), the errors after retries, the retries, the elapsed and the CPU time. A write that fails on
something a retry may cure (the server unavailable, a conflict) is run again, up to RETRIES
times: a write is a re-runnable function. Invalid or NotFound are never retried: they mean
the benchmark asked for something wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from dashboard.errors import StoreUnavailable  # noqa: E402
from dashboard.security import access  # noqa: E402
from dashboard.store import open_store  # noqa: E402
from dashboard.students import records  # noqa: E402
from validation.forms import ContactForm  # noqa: E402

TODAY = dt.date(2026, 3, 16)  # bench.BENCH_TODAY (not imported: a writer starts lean)
SUMMARY = "pgbench "  # the start of every timed contact's summary (the warm-up's differs)
RETRIES = 3
MAX_PAIRS = 4000  # mentor-student pairs shared out over the writers


def pairs(store, index: int, of: int) -> list[tuple[str, access.User]]:
    """This writer's share of the active mentor-student pairs of active students."""
    with store.read() as cur:
        rows = cur.execute(
            f"""
            SELECT r.student_id, r.person_id FROM roles r
            JOIN students s ON s.student_id = r.student_id
            WHERE r.role = 'mentor' AND s.status = 'active' AND {access.ACTIVE_ROLE}
            ORDER BY r.student_id, r.person_id LIMIT {MAX_PAIRS}
            """,
            {"today": TODAY},
        ).fetchall()
    mine = rows[index::of] or rows[index % len(rows) :][:1]
    return [
        (sid, access.User(username=f"mentor_{pid}", kind="guide", person_id=pid))
        for sid, pid in mine
    ]


def log_contact(store, student_id: str, user: access.User, summary: str) -> str:
    form = ContactForm(
        kind="incidental",
        date=TODAY,
        channel="phone",
        participants=[user.person_id or ""],
        initiated_by=user.person_id,
        reason="absence",
        summary=summary,
    )
    return records.log_contact(store, user, student_id, form, TODAY)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--of", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--stop-file", type=Path, required=True)
    args = parser.parse_args()

    store = open_store(args.db)
    mine = pairs(store, args.index, args.of)
    log_contact(store, *mine[0], summary=f"pgbench-warm {args.index}")
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 1

    latencies: list[float] = []
    messages: list[str] = []
    errors = retries = 0
    start, cpu = time.perf_counter(), time.process_time()
    deadline = start + args.seconds
    n = 0
    while time.perf_counter() < deadline and not args.stop_file.exists():
        student_id, user = mine[n % len(mine)]
        summary = f"{SUMMARY}{args.index}.{n}"
        n += 1
        began = time.perf_counter()
        for attempt in range(RETRIES + 1):
            try:
                log_contact(store, student_id, user, summary)
                latencies.append((time.perf_counter() - began) * 1000)
                break
            except (StoreUnavailable, duckdb.Error) as exc:
                if attempt == RETRIES:
                    errors += 1
                    messages.append(f"{type(exc).__name__}: {exc}")
                else:
                    retries += 1
                    time.sleep(0.05 * (attempt + 1))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    store.close()
    print(
        json.dumps(
            {
                "latencies": latencies,
                "errors": errors,
                "messages": messages[:3],
                "retries": retries,
                "elapsed": elapsed,
                "cpu": cpu,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
