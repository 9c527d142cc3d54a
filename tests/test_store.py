import duckdb
import pytest

from dashboard.errors import StoreLocked
from dashboard.security import audit
from dashboard.store import changes, migration_files, open_store


def test_new_store_has_every_migration(store):
    assert store.schema_version() == migration_files()[-1][0]
    with store.read() as cur:
        tables = {
            r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    assert {
        "students",
        "staff",
        "roles",
        "placements",
        "contacts",
        "agreements",
        "consents",
        "absences",
        "settings",
        "users",
        "audit",
        "acknowledgements",
    } <= tables


def test_old_store_upgrades_itself(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL)"
    )
    version, name, sql = migration_files()[0]
    con.execute(sql)
    con.execute("INSERT INTO schema_version VALUES (?, ?, now()::TIMESTAMP)", [version, name])
    con.execute(
        "INSERT INTO students VALUES ('s1','A','B','2008-01-01','Entree','Noord',NULL,"
        "'2025-08-01','active',NULL,NULL)"
    )
    con.close()
    store = open_store(path)
    assert store.schema_version() == migration_files()[-1][0]
    with store.read() as cur:
        assert cur.execute("SELECT count(*) FROM students").fetchone()[0] == 1
    store.close()


def test_failed_write_leaves_store_as_it_was(store):
    with pytest.raises(duckdb.Error):
        with store.write() as tx:
            tx.execute("INSERT INTO staff VALUES ('p1','Jan','School','school',NULL,NULL)")
            tx.execute("INSERT INTO staff VALUES ('p1','Dup','School','school',NULL,NULL)")
    with store.read() as cur:
        assert cur.execute("SELECT count(*) FROM staff").fetchone()[0] == 0
    assert store.version == 0


@pytest.mark.parametrize(
    "lang, words",
    [("nl", "in gebruik door een ander programma"), ("en", "in use by another program")],
)
def test_second_process_gets_a_clear_lock_error(file_store, lang, words):
    import os
    import subprocess
    import sys

    code = (
        "from dashboard.store import open_store\n"
        "from dashboard.errors import StoreLocked\n"
        f"try:\n    open_store({str(file_store.path)!r})\n"
        "except StoreLocked as e:\n    print('LOCKED', e)\n"
    )
    env = {**os.environ, "REGIEBORD_LANG": lang}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "LOCKED" in out.stdout and words in out.stdout


def test_audit_chain_detects_an_edit(store):
    with store.write(audit_only=True) as tx:
        audit.record(tx, audit.ViewStudent("a", student_id="s1"))
        audit.record(tx, audit.Write("b", entity="contacts", old=None, new={"x": 1}))
    with store.read() as cur:
        assert audit.verify_chain(cur) is None
    with store.write(audit_only=True) as tx:  # an edit behind the services' back
        tx.execute("UPDATE audit SET actor = 'mallory' WHERE actor = 'a'")
    with store.read() as cur:
        assert audit.verify_chain(cur) == 1


def test_store_locked_is_a_domain_error():
    assert issubclass(StoreLocked, Exception)


def test_audit_chain_survives_a_rolled_back_write(store):
    with store.write() as tx:
        audit.record(tx, audit.Write("a", entity="settings"))
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            audit.record(tx, audit.Write("b", entity="settings"))
            raise RuntimeError("form failed after the audit row")
    with store.write() as tx:
        audit.record(tx, audit.Write("c", entity="settings"))
    with store.read() as cur:
        assert [r[0] for r in cur.execute("SELECT actor FROM audit ORDER BY id").fetchall()] == [
            "a",
            "c",
        ]
        assert audit.verify_chain(cur) is None


def test_an_audit_only_write_keeps_the_version_that_caches_use(store):
    with store.write(audit_only=True) as tx:
        audit.record(tx, audit.ViewStudent("a", student_id="s1"))
    assert store.version == 0
    with store.write() as tx:
        tx.execute("INSERT INTO staff VALUES ('p1','Jan','School','school',NULL,NULL)")
    assert store.version == 1
    with store.read() as cur:
        assert cur.execute("SELECT count(*) FROM audit").fetchone()[0] == 1


