"""`regiebord backup` and `restore` on PostgreSQL (server mode, issue 21 point 4): a backup of a
PostgreSQL store is the same kind of DuckDB file as the file's and exports byte-identical to
it; a backup restores into a PostgreSQL database byte-identical, replacing a store that holds
data only with --force and then in one transaction; the audit chain verifies afterwards and
goes on; the change counter never goes back (app servers key their caches on it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from command_line import run

from dashboard import backups, demo, interchange
from dashboard.errors import Invalid
from dashboard.security import audit
from dashboard.security.access import CLI_USER
from dashboard.security.audit import verify_chain
from dashboard.store import Store, open_store

T = dt.date(2025, 10, 1)


def _export(store: Store, out: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in interchange.export_all(store, CLI_USER, out)}


def _export_file(path: Path, out: Path) -> dict[str, bytes]:
    store = open_store(path)
    try:
        return _export(store, out)
    finally:
        store.close()


def _chain_and_actions(store: Store) -> tuple[int | None, list[str]]:
    with store.read() as cur:
        broken = verify_chain(cur)
        actions = [r[0] for r in cur.execute("SELECT action FROM audit ORDER BY id").fetchall()]
    return broken, actions


@pytest.fixture
def pg_store(pg_url, original):
    """A PostgreSQL store holding the same school as `original` (restored from its backup)."""
    seed = open_store(original)
    try:
        backups.backup(seed, CLI_USER, original.with_name("seed.duckdb"))
    finally:
        seed.close()
    backups.restore(CLI_USER, original.with_name("seed.duckdb"), pg_url)
    store = open_store(pg_url)
    yield store
    store.close()


def test_a_backup_restores_into_postgresql_byte_identical(original, pg_url, tmp_path):
    out = tmp_path / "backup.duckdb"
    file_store = open_store(original)
    try:
        backups.backup(file_store, CLI_USER, out)
    finally:
        file_store.close()
    version = backups.restore(CLI_USER, out, pg_url)
    store = open_store(pg_url)
    try:
        assert version == store.schema_version()
        broken, actions = _chain_and_actions(store)
        after = _export(store, tmp_path / "export_pg")
    finally:
        store.close()
    before = _export_file(original, tmp_path / "export_file")
    assert before == after
    assert sum(len(b) for b in before.values()) > 10_000  # the demo data really is there
    assert broken is None and actions[-2:] == ["backup", "restore"]


def test_a_postgresql_store_backs_up_to_a_file_that_exports_identically(pg_store, tmp_path):
    out = tmp_path / "from_pg.duckdb"
    counts = backups.backup(pg_store, CLI_USER, out)
    assert counts["students"] == 20
    copy = open_store(out)
    try:
        broken, actions = _chain_and_actions(copy)
        assert broken is None and actions[-1] == "backup"  # the backup holds its own event
        assert _export(copy, tmp_path / "export_copy") == _export(pg_store, tmp_path / "e")
        with copy.write(audit_only=True) as tx:  # the trail goes on after the copied ids
            audit.record(tx, audit.Backup("test", "x", {}))
        assert _chain_and_actions(copy)[0] is None
    finally:
        copy.close()
    assert sorted(p.name for p in tmp_path.glob(".*.part*")) == []


def test_a_store_with_data_is_replaced_only_with_force_in_one_go(pg_store, tmp_path):
    other = tmp_path / "other.duckdb"
    store = open_store(other)
    try:
        demo.generate(store, CLI_USER, students=5, seed=9, today=T)
        backups.backup(store, CLI_USER, tmp_path / "other_backup.duckdb")
        wanted = _export(store, tmp_path / "export_other")
    finally:
        store.close()
    kept = _export(pg_store, tmp_path / "export_before")
    version_before = pg_store.version

    with pytest.raises(Invalid) as refused:
        backups.restore(CLI_USER, tmp_path / "other_backup.duckdb", pg_store.url)
    assert refused.value.problems[0].key == "cli.backup.db_exists"
    assert _export(pg_store, tmp_path / "export_refused") == kept

    backups.restore(CLI_USER, tmp_path / "other_backup.duckdb", pg_store.url, force=True)
    assert _export(pg_store, tmp_path / "export_after") == wanted
    assert pg_store.version > version_before  # caches keyed on the version see the change
    assert _chain_and_actions(pg_store)[0] is None


def test_what_is_not_a_store_is_refused_and_the_database_kept(pg_store, tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database")
    kept = _export(pg_store, tmp_path / "export_before")
    with pytest.raises(Invalid) as refused:
        backups.restore(CLI_USER, junk, pg_store.url, force=True)
    assert refused.value.problems[0].key == "cli.backup.not_a_store"
    assert _export(pg_store, tmp_path / "export_after") == kept


def test_the_command_line_backs_up_and_restores_a_postgresql_store(pg_store, pg_cluster, tmp_path):
    out = tmp_path / "cli.duckdb"
    done = run("backup", "--db", pg_store.url, "--out", str(out))
    assert done.returncode == 0, done.stderr
    target = pg_cluster.fresh_database("cli_restore")
    try:
        done = run("restore", "--from", str(out), "--db", target)
        assert done.returncode == 0, done.stderr
        restored = open_store(target)
        try:
            assert _export(restored, tmp_path / "b") == _export(pg_store, tmp_path / "a")
        finally:
            restored.close()
    finally:
        pg_cluster.drop_database(target)
