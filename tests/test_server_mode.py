"""Server mode (issue 20): PostgreSQL as the store of several processes, beside the file.

The rest of the suite runs every store, service and page test on both backends (the `store`
fixture); these tests hold what only several processes over one PostgreSQL can show: the
same signals as the file, the command line beside a running app, imports at once, a reader
beside an import, a write seen by another process, the server down or restarting.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import psycopg
import pytest
from command_line import ROOT, run

from dashboard import demo, interchange, signals
from dashboard.codes import TABLES
from dashboard.errors import StoreUnavailable
from dashboard.security import audit
from dashboard.security.access import CLI_USER
from dashboard.store import migration_files, open_store, postgres

TODAY = dt.date(2025, 3, 3)
DATA = Path(__file__).parent / "data" / "interchange"


def counts(store) -> dict[str, int]:
    with store.read() as cur:
        return {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory) -> Path:
    """A 300-student demo school as interchange files (made on the file backend)."""
    folder = tmp_path_factory.mktemp("demo_export")
    store = open_store(folder / "demo.duckdb")
    demo.generate(store, CLI_USER, students=300, seed=1, today=TODAY)
    interchange.export_all(store, CLI_USER, folder / "csv")
    store.close()
    return folder


def test_signals_on_postgres_equal_the_files_row_for_row(pg_url, demo_export, tmp_path):
    # Both stores are filled from the same interchange files: the demo's caseload meetings
    # (and so ACTION_OVERDUE) are made in the app and never travel in those files (flags.md).
    file_store = open_store(tmp_path / "imported.duckdb")
    server = open_store(pg_url)
    try:
        interchange.import_files(file_store, CLI_USER, [demo_export / "csv"])
        interchange.import_files(server, CLI_USER, [demo_export / "csv"])
        assert counts(server) == counts(file_store)
        for day in (TODAY, TODAY + dt.timedelta(days=45)):
            expected = signals.flags_report(file_store, CLI_USER, day, "csv")
            assert expected.count("\n") > 50  # a real school's worth of signals
            assert signals.flags_report(server, CLI_USER, day, "csv") == expected
    finally:
        server.close()
        file_store.close()


def test_an_import_leaves_the_planner_statistics_of_what_it_filled(pg_url, demo_export):
    # As after pg_restore: the tables an import filled are analyzed once it has committed, so
    # the first pages after a nightly import get plans made from the rows, not from guesses
    # (PostgreSQL's reltuples is -1 for a table never analyzed, and exact for small ones).
    server = open_store(pg_url)
    try:
        interchange.import_files(server, CLI_USER, [demo_export / "csv"])
        with psycopg.connect(pg_url) as conn:
            found = conn.execute(
                "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)]
            ).fetchall()
        stored = counts(server)
        assert min(stored.values()) > 0
        assert {name: int(n) for name, n in found} == stored
    finally:
        server.close()


def test_the_demo_on_postgres_equals_the_file(pg_url, tmp_path):
    on_file = open_store(tmp_path / "demo.duckdb")
    server = open_store(pg_url)
    try:
        expected = demo.generate(on_file, CLI_USER, students=40, seed=3, today=TODAY)
        assert demo.generate(server, CLI_USER, students=40, seed=3, today=TODAY) == expected
        for table in TABLES:
            order = "ORDER BY ALL"
            with on_file.read() as a, server.read() as b:
                rows = f"SELECT * FROM {table} {order}"
                assert b.execute(rows).fetchall() == a.execute(rows).fetchall(), table
        assert server.is_demo()
    finally:
        server.close()
        on_file.close()


def test_init_creates_and_upgrades_the_schema_at_a_url(pg_cluster):
    url = pg_cluster.copy_database(pg_cluster.admin_url.rsplit("/", 1)[0] + "/template1")
    try:
        done = run("init", "--db", url, lang="en")
        assert done.returncode == 0, done.stderr
        latest = migration_files()[-1][0]
        assert f"schema version {latest}" in done.stdout or str(latest) in done.stdout
        again = run("init", "--db", url, lang="en")  # nothing left to apply
        assert again.returncode == 0, again.stderr
        store = open_store(url)
        assert store.schema_version() == latest and not store.created
        store.close()
    finally:
        pg_cluster.drop_database(url)


@pytest.mark.parametrize("lang, words", [("nl", "niet bereikbaar"), ("en", "cannot be reached")])
def test_server_down_at_start_is_a_plain_message(lang, words):
    done = run("init", "--db", "postgresql://regiebord:secret@127.0.0.1:1/regiebord", lang=lang)
    assert done.returncode == 1
    assert words in done.stderr and "Traceback" not in done.stderr
    assert "secret" not in done.stderr  # the password never shows
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # said once, not per retry


def test_the_command_line_imports_while_the_app_runs(pg_url):
    app = open_store(pg_url)  # the running app holds its store open
    try:
        before = app.version
        done = run("import", "--db", pg_url, *map(str, sorted(DATA.glob("*.csv"))))
        assert done.returncode == 0, done.stderr
        assert app.version > before  # the app's caches see the import
        assert counts(app)["contacts"] == 3
    finally:
        app.close()


def test_two_imports_at_once_both_end_correctly(pg_url, demo_export):
    files = [str(p) for p in sorted((demo_export / "csv").glob("*.csv"))]
    command = [sys.executable, "-m", "dashboard", "import", "--db", pg_url, *files]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    both = [subprocess.Popen(command, cwd=ROOT, **pipes) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in both]
    assert [p.returncode for p in both] == [0, 0], outputs
    file_store = open_store(demo_export / "demo.duckdb", read_only=True)
    store = open_store(pg_url)
    try:
        assert counts(store) == counts(file_store)
        with store.read() as cur:
            assert audit.verify_chain(cur) is None
            imports = cur.execute("SELECT count(*) FROM audit WHERE action = 'import'").fetchone()
        assert imports[0] == 2 * len(TABLES)  # one event per table, for each import
    finally:
        store.close()
        file_store.close()


def test_a_reader_never_sees_half_an_import(pg_url, demo_export):
    store = open_store(pg_url)
    seen: set[tuple[int, int]] = set()
    done = threading.Event()

    def read_while_importing() -> None:
        while not done.is_set():
            with store.read() as cur:
                seen.add(
                    cur.execute(
                        "SELECT (SELECT count(*) FROM students), (SELECT count(*) FROM contacts)"
                    ).fetchone()
                )

    reader = threading.Thread(target=read_while_importing)
    reader.start()
    try:
        interchange.import_files(store, CLI_USER, [demo_export / "csv"])
    finally:
        done.set()
        reader.join()
    whole = (counts(store)["students"], counts(store)["contacts"])
    store.close()
    assert seen <= {(0, 0), whole}, seen


def test_a_write_in_one_process_appears_in_the_other(pg_url):
    here = open_store(pg_url)
    try:
        before = here.version
        code = (
            "from dashboard.store import open_store\n"
            f"s = open_store({pg_url!r})\n"
            "with s.write() as tx:\n"
            "    tx.execute(\"INSERT INTO staff VALUES ('P9', 'Nina', 'School', 'school', NULL, NULL)\")\n"
            "    tx.touch(['S1'])\n"
            "s.close()\n"
        )
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
        changes = here.changes_since(before)
        assert (changes.version, changes.student_ids) == (before + 1, frozenset({"S1"}))
        with here.read() as cur:
            assert cur.execute("SELECT name FROM staff").fetchall() == [("Nina",)]
    finally:
        here.close()


def test_a_restart_is_unavailable_meanwhile_then_recovers_and_keeps_what_was_committed(
    pg_cluster, pg_url
):
    store = open_store(pg_url)
    try:
        with store.write() as tx:
            tx.execute("INSERT INTO staff VALUES ('P1', 'Jan', 'School', 'school', NULL, NULL)")
        pg_cluster.pause()
        try:
            with pytest.raises(StoreUnavailable):
                with store.read() as cur:
                    cur.execute("SELECT count(*) FROM staff").fetchall()
            with pytest.raises(StoreUnavailable):
                with store.write() as tx:
                    tx.execute("INSERT INTO staff VALUES ('P2', 'X', 'S', 'school', NULL, NULL)")
        finally:
            pg_cluster.resume()
        with store.write() as tx:  # the same store object recovers by itself
            tx.execute("INSERT INTO staff VALUES ('P3', 'Els', 'School', 'school', NULL, NULL)")
        with store.read() as cur:
            names = cur.execute("SELECT person_id FROM staff ORDER BY 1").fetchall()
        assert names == [("P1",), ("P3",)]
    finally:
        store.close()


def test_a_key_too_long_for_the_index_is_a_refused_statement_not_an_unavailable_store(pg_url):
    """PostgreSQL's "index row requires ... bytes" is an OperationalError, like a server that
    went away; it must not read "store unavailable, try again" (the import refuses such ids
    first, see test_interchange.py)."""
    store = open_store(pg_url)
    try:
        with pytest.raises(duckdb.ConversionException, match="index row"):
            with store.write() as tx:
                tx.execute(
                    "INSERT INTO staff VALUES ($id, 'A', 'S', 'school', NULL, NULL)",
                    {"id": "x" * 1_000_000},
                )
        assert counts(store)["staff"] == 0
    finally:
        store.close()


def test_a_keyed_read_scans_by_statement_and_leaves_other_reads_parallel(pg_url, demo_export):
    """`read(keyed=True)` turns DuckDB's parallel page-range scans off for its own cursor
    only (one statement per table, which PostgreSQL answers from its index), and reads the
    same rows."""
    store = open_store(pg_url)
    try:
        interchange.import_files(store, CLI_USER, [demo_export / "csv"])
        setting = "SELECT current_setting('pg_use_ctid_scan')"
        sql = "SELECT * FROM contacts WHERE student_id = $sid ORDER BY contact_id"
        with store.read(keyed=True) as keyed, store.read() as plain:
            assert keyed.execute(setting).fetchone() == (False,)
            assert plain.execute(setting).fetchone() == (True,)
            sid = plain.execute("SELECT min(student_id) FROM contacts").fetchone()[0]
            got = keyed.execute(sql, {"sid": sid}).fetchall()
            assert got and got == plain.execute(sql, {"sid": sid}).fetchall()
        with store.read() as later:
            assert later.execute(setting).fetchone() == (True,)
    finally:
        store.close()


# What the keyed reads filter on through DuckDB, which sends `column = 'x' COLLATE "C"`.
KEYED_COLUMNS = [
    *((t, "student_id") for t in ("students", "roles", "placements", "contacts", "agreements")),
    ("consents", "student_id"),
    ("audit", "student_id"),
    ("roles", "person_id"),
    ("staff", "person_id"),
    ("placements", "supervisor_id"),
]


@pytest.mark.parametrize(("table", "column"), KEYED_COLUMNS)
def test_postgres_has_an_index_for_each_key_duckdb_filters_on(pg_url, table, column):
    """Without an index of the "C" collation PostgreSQL scans the whole table for such a
    filter (staff by id: 66 ms at 500,000 students, where the index answers in well under 1)."""
    open_store(pg_url).close()  # creates the schema and its indexes
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            f"EXPLAIN SELECT * FROM {table} WHERE {column} = 'x' COLLATE \"C\""
        ).fetchall()
    assert "Index" in " ".join(line for (line,) in plan), plan


def test_ids_compare_as_bytes_and_an_older_store_is_brought_there_once(pg_url):
    """Every id column has the "C" collation (one index serves DuckDB's filters and psycopg's
    statements). A store of the layout before (the database's collation, with "C" twins of
    the indexes) is changed on its next opening, and keeps its rows."""
    open_store(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO staff VALUES ('b', 'B', 'S', 'school', NULL, NULL),"
            " ('a', 'A', 'S', 'school', NULL, NULL), ('B', 'C', 'S', 'school', NULL, NULL)"
        )
        conn.execute('ALTER TABLE staff ALTER COLUMN person_id TYPE VARCHAR COLLATE "default"')
        conn.execute('CREATE INDEX rb_roles_person_c ON roles (person_id COLLATE "C")')
        assert conn.execute(postgres.ID_COLUMNS).fetchall() == [("staff", "person_id")]
    open_store(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        assert conn.execute(postgres.ID_COLUMNS).fetchall() == []
        ids = conn.execute("SELECT person_id FROM staff ORDER BY person_id").fetchall()
        assert ids == [("B",), ("a",), ("b",)]  # bytes: capitals first, as DuckDB sorts
        twins = conn.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%\\_c'")
        assert twins.fetchall() == []
        columns = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND column_name LIKE '%\\_id' AND collation_name = 'C'"
        ).fetchone()
        assert columns is not None and columns[0] >= 40
        # the type change dropped the column's planner statistics: they are made again
        stats = conn.execute(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'staff' AND attname = 'person_id'"
        ).fetchone()
        assert stats == (1,)


COPY_PROBE_TEXTS = [
    "",
    "NULL",
    "\\N",
    'a "quoted" word',
    "comma, and; semicolon",
    "line\nbreak\r\nand CR",
    "back\\slash \\\\ two",
    "{braces}",
    "[brackets]",
    "  spaces  ",
    "tab\there",
    "emoji 👩‍🎓",
    "=1+1",
    "'single'",
    "x" * 5000,
]


def test_the_copy_into_postgres_keeps_every_value(pg_url):
    """Rows reach PostgreSQL as CSV written by DuckDB (PgTx._copy): every type of the schema,
    empty strings apart from NULL, and lists with quotes, backslashes, commas and braces."""
    texts = [*COPY_PROBE_TEXTS, None]
    lists = [[t] for t in COPY_PROBE_TEXTS] + [[], None, ["a", "b,c", '"', "\\"], [""], ["a", None]]
    rows = [
        (
            i,
            texts[i % len(texts)],
            lists[i % len(lists)],
            dt.date(1, 1, 1) + dt.timedelta(days=i * 10_000),
            dt.datetime(2026, 3, 16, 10, 0, 0, i * 7),
            [0.1 + 0.2, 1e-300, -2.5, None][i % 4],
            [True, False, None][i % 3],
            2**40 + i,
        )
        for i in range(len(texts) * len(lists))
    ]
    columns = ["n", "t", "l", "d", "ts", "x", "b", "big"]
    source = duckdb.connect()
    source.execute(
        "CREATE TABLE v (n INTEGER, t VARCHAR, l VARCHAR[], d DATE, ts TIMESTAMP, x DOUBLE, "
        "b BOOLEAN, big BIGINT)"
    )
    source.executemany("INSERT INTO v VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    store = open_store(pg_url)
    try:
        with store.write() as tx:
            tx.execute(
                "CREATE TEMP TABLE copy_probe (n INTEGER, t VARCHAR, l VARCHAR[], d DATE, "
                "ts TIMESTAMP, x DOUBLE PRECISION, b BOOLEAN, big BIGINT) ON COMMIT DROP"
            )
            tx._copy("copy_probe", columns, "SELECT * FROM v", engine=source)
            back = tx.tuples("SELECT * FROM copy_probe ORDER BY n")
    finally:
        store.close()
    assert back == rows
