"""`regiebord flags --counts` as docs/flags.md writes it ("Counts over time"), run as a user runs
it: the counts of a day equal what `regiebord flags --as-of` that day lists, in CSV and JSON,
and wrong arguments get a plain usage message in the chosen language."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections import Counter

import pytest
from command_line import run
from factories import days
from test_signals_reference import BASE, random_world

from dashboard import signals
from dashboard.security import access
from dashboard.store import open_store

FIRST, LAST, EVERY = BASE + days(30), BASE + days(100), 10


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("counts") / "school.duckdb"
    store = open_store(path)
    random_world(random.Random(23), 60, "c").save(store)
    # Two acknowledgements made on FIRST + 20, one of them running out on FIRST + 25.
    day = FIRST + days(20)
    found = signals.evaluate(store, day)
    for row, until in zip(found.head(2).itertuples(), (day + days(5), day + days(60)), strict=True):
        signals.acknowledge(
            store, access.CLI_USER, row.code, row.student_id, row.placement_id, row.since,
            "bewust", until, today=day,
        )  # fmt: skip
    store.close()
    return str(path)


def _ok(*args: str) -> str:
    done = run("flags", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _listed_counts(db: str, day: dt.date) -> list[dict]:
    """The counts of one day made from `regiebord flags --as-of` (the list)."""
    rows = list(csv.DictReader(io.StringIO(_ok("--db", db, "--as-of", day.isoformat()))))
    counted = Counter((r["code"], r["severity"], r["acknowledged"]) for r in rows)
    pairs = sorted({(code, severity) for code, severity, _ in counted})
    return [
        {
            "day": day.isoformat(),
            "code": code,
            "severity": severity,
            "open": str(counted[(code, severity, "no")]),
            "acknowledged": str(counted[(code, severity, "yes")]),
        }
        for code, severity in pairs
    ]


def test_counts_over_a_range_equal_the_lists_of_each_day(db):
    text = _ok(
        "--db", db, "--from", FIRST.isoformat(), "--to", LAST.isoformat(),
        "--every", str(EVERY), "--counts",
    )  # fmt: skip
    assert text.startswith("day,code,severity,open,acknowledged\n")
    got = list(csv.DictReader(io.StringIO(text)))
    evaluated = [FIRST + days(i) for i in range(0, (LAST - FIRST).days + 1, EVERY)]
    assert sorted({r["day"] for r in got}) == [d.isoformat() for d in evaluated]
    assert got == [row for day in evaluated for row in _listed_counts(db, day)]
    assert sum(int(r["acknowledged"]) for r in got) >= 2  # the acknowledgements count
    assert all(int(r["open"]) + int(r["acknowledged"]) > 0 for r in got)


def test_json_and_the_one_day_version(db):
    csv_rows = list(
        csv.DictReader(
            io.StringIO(
                _ok("--db", db, "--from", FIRST.isoformat(), "--to", LAST.isoformat(), "--counts")
            )
        )  # fmt: skip
    )
    objects = json.loads(
        _ok(
            "--db",
            db,
            "--from",
            FIRST.isoformat(),
            "--to",
            LAST.isoformat(),
            "--counts",
            "--format",
            "json",
        )  # fmt: skip
    )
    assert objects == [
        {**r, "open": int(r["open"]), "acknowledged": int(r["acknowledged"])} for r in csv_rows
    ]
    day = FIRST + days(21)  # the default step is 7 days
    one = list(csv.DictReader(io.StringIO(_ok("--db", db, "--as-of", day.isoformat(), "--counts"))))
    assert one == [r for r in csv_rows if r["day"] == day.isoformat()] == _listed_counts(db, day)
    assert any(r["acknowledged"] != "0" for r in one)


def test_an_acknowledgement_counts_from_the_day_it_was_made(db):
    made = FIRST + days(20)
    before = _ok("--db", db, "--as-of", (made - days(1)).isoformat(), "--counts")
    on = _ok("--db", db, "--as-of", made.isoformat(), "--counts")
    after_end = _ok("--db", db, "--as-of", (made + days(6)).isoformat(), "--counts")

    def acknowledged(text: str) -> int:
        return sum(int(r["acknowledged"]) for r in csv.DictReader(io.StringIO(text)))

    assert (acknowledged(before), acknowledged(on)) == (0, 2)
    assert acknowledged(after_end) <= 1  # the first one ran out on made + 5


@pytest.mark.parametrize(
    ("args", "nl", "en"),
    [
        (["--from", "2025-03-01", "--to", "2025-02-01", "--counts"],
         "--to (2025-02-01) ligt vóór --from (2025-03-01)",
         "--to (2025-02-01) is before --from (2025-03-01)"),
        (["--from", "2025-01-01", "--to", "2025-02-01", "--every", "0", "--counts"],
         "--every moet minstens 1 zijn, niet 0", "--every must be at least 1, not 0"),
        (["--from", "2025-01-01", "--to", "2025-02-01"],
         "voeg --counts toe", "add --counts"),
        (["--from", "2025-01-01", "--counts"],
         "--from en --to horen bij elkaar", "--from and --to go together"),
        (["--every", "3", "--counts"],
         "--every hoort bij --from en --to", "--every goes with --from and --to"),
        (["--as-of", "2025-01-01", "--from", "2025-01-01", "--to", "2025-02-01", "--counts"],
         "gebruik --as-of óf --from en --to", "use --as-of or --from and --to"),
        (["--from", "2020-01-01", "--to", "2025-02-01", "--every", "1", "--counts"],
         "kies een kortere periode", "choose a shorter period"),
        (["--from", "2025-13-01", "--to", "2025-02-01", "--counts"],
         "'2025-13-01' is geen datum", "'2025-13-01' is not a date"),
    ],
)  # fmt: skip
def test_wrong_arguments_are_usage_errors_in_the_chosen_language(tmp_path, args, nl, en):
    for lang, message in (("nl", nl), ("en", en)):
        done = run("flags", "--db", str(tmp_path / "none.duckdb"), *args, lang=lang)
        assert done.returncode == 2, done.stderr
        assert message in done.stderr and "Traceback" not in done.stderr
        assert done.stdout == ""
    assert not (tmp_path / "none.duckdb").exists()  # refused before opening a store
