"""Time the signal query for one day against 53 weekly days on an existing store, and (with
--sections) the cost of each materialized step, to find the costliest rule of the history.

Build the store once with the benchmark's generator, then probe it as often as needed:

    python -m dashboard demo --db /tmp/hist30k.duckdb --students 30000 --today 2026-03-16
    python benchmarks/history_probe.py /tmp/hist30k.duckdb [--runs 3] [--sections]

One day runs in the app's order and its rows are fetched, as signals.evaluate does; 53 days
run unordered (signal_query(ordered=False)) and counted per day and code in the query, as
`regiebord flags --counts` and the benchmark's history row do. Fetching the unordered rows
themselves hangs DuckDB 1.5.5 at 500,000 students (one day or 53: no CPU, not interruptible;
docs/performance.md, 2026-12-03 22:00), so no caller does that.

CPU is time.process_time of this process (DuckDB's threads included), wall is perf_counter;
both are the median of the runs. The machine is shared, so CPU is the steadier figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.signals.rules import evaluation_days, signal_query  # noqa: E402
from dashboard.store import open_store  # noqa: E402

TODAY = dt.date(2026, 3, 16)  # benchmarks/bench.py BENCH_TODAY
WEEKS = 53


def _time(run, runs: int) -> tuple[float, float, int]:
    cpu, wall, rows = [], [], 0
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        rows = run()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000, rows


# The history's rows counted per day and code, as signals.report.counts_report counts them.
_COUNTS = "SELECT as_of, code, count(*) FROM ({sql}) GROUP BY as_of, code"


def _query(store, days, sql_of=None):
    # One day in the app's order; a history unordered and counted, as its callers run it;
    # `sql_of` turns the query into a count of one of its parts (--sections).
    one_day = len(days) == 1
    sql, params = signal_query(store, days, ordered=one_day)
    sql = sql_of(sql) if sql_of else sql if one_day else _COUNTS.format(sql=sql)

    def run() -> int:
        with store.read() as cur:
            if one_day or sql_of:
                return cur.execute(sql, params).to_arrow_table().num_rows
            return sum(n for *_, n in cur.execute(sql, params).fetchall())

    return run


def _sections(sql: str) -> list[str]:
    """The names of the query's CTEs, in order."""
    return re.findall(r"^(\w+) AS (?:MATERIALIZED |NOT MATERIALIZED )?\($", sql, re.MULTILINE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sections", action="store_true", help="time each CTE for 53 days")
    args = parser.parse_args()
    store = open_store(args.db, read_only=True)
    days = evaluation_days(TODAY - dt.timedelta(days=7 * (WEEKS - 1)), TODAY, 7)
    one = _time(_query(store, [TODAY]), args.runs)
    many = _time(_query(store, days), args.runs)
    print(f"one day : cpu {one[0]:8.0f} ms  wall {one[1]:8.0f} ms  {one[2]:,} rows")
    print(f"53 days : cpu {many[0]:8.0f} ms  wall {many[1]:8.0f} ms  {many[2]:,} rows")
    print(f"ratio   : cpu {many[0] / one[0]:.1f}x  wall {many[1] / one[1]:.1f}x")
    if args.sections:
        sql, _ = signal_query(store, days, ordered=False)
        final = sql.rindex("\nSELECT ")
        # Each CTE's count with what it depends on (cumulative), then each rule of the two
        # rule CTEs alone: the rules' own cost is their figure less that of their inputs.
        parts = [(name, f"SELECT count(*) FROM {name}") for name in _sections(sql)]
        for cte in ("span_rule", "agreement_rule", "placement_rule", "student_rule"):
            body = re.search(rf"^{cte} AS \((.*?)^\),$", sql, re.MULTILINE | re.DOTALL)
            for rule in re.split(r"^    UNION ALL$", body.group(1), flags=re.MULTILINE):
                literal = re.search(r"'(\w+)'", rule)
                code = literal.group(1) if literal else f"({cte}: spans to days)"
                parts.append((f"  {code}", f"SELECT count(*) FROM ({rule})"))
        for name, tail in parts:
            cpu, wall, rows = _time(_query(store, days, lambda t, x=tail: t[:final] + "\n" + x), 1)
            print(f"  {name:28s} cpu {cpu:8.0f} ms  wall {wall:8.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
