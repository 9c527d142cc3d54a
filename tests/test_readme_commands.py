"""Every command line the README's table shows runs as written (issue 21, finding 10: the
README's own `user add --db PATH` form was refused once). Each form in the table has a
concrete command line here, in the order a person would try them; a form added to the README
without one fails the first test."""

from __future__ import annotations

import io
import re
from pathlib import Path

from dashboard import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_forms() -> list[str]:
    """The command forms of the README's command table, as they read there."""
    found = re.findall(r"^\| `(regiebord [^`]+)` \|", README.read_text(encoding="utf-8"), re.M)
    return [form.replace("\\|", "|") for form in found]


def concrete(tmp: Path) -> dict[str, list[list[str]]]:
    """Per README form, the command lines (argv after `regiebord`) that try it."""
    db, copy, out = str(tmp / "a.duckdb"), str(tmp / "b.duckdb"), str(tmp / "out")
    backup, restored = str(tmp / "backup.duckdb"), str(tmp / "restored.duckdb")
    files = [str(tmp / "out" / f"{t}.csv") for t in ("students", "staff", "roles")]
    return {
        "regiebord init --db PATH": [["init", "--db", db]],
        "regiebord demo --db PATH [--students N] [--seed S]": [
            ["demo", "--db", db, "--students", "30", "--seed", "2"]
        ],
        "regiebord export --db PATH --out DIR": [["export", "--db", db, "--out", out]],
        "regiebord import --db PATH FILE...": [["import", "--db", copy, *files]],
        "regiebord backup --db PATH --out FILE [--force]": [
            ["backup", "--db", db, "--out", backup],
            ["backup", "--db", db, "--out", backup, "--force"],
        ],
        "regiebord restore --from FILE --db NEW [--force]": [
            ["restore", "--from", backup, "--db", restored],
            ["restore", "--from", backup, "--db", restored, "--force"],
        ],
        "regiebord flags --db PATH [--as-of YYYY-MM-DD] [--format csv|json]": [
            ["flags", "--db", db],
            ["flags", "--db", db, "--as-of", "2026-03-16", "--format", "json"],
        ],
        "regiebord flags --db PATH --from D1 --to D2 [--every N] --counts [--format csv|json]": [
            ["flags", "--db", db, "--from", "2026-01-05", "--to", "2026-03-16", "--counts"],
            ["flags", "--db", db, "--from", "2026-01-05", "--to", "2026-03-16", "--every", "14"]
            + ["--counts", "--format", "json"],
        ],
        "regiebord user add|disable|reset|list --db PATH": [
            ["user", "add", "--db", db, "--kind", "manager", "--password-stdin", "lisa"],
            ["user", "reset", "--db", db, "--password-stdin", "lisa"],
            ["user", "disable", "--db", db, "lisa"],
            ["user", "list", "--db", db],
        ],
    }


def test_every_form_in_the_readme_has_a_command_line_here(tmp_path):
    assert sorted(readme_forms()) == sorted(concrete(tmp_path))


def test_every_command_line_of_the_readme_runs_as_written(tmp_path, monkeypatch, capsys):
    for form, lines in concrete(tmp_path).items():
        for argv in lines:
            monkeypatch.setattr("sys.stdin", io.StringIO("een-lang-wachtwoord-2026\n"))
            code = cli.main(argv)
            said = capsys.readouterr()
            assert code == 0, (form, argv, said.err)
