"""benchmarks/pg_bench.py (issue 20) at a tiny scale on the tests' PostgreSQL, so the script
cannot rot unnoticed: it runs to its end, its table has every row, no writer saw an error,
every acknowledged contact is stored and the audit chain verifies. No figure is asserted: the
benchmark reports figures, tests do not time anything."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = (
    "import into an empty PostgreSQL database, alone",
    "all signals, one day, PostgreSQL",
    "caseload data, one guide",
    "student file data, one student",
    "1 writer process, audited contact write",
    "2 writer processes, audited contact write",
    "import of all files beside 2 writers",
)


def test_the_server_mode_benchmark_reports_every_row_without_errors(pg_cluster, tmp_path):
    args = ["--students", "60", "--runs", "1", "--writers", "1,2", "--seconds", "0.5"]
    args += ["--beside-writers", "2", "--server", pg_cluster.admin_url, "--workdir", str(tmp_path)]
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "pg_bench.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    rows = [line for line in out.stdout.splitlines() if line.startswith("| ")]
    for step in STEPS:
        assert sum(row.startswith(f"| {step}") for row in rows) == 1, (step, out.stdout)
    for row in rows:
        if "writer" in row:
            assert " 0 errors" in row and "audit chain verifies" in row, row
            stored, acknowledged = re.search(
                r"([\d,]+) of ([\d,]+) (?:acknowledged|stored)", row
            ).groups()
            assert stored == acknowledged and stored != "0", row
    assert "load average at the end" in out.stdout
    assert list(tmp_path.iterdir()) == []  # the work folder is removed
