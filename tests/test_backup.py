"""`regiebord backup` and `regiebord restore` on real DuckDB files: a restored store exports
byte-identical to the original, nothing is overwritten without --force, a file that is not a
store is refused, the backup is audited (and holds its own event), and a store held by
another process is reported plainly with nothing written."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from command_line import run

from dashboard import backups, demo, interchange
from dashboard.errors import Invalid, NotAllowed
from dashboard.security.access import CLI_USER, User
from dashboard.security.audit import verify_chain
from dashboard.store import open_store

T = dt.date(2025, 10, 1)


def run_in_english(*args: str) -> subprocess.CompletedProcess:
    return run(*args, lang="en")


@pytest.fixture
def original(tmp_path) -> Path:
    """A closed demo store on disk."""
    path = tmp_path / "original.duckdb"
    store = open_store(path)
    try:
        demo.generate(store, CLI_USER, students=20, seed=3, today=T)
    finally:
        store.close()
    return path


def _export(path: Path, out: Path) -> dict[str, bytes]:
    store = open_store(path)
    try:
        files = interchange.export_all(store, CLI_USER, out)
    finally:
        store.close()
    return {f.name: f.read_bytes() for f in files}


def _backup(db: Path, out: Path, force: bool = False) -> dict[str, int]:
    store = open_store(db)
    try:
        return backups.backup(store, CLI_USER, out, force=force)
    finally:
        store.close()


def test_a_restored_backup_exports_byte_identical(original, tmp_path):
    counts = _backup(original, tmp_path / "backup.duckdb")
    assert counts["students"] == 20
    version = backups.restore(CLI_USER, tmp_path / "backup.duckdb", tmp_path / "restored.duckdb")
    restored = open_store(tmp_path / "restored.duckdb", read_only=True)
    assert version == restored.schema_version()
    restored.close()
    before = _export(original, tmp_path / "export_original")
    after = _export(tmp_path / "restored.duckdb", tmp_path / "export_restored")
    assert before == after
    assert sum(len(b) for b in before.values()) > 10_000  # the demo data really is there
    assert not (tmp_path / "backup.duckdb.wal").exists()
    assert sorted(p.name for p in tmp_path.glob(".*.part*")) == []


def test_the_backup_is_audited_and_holds_its_own_event(original, tmp_path):
    out = tmp_path / "backup.duckdb"
    counts = _backup(original, out)
    for path in (original, out):
        store = open_store(path, read_only=True)
        try:
            with store.read() as cur:
                rows = cur.execute(
                    "SELECT actor, entity, new_value, detail FROM audit WHERE action = 'backup'"
                ).fetchall()
                assert verify_chain(cur) is None
        finally:
            store.close()
        assert len(rows) == 1
        actor, entity, new_value, detail = rows[0]
        assert (actor, entity, detail) == (CLI_USER.actor, "store", str(out))
        assert '"students": 20' in new_value and counts["students"] == 20


def test_backup_refuses_an_existing_file_unless_forced(original, tmp_path):
    out = tmp_path / "backup.duckdb"
    out.write_bytes(b"keep me")
    with pytest.raises(Invalid) as refused:
        _backup(original, out)
    assert refused.value.problems[0].key == "cli.backup.out_exists"
    assert out.read_bytes() == b"keep me"
    _backup(original, out, force=True)
    assert backups.restore(CLI_USER, out, tmp_path / "check.duckdb") > 0
    with pytest.raises(Invalid):
        _backup(original, original, force=True)  # never over the store itself


def test_restore_refuses_an_existing_store_unless_forced_and_then_replaces_it(original, tmp_path):
    _backup(original, tmp_path / "backup.duckdb")
    target = tmp_path / "target.duckdb"
    other = open_store(target)
    other.close()
    before = target.read_bytes()
    with pytest.raises(Invalid) as refused:
        backups.restore(CLI_USER, tmp_path / "backup.duckdb", target)
    assert refused.value.problems[0].key == "cli.backup.db_exists"
    assert target.read_bytes() == before
    backups.restore(CLI_USER, tmp_path / "backup.duckdb", target, force=True)
    assert _export(target, tmp_path / "a") == _export(original, tmp_path / "b")
    assert sorted(p.name for p in tmp_path.glob(".*.part*")) == []


@pytest.mark.parametrize("content", [b"not a database", None])
def test_restore_refuses_what_is_not_a_store_and_leaves_the_target(tmp_path, content):
    source = tmp_path / "source"
    if content is None:  # a DuckDB file, but not a Regiebord store
        import duckdb

        con = duckdb.connect(str(source))
        con.execute("CREATE TABLE t (x INTEGER)")
        con.close()
    else:
        source.write_bytes(content)
    target = tmp_path / "target.duckdb"
    target.write_bytes(b"untouched")
    for force in (False, True):
        with pytest.raises(Invalid) as refused:
            backups.restore(CLI_USER, source, target, force=force)
        assert refused.value.problems[0].key == "cli.backup.not_a_store"
        assert target.read_bytes() == b"untouched"


def test_an_older_backup_is_migrated_on_restore(original, tmp_path):
    _backup(original, tmp_path / "backup.duckdb")
    import duckdb

    con = duckdb.connect(str(tmp_path / "backup.duckdb"))
    latest = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    con.execute("DROP TABLE changes")  # undo migration 004 (the change feed)
    con.execute("DROP TABLE change_counter")
    for table in (
        "meetings",
        "meeting_attendees",
        "meeting_items",
        "meeting_decisions",
        "meeting_actions",
        "meeting_action_status",
    ):  # and 005 (caseload meetings)
        con.execute(f"DROP TABLE {table}")
    con.execute("DELETE FROM schema_version WHERE version >= 4")
    con.close()
    version = backups.restore(CLI_USER, tmp_path / "backup.duckdb", tmp_path / "new.duckdb")
    assert version == latest
    assert _export(tmp_path / "new.duckdb", tmp_path / "a") == _export(original, tmp_path / "b")


def test_only_admins_back_up_and_restore(original, tmp_path):
    store = open_store(original)
    try:
        with pytest.raises(NotAllowed):
            backups.backup(store, User("m", "manager"), tmp_path / "b.duckdb")
    finally:
        store.close()
    with pytest.raises(NotAllowed):
        backups.restore(User("m", "manager"), original, tmp_path / "r.duckdb")
    assert not (tmp_path / "b.duckdb").exists() and not (tmp_path / "r.duckdb").exists()


def test_the_command_line_backs_up_and_restores(original, tmp_path):
    done = run("backup", "--db", str(original), "--out", str(tmp_path / "b.duckdb"))
    assert done.returncode == 0, done.stderr
    assert "Back-up van" in done.stdout
    again = run_in_english("backup", "--db", str(original), "--out", str(tmp_path / "b.duckdb"))
    assert again.returncode == 1 and "already exists" in again.stderr
    done = run_in_english(
        "restore", "--from", str(tmp_path / "b.duckdb"), "--db", str(tmp_path / "r.duckdb")
    )
    assert done.returncode == 0, done.stderr
    again = run_in_english(
        "restore", "--from", str(tmp_path / "b.duckdb"), "--db", str(tmp_path / "r.duckdb")
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    forced = run_in_english(
        "restore",
        "--from",
        str(tmp_path / "b.duckdb"),
        "--db",
        str(tmp_path / "r.duckdb"),
        "--force",
    )
    assert forced.returncode == 0, forced.stderr
    missing = run_in_english(
        "backup", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "x")
    )
    assert missing.returncode == 1 and "no store" in missing.stderr
    assert not (tmp_path / "none.duckdb").exists() and not (tmp_path / "x").exists()


def test_a_store_held_by_another_process_is_reported_plainly(original, tmp_path):
    out = tmp_path / "backup.duckdb"
    held = open_store(original)  # the running app, as far as the command line can tell
    try:
        done = run_in_english("backup", "--db", str(original), "--out", str(out))
        assert done.returncode == 1
        assert "is in use by another program" in done.stderr
        assert "Traceback" not in done.stderr
        restore = run_in_english(
            "restore", "--from", str(original), "--db", str(tmp_path / "r.duckdb")
        )
        assert restore.returncode == 1 and "is in use by another program" in restore.stderr
    finally:
        held.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["original.duckdb"]
