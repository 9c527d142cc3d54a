import duckdb
import pytest

from dashboard.errors import StoreLocked
from dashboard.security import audit
from dashboard.store import migration_files, open_store


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
def test_second_process_gets_a_clear_lock_error(store, lang, words):
    import os
    import subprocess
    import sys

    code = (
        "from dashboard.store import open_store\n"
        "from dashboard.errors import StoreLocked\n"
        f"try:\n    open_store({str(store.path)!r})\n"
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
        cur.execute("UPDATE audit SET actor = 'mallory' WHERE actor = 'a'")
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
