"""`regiebord import` and `regiebord export` as a user runs them: a real subprocess, exit codes,
messages on stderr, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from command_line import run

from dashboard.codes import TABLES
from dashboard.store import open_store

DATA = Path(__file__).parent / "data" / "interchange"


def counts(db: Path) -> dict[str, int]:
    store = open_store(db)
    try:
        with store.read() as cur:
            return {
                t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in (*TABLES, "audit")
            }
    finally:
        store.close()


@pytest.fixture
def files(tmp_path) -> Path:
    folder = tmp_path / "files"
    shutil.copytree(DATA, folder)
    return folder


def test_import_then_export_exit_zero(tmp_path, files):
    db = tmp_path / "r.duckdb"
    done = run("import", "--db", str(db), *map(str, sorted(files.glob("*.csv"))))
    assert done.returncode == 0, done.stderr
    assert "Import gelukt (8 tabel(len)):" in done.stdout
    assert "contacts (contacts.csv): 3 rijen — 3 nieuw, 0 gewijzigd, 0 ongewijzigd" in done.stdout
    assert done.stderr == ""
    out = tmp_path / "out"
    done = run("export", "--db", str(db), "--out", str(out), lang="en")
    assert done.returncode == 0, done.stderr
    assert f"Wrote 8 files to {out}." in done.stdout
    done = run("export", "--db", str(db), "--out", str(out))
    assert done.stdout == f"8 bestanden geschreven naar {out}.\n"
    assert (out / "contacts.csv").read_bytes() == (DATA / "contacts.csv").read_bytes().replace(
        b",ja,", b",yes,"
    )


def test_refused_import_exits_one_with_the_report_and_writes_nothing(tmp_path, files):
    db = tmp_path / "r.duckdb"
    assert run("import", "--db", str(db), str(files / "students.csv")).returncode == 0
    before = counts(db)
    text = (files / "contacts.csv").read_text("utf-8").replace("2025-03-10", "2025-13-01")
    (files / "contacts.csv").write_text(text, encoding="utf-8")
    done = run("import", "--db", str(db), *map(str, sorted(files.glob("*.csv"))))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert "contacts.csv rij 3, kolom date: '2025-13-01' is geen datum (JJJJ-MM-DD)" in lines
    assert lines[-1] == "Import geweigerd: 1 probleem gevonden — Er is niets opgeslagen."
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert counts(db) == before


def test_missing_file_is_a_message_not_a_traceback(tmp_path):
    db = tmp_path / "r.duckdb"
    done = run("import", "--db", str(db), str(tmp_path / "students.csv"))
    assert done.returncode == 1
    assert f"{tmp_path / 'students.csv'}: bestand niet gevonden" in done.stderr
    assert "Traceback" not in done.stderr


def test_store_in_use_by_another_process_is_refused_plainly(tmp_path, files):
    db = tmp_path / "r.duckdb"
    open_store(db).close()
    holder = duckdb.connect(str(db))  # as the running app would hold it
    try:
        for args in (
            ("import", "--db", str(db), str(files / "students.csv")),
            ("export", "--db", str(db), "--out", str(tmp_path / "out")),
        ):
            done = run(*args)
            assert done.returncode == 1, args
            assert "is in gebruik door een ander programma" in done.stderr
            assert "Er is niets opgeslagen." in done.stderr
            assert "Traceback" not in done.stderr
    finally:
        holder.close()
    assert not (tmp_path / "out").exists()
    assert counts(db)["students"] == 0
