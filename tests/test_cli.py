"""The `regiebord` command itself: it starts without the heavy libraries, and it speaks Dutch
unless REGIEBORD_LANG=en asks for English (every text comes from the catalogues)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "streamlit", "altair", "faker", "pandera")


def python(code: str, lang: str = "nl", *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "REGIEBORD_LANG": lang},
        timeout=300,
    )


def test_starting_the_command_line_loads_no_heavy_library():
    """Importing the CLI and building its parser (what every command, `flags` too, does
    before it runs) loads none of pandas, streamlit, altair, faker, pandera."""
    done = python(
        "import sys, dashboard.cli\n"
        "dashboard.cli.build_parser()\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "lang, ready, usage_help",
    [
        ("nl", "is klaar (schemaversie", "toon de signalen van één dag"),
        ("en", "is ready (schema version", "print the signals for one day"),
    ],
)
def test_messages_and_help_in_the_chosen_language(tmp_path, lang, ready, usage_help):
    done = python("", lang, "-m", "dashboard", "init", "--db", str(tmp_path / "r.duckdb"))
    assert done.returncode == 0, done.stderr
    assert ready in done.stdout
    assert usage_help in python("", lang, "-m", "dashboard", "--help").stdout
    bad = python("", lang, "-m", "dashboard", "flags", "--as-of", "gisteren")
    assert bad.returncode == 2
    assert {"nl": "is geen datum", "en": "is not a date"}[lang] in bad.stderr


def test_a_refusal_is_dutch_by_default_and_english_on_request(tmp_path):
    db = str(tmp_path / "r.duckdb")
    args = ("-m", "dashboard", "demo", "--db", db, "--students", "0")
    nl, en = python("", "nl", *args), python("", "en", *args)
    assert nl.returncode == en.returncode == 1
    assert nl.stderr.splitlines() == [
        "--students moet tussen 1 en 899999 liggen, niet 0.",
        "1 probleem(en) gevonden — Er is niets opgeslagen.",
    ]
    assert en.stderr.splitlines() == [
        "--students must be between 1 and 899999, not 0.",
        "1 problem(s) found — Nothing was written.",
    ]


def test_user_commands_take_db_before_or_after_the_action(tmp_path):
    """The README writes `regiebord user list --db PATH`; `user --db PATH list` works too."""
    from dashboard.cli import build_parser

    after = build_parser().parse_args(["user", "list", "--db", str(tmp_path / "a.duckdb")])
    before = build_parser().parse_args(["user", "--db", str(tmp_path / "b.duckdb"), "list"])
    assert after.db == tmp_path / "a.duckdb" and before.db == tmp_path / "b.duckdb"
    assert build_parser().parse_args(["user", "reset", "x"]).db is None  # the default follows