def test_listeners_hear_of_committed_changes_only(store):
    heard = []
    store.on_change(lambda: heard.append(store.version))
    with store.write(audit_only=True) as tx:
        audit.record(tx, audit.ViewStudent("a", student_id="s1"))
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            tx.execute("INSERT INTO staff VALUES ('p1','Jan','School','school',NULL,NULL)")
            raise RuntimeError("form failed")
    assert heard == []
    with store.write() as tx:
        tx.execute("INSERT INTO staff VALUES ('p1','Jan','School','school',NULL,NULL)")
    assert heard == [1]  # after the commit, with the new version


# -- the Tx and the change feed ------------------------------------------------------------------

STAFF_ROW = "INSERT INTO staff VALUES (?, ?, 'School', 'school', NULL, NULL)"


def test_tx_verbs_read_and_write_inside_the_transaction(store):
    with store.write() as tx:
        tx.executemany(STAFF_ROW, [("p1", "Jan"), ("p2", "Piet")])
        assert tx.rows("SELECT person_id, name FROM staff ORDER BY 1") == [
            {"person_id": "p1", "name": "Jan"},
            {"person_id": "p2", "name": "Piet"},
        ]
        assert tx.one("SELECT name FROM staff WHERE person_id = $p", {"p": "p2"}) == {
            "name": "Piet"
        }
        assert tx.one("SELECT name FROM staff WHERE person_id = 'nobody'") is None
        assert tx.scalar("SELECT count(*) FROM staff") == 2
        assert tx.scalar("SELECT name FROM staff WHERE person_id = 'nobody'") is None
        assert tx.column("SELECT name FROM staff ORDER BY 1 DESC") == ["Piet", "Jan"]
        assert tx.execute("UPDATE staff SET phone = '1' WHERE person_id = ?", ["p1"]) == 1
        assert tx.execute("DELETE FROM staff") == 2
        assert tx.execute("CREATE TEMP TABLE scratch (x INTEGER)") == 0


def test_rows_each_answers_as_rows_does_and_a_failure_rolls_the_write_back(store):
    """Several reads in one go (one round trip on PostgreSQL): each answer is what `rows`
    gives, the transaction's own rows included; a refused read fails the write as a whole."""
    queries = [
        ("SELECT person_id, name FROM staff ORDER BY 1", None),
        ("SELECT name FROM staff WHERE person_id = $p", {"p": "p2"}),
        ("SELECT person_id FROM staff WHERE person_id IN (SELECT unnest($ids))", {"ids": []}),
        ("SELECT count(*) AS n FROM staff WHERE name = ?", ["Jan"]),
    ]
    with store.write() as tx:
        tx.executemany(STAFF_ROW, [("p1", "Jan"), ("p2", "Piet")])
        assert tx.rows_each(queries) == [tx.rows(sql, params) for sql, params in queries]
        assert tx.rows_each(queries)[1] == [{"name": "Piet"}]
        assert tx.rows_each([]) == []
    with pytest.raises(duckdb.Error), store.write() as tx:
        tx.executemany(STAFF_ROW, [("p3", "Klaas")])
        tx.rows_each([queries[0], ("SELECT no_such_column FROM staff", None)])
    with store.read() as cur:
        assert cur.execute("SELECT person_id FROM staff ORDER BY 1").fetchall() == [
            ("p1",),
            ("p2",),
        ]


def test_each_data_write_bumps_the_counter_once_and_records_its_students(store):
    with store.write() as tx:
        tx.executemany(STAFF_ROW, [("p1", "Jan"), ("p2", "Piet")])
        tx.execute("UPDATE staff SET phone = '1'")
        tx.touch(["S2"])
        tx.touch(["S1", "S2"])
    assert store.version == 1
    assert store.changes_since(0) == changes.Changes(1, frozenset({"S1", "S2"}))
    assert store.changes_since(1) == changes.Changes(1, frozenset())
    with store.write() as tx:
        tx.touch(["S3"])
    assert store.changes_since(1) == changes.Changes(2, frozenset({"S3"}))
    assert store.changes_since(0) == changes.Changes(2, frozenset({"S1", "S2", "S3"}))


