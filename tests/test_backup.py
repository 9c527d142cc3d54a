"""`regiebord backup` and `regiebord restore` on real DuckDB files: a restored store exports
byte-identical to the original, nothing is overwritten without --force, a file that is not a
store is refused, the backup and the restore are audited (the backup holds its own event),
and a store held by another process is reported plainly with nothing written, pointing to the
app's own backups. Then those: due once a day after the admin's hour, made in the folder set,
the newest few kept, consistent while sessions write, restoring to the same export."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
from pathlib import Path

import pytest
import service_writes as sw
import student_world as w
from command_line import run

from dashboard import backups, interchange, settings
from dashboard.errors import Invalid, NotAllowed
from dashboard.security import audit
from dashboard.security.access import CLI_USER, User
from dashboard.security.audit import verify_chain
from dashboard.store import open_store


def run_in_english(*args: str) -> subprocess.CompletedProcess:
    return run(*args, lang="en")


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
    con.execute("DROP TABLE sign_in_throttle")  # undo the latest migration, 007
    con.execute("DELETE FROM schema_version WHERE version = ?", [latest])
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
        assert "it makes its own backup every day" in done.stderr  # the app's, in its place
        assert "Traceback" not in done.stderr
        restore = run_in_english(
            "restore", "--from", str(original), "--db", str(tmp_path / "r.duckdb")
        )
        assert restore.returncode == 1 and "is in use by another program" in restore.stderr
    finally:
        held.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["original.duckdb"]


def test_a_restore_is_audited_in_the_restored_store(original, tmp_path):
    _backup(original, tmp_path / "backup.duckdb")
    version = backups.restore(CLI_USER, tmp_path / "backup.duckdb", tmp_path / "r.duckdb")
    restored = open_store(tmp_path / "r.duckdb", read_only=True)
    try:
        with restored.read() as cur:
            last = audit.search(cur, limit=2)
            assert verify_chain(cur) is None
    finally:
        restored.close()
    assert [e["action"] for e in last] == ["restore", "backup"]
    assert (last[0]["actor"], last[0]["detail"]) == (
        CLI_USER.actor,
        str(tmp_path / "backup.duckdb"),
    )
    assert json.loads(last[0]["new_value"]) == {"schema_version": version}


# -- the app's scheduled backups ---------------------------------------------------------------

NOW = dt.datetime(2026, 12, 3, 15, 0)


@pytest.mark.parametrize(
    "newest, now, hour, due",
    [
        (None, NOW, 2, True),  # never made one
        (dt.datetime(2026, 12, 3, 2, 0), NOW, 2, False),  # today's, at the hour
        (dt.datetime(2026, 12, 2, 2, 5), NOW, 2, True),  # yesterday's: today's is due
        (dt.datetime(2026, 12, 2, 23, 0), NOW, 23, False),  # 23:00 today has not come yet
        (dt.datetime(2026, 12, 2, 22, 0), NOW, 23, True),  # and yesterday's 23:00 was missed
        (dt.datetime(2026, 12, 3, 14, 59), NOW, 15, True),  # the hour has just struck
    ],
)
def test_a_backup_is_due_once_per_day_after_its_hour(newest, now, hour, due):
    assert backups.is_due(newest, now, hour) is due


def test_the_scheduled_backup_is_made_once_a_day_restores_identically_and_keeps_the_newest(
    original, tmp_path
):
    store = open_store(original)
    try:
        settings.save(store, CLI_USER, {"backup_hour": 2, "backup_keep": 2})
        first = backups.run_scheduled(store, NOW)
        assert first is not None and first.parent == tmp_path / "backups"
        assert backups.run_scheduled(store, NOW + dt.timedelta(hours=3)) is None  # made today
        (tmp_path / "backups" / "notes.txt").write_text("not ours")
        for day in (1, 2, 3):
            assert backups.run_scheduled(store, NOW + dt.timedelta(days=day)) is not None
        kept = backups.listed(store, CLI_USER)
        with store.read() as cur:
            actors = cur.execute("SELECT actor FROM audit WHERE action = 'backup'").fetchall()
    finally:
        store.close()
    assert [b.made_at for b in kept] == [NOW + dt.timedelta(days=d) for d in (3, 2)]
    assert all(b.size > 0 for b in kept) and kept[0].age(NOW + dt.timedelta(days=4)).days == 1
    assert (tmp_path / "backups" / "notes.txt").exists()  # nothing but its own is removed
    assert actors == [(backups.SCHEDULE_USER.actor,)] * 4
    backups.restore(CLI_USER, kept[0].path, tmp_path / "restored.duckdb")
    after = _export(tmp_path / "restored.duckdb", tmp_path / "a")
    assert after == _export(original, tmp_path / "b")


def test_the_scheduled_backup_goes_to_the_folder_set(original, tmp_path):
    store = open_store(original)
    try:
        settings.save(store, CLI_USER, {"backup_folder": str(tmp_path / "elsewhere")})
        made = backups.run_scheduled(store, NOW)
    finally:
        store.close()
    assert made is not None and made.parent == tmp_path / "elsewhere"


def test_the_backup_thread_backs_up_while_sessions_write_and_stops_with_the_store(tmp_path):
    """The copy is taken under the write lock: writes going on at the time are in it whole
    or not at all (every write with its audit event and change-feed entry). The app backs up
    only a store file itself (a PostgreSQL store: tests/test_backup_server.py)."""
    store = open_store(tmp_path / "store.duckdb")
    sw.build(store)
    baseline = store.version
    stop = threading.Event()
    thread = threading.Thread(target=backups.keep_backing_up, args=(store, stop, 0.01))
    thread.start()
    try:
        n = 0
        while not backups.listed(store, CLI_USER):
            sw.write(store, w.MENTOR, sw.KINDS[n % len(sw.KINDS)], f"during.{n}")
            n += 1
        made = backups.listed(store, CLI_USER)[0].path
    finally:
        store.close()  # the thread ends with the store
        thread.join(timeout=60)
    assert not thread.is_alive()
    copy = open_store(made, read_only=True)
    try:
        assert sw.problems(sw.facts(copy), baseline) == []
    finally:
        copy.close()


@pytest.mark.parametrize("folder", ["relative/backups", "/tmp/a\x1b[31mb", "/x" * 300])
def test_a_backup_folder_must_be_a_plain_absolute_path(store, folder):
    with pytest.raises(Invalid) as refused:
        settings.save(store, CLI_USER, {"backup_folder": folder, "backup_keep": 3})
    assert [p.key for p in refused.value.problems] == ["settings_update.not_a_folder"]
    assert settings.texts(store) == {"backup_folder": ""}
    assert settings.current(store)["backup_keep"] == 7
    settings.save(store, CLI_USER, {"backup_folder": " /srv/backups "})
    assert settings.texts(store) == {"backup_folder": "/srv/backups"}
