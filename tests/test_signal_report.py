"""`regiebord flags` (dashboard/signals/report.py): DuckDB makes the report, and its bytes are
those of the plain Python way (evaluate, sort, csv / json), which is kept here as the
reference; the command imports none of the heavy libraries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from factories import World, days, healthy_student

from dashboard import signals
from dashboard.demo import generate
from dashboard.security import access
from dashboard.signals.report import REPORT_COLUMNS, _literal

ROOT = Path(__file__).resolve().parents[1]
T = dt.date(2025, 3, 3)
# Ids are free text (docs/interchange.md): commas, quotes and line ends must be written the way
# csv.writer writes them, and the order is that of Python's string comparison.
ODD_IDS = ["S,1", 'S"2', "S\n3", "S\r4", "Ü5", "s6", " S7 ", "S8'", "S\\9", "S\t10", "é11", "S12"]


def reference_report(store, as_of: dt.date, fmt: str) -> str:
    """The report as it was made before DuckDB made it: row by row in Python."""
    rows = [
        {
            "code": r.code,
            "severity": r.severity,
            "student_id": r.student_id,
            "placement_id": r.placement_id or "",
            "since": r.since.isoformat(),
            "acknowledged": "yes" if r.acknowledged else "no",
        }
        for r in signals.evaluate(store, as_of).itertuples(index=False)
    ]
    rows.sort(key=lambda r: (r["student_id"], r["code"], r["placement_id"]))
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def odd_world(store) -> None:
    """Students with odd ids, each missing a start meeting (a signal with a placement, under an
    odd placement id too) and some more signals; one acknowledged."""
    world = World()
    for n, sid in enumerate(ODD_IDS):
        h = healthy_student(world, T, sid)
        h.remove(h.contact("start"))
        old, new = h.placement_id, f"P{sid}"
        for table in ("placements", "contacts", "agreements"):
            for row in getattr(world, table):
                if row.get("placement_id") == old:
                    row["placement_id"] = new
        if n % 2:  # NO_MENTOR (no placement) sorts after NO_CONSENT_RECORD (one)
            h.role("mentor")["end_date"] = T - days(1)
            h.remove(next(c for c in world.consents if c["student_id"] == sid))
        if n % 3 == 0:
            h.agreement("information")["review_on"] = T - days(3)
    world.save(store)
    signals.acknowledge(store, access.CLI_USER, "NO_MENTOR", 'S"2', None, T, "overgang", T, today=T)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_report_of_odd_ids_is_byte_identical_to_the_python_way(store, fmt):
    odd_world(store)
    made = signals.flags_report(store, access.CLI_USER, T, fmt)
    assert made == reference_report(store, T, fmt)
    assert made.count("START_MISSING") == len(ODD_IDS)
    if fmt == "csv":
        assert 'START_MISSING,high,"S""2","PS""2",' in made
        assert 'START_MISSING,high,"S\n3","PS\n3",' in made
        assert 'NO_MENTOR,high,"S""2",,2025-03-03,yes\n' in made


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_report_of_a_demo_school_is_byte_identical_to_the_python_way(store, fmt):
    today = dt.date(2026, 3, 16)
    generate(store, access.CLI_USER, students=150, seed=7, today=today)
    for day in (today, today - days(40)):
        assert signals.flags_report(store, access.CLI_USER, day, fmt) == reference_report(
            store, day, fmt
        )


def test_literals_are_typed_and_quoted():
    con = duckdb.connect()
    odd = "it's \\ 'quoted' -- not a comment"
    value = f"SELECT {_literal(odd)}, {_literal(T)}, {_literal([3, -1])}, {_literal(['a', odd])}"
    assert con.execute(value).fetchone() == (odd, T, [3, -1], ["a", odd])
    for wrong in (True, 1.5, None, dt.datetime(2025, 3, 3), {"a": 1}):
        with pytest.raises(TypeError):
            _literal(wrong)


def test_the_flags_command_imports_no_heavy_library(store):
    odd_world(store)
    store.close()
    script = (
        "import sys, io, contextlib\n"
        "from dashboard.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    assert main(['flags', '--db', {str(store.path)!r}, '--as-of', '{T}']) == 0\n"
        "assert 'START_MISSING' in out.getvalue()\n"
        "heavy = {'pandas', 'numpy', 'pyarrow', 'streamlit', 'altair', 'faker', 'pandera'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