def test_audit_only_and_rolled_back_writes_leave_the_counter_alone(store):
    with store.write(audit_only=True) as tx:
        audit.record(tx, audit.SignIn("mila", "password"))
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            tx.execute(STAFF_ROW, ["p1", "Jan"])
            tx.touch(["S1"])
            raise RuntimeError("form failed")
    assert store.version == 0
    assert store.changes_since(0) == changes.Changes(0, frozenset())
    with store.read() as cur:
        assert cur.execute("SELECT count(*) FROM changes").fetchone()[0] == 0


def test_an_audit_only_write_may_not_touch_students_and_keeps_nothing(store):
    with pytest.raises(RuntimeError):
        with store.write(audit_only=True) as tx:
            tx.execute(STAFF_ROW, ["p1", "Jan"])
            tx.touch(["S1"])
    with store.read() as cur:
        assert cur.execute("SELECT count(*) FROM staff").fetchone()[0] == 0


@pytest.mark.parametrize("declare", ["nothing", "touch_all", "touch_all and a student"])
def test_a_write_that_declares_no_students_changed_everything(store, declare):
    with store.write() as tx:
        tx.execute(STAFF_ROW, ["p1", "Jan"])
        if declare != "nothing":
            tx.touch_all()
        if declare == "touch_all and a student":
            tx.touch(["S1"])
    assert store.changes_since(0) == changes.Changes(1, None)


def test_a_reader_further_behind_than_the_feed_keeps_starts_afresh(store, monkeypatch):
    monkeypatch.setattr(changes, "KEPT_VERSIONS", 2)
    monkeypatch.setattr(changes, "PRUNE_EVERY", 1)
    for sid in ("S1", "S2", "S3"):
        with store.write() as tx:
            tx.touch([sid])
    with store.read() as cur:
        assert cur.execute("SELECT DISTINCT version FROM changes ORDER BY 1").fetchall() == [
            (2,),
            (3,),
        ]
    assert store.changes_since(1) == changes.Changes(3, frozenset({"S2", "S3"}))
    assert store.changes_since(0) == changes.Changes(3, None)  # version 1 is no longer kept


def test_the_feed_is_pruned_by_every_nth_write_and_answers_the_same_meanwhile(store, monkeypatch):
    monkeypatch.setattr(changes, "KEPT_VERSIONS", 2)
    monkeypatch.setattr(changes, "PRUNE_EVERY", 3)
    kept = []
    for sid in ("S1", "S2", "S3", "S4"):
        with store.write() as tx:
            tx.touch([sid])
        with store.read() as cur:
            kept.append(
                [v for (v,) in cur.execute("SELECT version FROM changes ORDER BY 1").fetchall()]
            )
    assert kept == [[1], [1, 2], [2, 3], [2, 3, 4]]  # version 3 pruned what is 2 behind
    assert store.changes_since(1) == changes.Changes(4, frozenset({"S2", "S3", "S4"}))
    assert store.changes_since(0) == changes.Changes(4, None)


def test_a_reopened_store_can_checkpoint_after_writes(tmp_path):
    """Opening an existing store leaves no transaction open on its connection: one left open
    (a half-read result of the migration check) kept DuckDB from ever checkpointing, so the
    write-ahead log grew for as long as the app ran and all of it was replayed after a crash."""
    open_store(tmp_path / "s.duckdb").close()
    store = open_store(tmp_path / "s.duckdb")
    try:
        with store.write() as tx:
            tx.touch_all()
        store.checkpoint()
        assert not (tmp_path / "s.duckdb.wal").exists() or (
            (tmp_path / "s.duckdb.wal").stat().st_size == 0
        )
    finally:
        store.close()
