"""PostgreSQL as the store (server mode): several app servers and the nightly import over one
database. Chosen by a `postgresql://user[:password]@host[:port]/dbname` URL as --db or
REGIEBORD_DB.

Measured on this project (issue 20): PostgreSQL is the system of record; writes go through a
psycopg pool, one transaction each; reads go through DuckDB over the database attached
read-only (`ATTACH ... (TYPE postgres, READ_ONLY)`), so the query files in dashboard/queries
run unchanged on both backends. Writing through the attachment instead lost audit-chain
updates or failed on serialization errors under concurrent writers.

Writers take one store-wide lock first (`pg_advisory_xact_lock`), the cluster-wide twin of the
file store's process-wide write lock: every write appends to the audit hash chain and bumps the
change counter, so writers queue on those rows anyway; taking the lock before anything else,
at READ COMMITTED, means every statement after it sees every earlier write, so a write can
neither fork the chain nor fail on a serialization conflict with another Regiebord writer (two
imports queue, one after the other). A broken pooled connection (the server restarted) is
replaced before the write starts; a write that loses its server midway is rolled back by
PostgreSQL and reported as StoreUnavailable: nothing half-written, nothing acknowledged lost.

The SQL services give a `Tx` is DuckDB's dialect with `$name` / `?` parameters; `pg_sql`
turns the parameters into psycopg's. Write-side SQL keeps to what both databases accept
(docs/architecture.md, "One SQL for both backends").
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb
import psycopg
import psycopg_pool

from dashboard import i18n
from dashboard.errors import StoreUnavailable
from dashboard.store import (
    FIRST_MIGRATION,
    Store,
    _config,
    changes,
    migrate,
    migration_files,
    store_tables,
)
from dashboard.store.tx import Cursor, Params, Tx

_log = logging.getLogger(__name__)

# Keys of PostgreSQL advisory locks (any fixed numbers; "RBWR", "RBMG").
WRITE_LOCK = 0x52425752
MIGRATE_LOCK = 0x52424D47
ALIAS = "rb"  # the attached database's name inside DuckDB
POOL_SIZE = 8  # connections per process: Streamlit sessions write one at a time anyway
CHANGE_FEED = ("change_counter", "changes")  # a restore keeps the target's own
COPY_CHUNK = 1 << 20  # bytes of CSV handed to PostgreSQL at a time while copying
CONNECT_TIMEOUT = 5  # seconds to wait for the server (or a pooled connection) before giving up


# Ids are compared and sorted by their bytes on PostgreSQL too, as in DuckDB: every VARCHAR
# column named `*_id` gets the "C" collation (`_ids_by_bytes`, after the migrations). DuckDB's
# postgres extension sends a filter on text as `student_id = 'S1' COLLATE "C"`, which only an
# index of that collation answers; with the columns in "C", one index serves both DuckDB's
# filters and psycopg's statements, and its keys compare as bytes (an import with new
# contacts 11% faster at 30,000 students than with a default-collation index beside a "C"
# twin; issue 20, docs/performance.md).
ID_COLUMNS = """
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND data_type = 'character varying'
      AND column_name LIKE '%\\_id' AND collation_name IS DISTINCT FROM 'C'
    ORDER BY table_name, column_name
"""

# Indexes only PostgreSQL gets: the reads by student (a file, a form's checks), by person (a
# guide's scope), by supervisor (a workplace supervisor's scope) and the change feed; a key
# (staff.person_id, students.student_id) has its own. The DuckDB file scans its columns
# instead (an index there would only slow the import).
_BY_STUDENT = ("roles", "placements", "contacts", "agreements", "consents", "audit")
_C_TWINS = (*(f"{t}_student" for t in ("students", *_BY_STUDENT)), "roles_person")
PG_INDEXES = (
    *(f"CREATE INDEX IF NOT EXISTS rb_{t}_student ON {t} (student_id)" for t in _BY_STUDENT),
    "CREATE INDEX IF NOT EXISTS rb_roles_person ON roles (person_id)",
    "CREATE INDEX IF NOT EXISTS rb_placements_supervisor ON placements (supervisor_id)",
    "CREATE INDEX IF NOT EXISTS rb_changes_version ON changes (version)",
    # before the ids were in "C", twins in that collation served DuckDB's filters
    *(f"DROP INDEX IF EXISTS rb_{name}_c" for name in _C_TWINS),
)


def _ids_by_bytes(conn: psycopg.Connection[Any]) -> None:
    """Give every id column the "C" collation (see ID_COLUMNS); a store made before that is
    changed once, which rebuilds the indexes on those columns. Changing a column's type drops
    its planner statistics, so the table is analyzed again (without, a guide's caseload at
    500,000 students took 511 ms instead of 97: PostgreSQL guessed its plans)."""
    by_table: dict[str, list[str]] = {}
    for table, column in conn.execute(ID_COLUMNS).fetchall():
        by_table.setdefault(table, []).append(column)
    for table, columns in by_table.items():
        alter = ", ".join(f'ALTER COLUMN {c} TYPE VARCHAR COLLATE "C"' for c in columns)
        conn.execute(f"ALTER TABLE {table} {alter}")
        conn.execute(f"ANALYZE {table}")


def public_url(url: str) -> str:
    """The URL without its password: for messages, logs and cache keys."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def unavailable(url: str, exc: BaseException) -> StoreUnavailable:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StoreUnavailable(
        i18n.t(
            "cli.store_unavailable", i18n.message_language(), path=public_url(url), reason=reason
        )
    )


def postgres_extension() -> str:
    """The path of DuckDB's postgres extension, shipped by the pip package
    `duckdb-extension-postgres-scanner` (same version as duckdb): loaded by path because
    `INSTALL` cannot reach DuckDB's extension server here. Its signature is checked."""
    import duckdb_extension_postgres_scanner as package  # type: ignore[import-untyped]

    version = duckdb.__version__
    path = Path(package.__file__).parent / "extensions" / f"v{version}"
    return str(path / "postgres_scanner.duckdb_extension")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# DuckDB's parameters ($name, ?) -> psycopg's (%(name)s, %s), leaving quoted text and
# comments alone; a literal % must be doubled for psycopg.
_TOKENS = re.compile(
    r"(?P<keep>'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*)"
    r"|\$(?P<name>[A-Za-z_]\w*)|(?P<positional>\?)|(?P<percent>%)"
)


def pg_sql(sql: str) -> str:
    """`sql` with DuckDB's parameter marks turned into psycopg's."""

    def swap(m: re.Match[str]) -> str:
        if m.group("keep"):
            return m.group("keep")
        if m.group("name"):
            return f"%({m.group('name')})s"
        if m.group("positional"):
            return "%s"
        return "%%"

    return _TOKENS.sub(swap, sql)


class TextList(list[str | None]):
    """A list of texts as a parameter: sent as `text[]`. psycopg sends a plain list of str
    with an unknown element type, which PostgreSQL cannot resolve in `unnest($ids)` (and
    not at all when the list is empty); DuckDB's lists of VARCHAR need no cast."""


class TextListDumper(psycopg.adapt.Dumper):
    oid = psycopg.postgres.types["text"].array_oid

    def dump(self, obj: TextList) -> bytes:
        def element(v: str | None) -> str:
            if v is None:
                return "NULL"
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

        return ("{" + ",".join(element(v) for v in obj) + "}").encode()


def _typed(value: Any) -> Any:
    if isinstance(value, list | tuple) and all(isinstance(v, str | None) for v in value):
        return TextList(value)
    return value


def _params(params: Params) -> Params:
    """`params` with lists of texts marked as `text[]` (see TextList)."""
    if params is None:
        return None
    if isinstance(params, dict):
        return {k: _typed(v) for k, v in params.items()}
    return [_typed(v) for v in params]


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.adapters.register_dumper(TextList, TextListDumper)


@contextmanager
def _translated_errors(url: str) -> Iterator[None]:
    """psycopg's errors as the store's: a lost server is StoreUnavailable; a refused
    statement is the DuckDB error class services already expect (ConstraintException for a
    key or NOT NULL, ConversionException for a value the column or its index cannot hold, such
    as a NUL character in text or a key of kilobytes, duckdb.Error otherwise), so services
    never know the backend."""
    try:
        yield
    except psycopg.errors.IntegrityError as exc:
        raise duckdb.ConstraintException(str(exc)) from exc
    except (psycopg.errors.DataError, psycopg.errors.ProgramLimitExceeded) as exc:
        # ProgramLimitExceeded is an OperationalError, but the statement is refused, not the
        # server gone: it must not read "store unavailable, try again".
        raise duckdb.ConversionException(str(exc)) from exc
    except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
        raise unavailable(url, exc) from exc
    except psycopg.Error as exc:
        raise duckdb.Error(str(exc)) from exc


def _dicts(cur: psycopg.Cursor[Any]) -> list[dict[str, Any]]:
    """The rows of a cursor's last statement, each a dict by column name."""
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row)) for row in cur.fetchall()]


class PgTx(Tx):
    """A write transaction on PostgreSQL: the same verbs as the file's `Tx`, run by psycopg.

    `duckdb` (the escape hatch) is a DuckDB cursor over the attached database: it reads what is
    committed, which under the store-wide write lock is everything but this transaction's own
    writes, so checks made before writing (the import's staging) see the store as the
    transaction does. It costs a DuckDB query over the wire each time, so the access checks of
    a write take the Tx itself and run over psycopg (dashboard.security.access, `Reader`).
    """

    def __init__(self, cursor: psycopg.Cursor[Any], store: PgStore, *, audit_only: bool):
        super().__init__(None, audit_only=audit_only)  # type: ignore[arg-type]
        self._pg = cursor
        self._store = store
        self._duck: duckdb.DuckDBPyConnection | None = None
        self.filled: set[str] = set()  # tables rows were copied into (PgStore.write analyzes them)

    @property
    def duckdb(self) -> duckdb.DuckDBPyConnection:
        if self._duck is None:
            self._duck = self._store._cursor()
        return self._duck

    def close(self) -> None:
        if self._duck is not None:
            self._duck.close()
            self._duck = None

    def _run(self, sql: str, params: Params) -> None:
        with _translated_errors(self._store.url):
            self._pg.execute(pg_sql(sql), _params(params))

    def rows(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        self._run(sql, params)
        return _dicts(self._pg)

    def rows_each(self, queries: Sequence[tuple[str, Params]]) -> list[list[dict[str, Any]]]:
        """The reads in psycopg's pipeline mode: sent together, answered together."""
        conn = self._pg.connection
        cursors = [conn.cursor() for _ in queries]
        try:
            with _translated_errors(self._store.url):
                with conn.pipeline():
                    for cur, (sql, params) in zip(cursors, queries, strict=True):
                        cur.execute(pg_sql(sql), _params(params))
                return [_dicts(cur) for cur in cursors]
        finally:
            for cur in cursors:
                cur.close()

    def tuples(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        self._run(sql, params)
        return self._pg.fetchall()

    def execute(self, sql: str, params: Params = None) -> int:
        self._run(sql, params)
        status = (self._pg.statusmessage or "").split(" ")[0]
        return self._pg.rowcount if status in ("INSERT", "UPDATE", "DELETE") else 0

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with _translated_errors(self._store.url):
            self._pg.executemany(pg_sql(sql), [list(_params(list(r)) or ()) for r in rows])

    def _copy(
        self,
        target: str,
        columns: Sequence[str],
        query: str,
        engine: Cursor | None = None,
    ) -> None:
        """COPY the rows of a DuckDB query (on the attached store, or on `engine`) into
        PostgreSQL's `target` as CSV: DuckDB writes it and PostgreSQL parses it, both in C.
        Passing every row through Python objects was 80% of an import's time (issue 20).
        In CSV an empty string (`""`) and NULL (nothing) stay apart; lists are written as
        PostgreSQL array literals (`_csv_value`)."""
        con = engine or self.duckdb
        kinds = [row[1] for row in con.execute(f"DESCRIBE ({query})").fetchall()]
        values = ", ".join(_csv_value(f"#{i}", kind) for i, kind in enumerate(kinds, 1))
        with tempfile.TemporaryDirectory(prefix="regiebord-copy-") as folder:
            csv = Path(folder) / "rows.csv"
            con.execute(
                f"COPY (SELECT {values} FROM ({query})) TO '{csv}' (FORMAT csv, HEADER false)"
            )
            sql = f"COPY {target} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
            if target != "rb_update":  # update_from's own temporary table
                self.filled.add(target)
            with _translated_errors(self._store.url), self._pg.copy(sql) as copy:
                with csv.open("rb") as rows:
                    while chunk := rows.read(COPY_CHUNK):
                        copy.write(chunk)

    def insert_from(self, table: str, columns: Sequence[str], query: str) -> None:
        self._copy(table, columns, query)

    def replace_all_from(self, path: Path) -> None:
        """Replace every table's rows by those of the store in the DuckDB file at `path` (a
        backup at this schema version), inside this transaction: a failure leaves the store
        as it was. The change feed stays this store's own (running app servers key their
        caches on its version, which must never go back); the audit sequence moves past the
        restored trail."""
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = [t for t in store_tables(con) if t not in CHANGE_FEED]
            self._run(f"TRUNCATE {', '.join(tables)}", None)
            for table in tables:
                columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
                self._copy(table, columns, f"SELECT * FROM {table}", engine=con)
            self._run(
                "SELECT setval('audit_seq', coalesce(max(id), 0) + 1, false) FROM audit", None
            )
        finally:
            con.close()

    @contextmanager
    def bulk(self, tables: Iterable[str]) -> Iterator[Cursor]:
        cur = self.duckdb
        for table in tables:  # temporary tables come first in DuckDB's name lookup
            cur.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM {ALIAS}.{table} LIMIT 0")
        yield cur
        for table in tables:
            columns = [r[0] for r in cur.execute(f"DESCRIBE temp.{table}").fetchall()]
            self._copy(table, columns, f"SELECT * FROM temp.{table}")
            cur.execute(f"DROP TABLE temp.{table}")

    def update_from(
        self, table: str, key: Sequence[str], columns: Sequence[str], query: str
    ) -> None:
        self._run(f"CREATE TEMP TABLE rb_update (LIKE {table}) ON COMMIT DROP", None)
        self._copy("rb_update", columns, query)
        self.filled.add(table)
        sets = ", ".join(f"{c} = n.{c}" for c in columns if c not in key)
        on_key = " AND ".join(f"{table}.{k} = n.{k}" for k in key)
        self._run(f"UPDATE {table} SET {sets} FROM rb_update n WHERE {on_key}", None)
        self._run("DROP TABLE rb_update", None)


class PgStore(Store):
    """One PostgreSQL database: writes through a psycopg pool, reads through DuckDB."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.path = public_url(url)
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            timeout=CONNECT_TIMEOUT,
            kwargs={"connect_timeout": CONNECT_TIMEOUT},
            check=psycopg_pool.ConnectionPool.check_connection,
            configure=_configure,
            open=False,
            name="regiebord",
        )
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._duck_lock = threading.Lock()
        self._closed = False

    def open(self) -> None:
        with _translated_errors(self.url):
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT)

    # -- reads: DuckDB over the attached database ------------------------------------------------
    def _engine(self) -> duckdb.DuckDBPyConnection:
        """This process's DuckDB with the database attached read-only (made on first use, and
        again after the server was lost)."""
        with self._duck_lock:
            if self._closed:
                raise duckdb.ConnectionException("Connection Error: the store is closed")
            if self._duck is None:
                con = duckdb.connect(":memory:", config=_config())
                try:
                    con.execute(f"LOAD {_literal(postgres_extension())}")
                    con.execute(
                        f"ATTACH {_literal(self.url)} AS {ALIAS} (TYPE postgres, READ_ONLY)"
                    )
                except duckdb.Error as exc:
                    con.close()
                    raise unavailable(self.url, exc) from exc
                self._duck = con
            return self._duck

    def _cursor(self, *, keyed: bool = False) -> duckdb.DuckDBPyConnection:
        cur = self._engine().cursor()
        cur.execute(f"USE {ALIAS}")
        if keyed:  # this cursor's own setting: each is a session of its own
            cur.execute("SET pg_use_ctid_scan = false")
        return cur

    def _forget_engine(self) -> None:
        with self._duck_lock:
            if self._duck is not None:
                self._duck.close()
                self._duck = None

    @contextmanager
    def _server_lost_as_unavailable(self) -> Iterator[None]:
        """A DuckDB error that says the server went away: StoreUnavailable, and the next read
        attaches afresh (the attachment does not reconnect by itself)."""
        try:
            yield
        except duckdb.Error as exc:
            if _lost_server(exc):
                self._forget_engine()
                raise unavailable(self.url, exc) from exc
            raise

    @contextmanager
    def read(self, *, keyed: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh DuckDB cursor over the attached database, for reads by this thread
        (`keyed`: see Store.read)."""
        with self._server_lost_as_unavailable():
            cur = self._cursor(keyed=keyed)
            try:
                yield cur
            finally:
                cur.close()

    # -- writes: psycopg -------------------------------------------------------------------------
    @contextmanager
    def write(self, *, audit_only: bool = False) -> Iterator[Tx]:
        """A `Tx` inside one PostgreSQL transaction, after the store-wide write lock; commits
        when the block ends normally, rolls back on any exception (see `FileStore.write` for
        what a data write records)."""
        with _translated_errors(self.url):
            conn = self._pool.getconn()
        tx: PgTx | None = None
        try:
            cur = conn.cursor()
            try:
                with _translated_errors(self.url):
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
                tx = PgTx(cur, self, audit_only=audit_only)
                yield tx
                if not audit_only:
                    changes.record(tx, tx.touched())
                with _translated_errors(self.url):
                    conn.commit()
            except BaseException:
                if not conn.closed:
                    try:
                        conn.rollback()
                    except psycopg.Error:
                        pass  # the connection is gone: the server rolled the transaction back
                raise
            finally:
                if tx is not None:
                    tx.close()
        finally:
            self._pool.putconn(conn)
        if not audit_only:
            self._notify()
        if tx is not None and tx.filled:
            self._analyze(sorted(tx.filled))

    def _analyze(self, tables: list[str]) -> None:
        """Planner statistics for tables an import, restore or demo just filled, as after
        pg_restore: until autovacuum gets to them the planner would guess, and the first
        pages after a nightly import are slow. After the commit and outside the write lock
        (ANALYZE blocks neither reads nor writes); the rows are safe whatever it does, so a
        failure here is only logged."""
        try:
            with self._pool.connection() as conn:
                conn.execute(f"ANALYZE {', '.join(tables)}")
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            _log.warning("ANALYZE after a bulk write failed: %s", exc)

    def copy_to(self, path: Path) -> None:
        """Copy the whole store into a new DuckDB file at `path` (a backup, restorable to a
        file or to PostgreSQL). The file gets its schema from the migrations, then every
        table's rows, read through the attachment while this process holds the store-wide
        write lock: no write commits meanwhile, so the copy is one consistent state. The
        file's audit sequence is moved past the copied trail (DuckDB has no setval)."""
        with self.write(audit_only=True):
            con = duckdb.connect(str(path), config=_config())
            try:
                migrate(con)
                con.execute(f"LOAD {_literal(postgres_extension())}")
                con.execute(f"ATTACH {_literal(self.url)} AS rb_source (TYPE postgres, READ_ONLY)")
                con.execute("BEGIN TRANSACTION")
                for table in store_tables(con):
                    con.execute(f"DELETE FROM {table}")
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM rb_source.{table}")
                con.execute(
                    "SELECT max(nextval('audit_seq'))"
                    " FROM range((SELECT coalesce(max(id), 0) FROM audit))"
                )
                con.execute("COMMIT")
                con.execute("DETACH rb_source")
                con.execute("CHECKPOINT")
            finally:
                con.close()

    def close(self) -> None:
        self._forget_engine()
        self._closed = True
        self._open = False
        self._pool.close()

    # -- schema ----------------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply the migrations this database lacks, each in its own transaction, holding a
        lock so two processes starting at once do not both apply them. The same files as the
        DuckDB file's (docs/architecture.md: one SQL for both backends)."""
        applied: list[str] = []
        with _translated_errors(self.url), self._pool.connection() as conn:
            conn.autocommit = True
            conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                    " name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
                )
                have = {r[0] for r in conn.execute("SELECT version FROM schema_version")}
                for version, name, sql in migration_files():
                    if version in have:
                        continue
                    with conn.transaction():
                        conn.execute(sql)
                        conn.execute(
                            "INSERT INTO schema_version VALUES (%s, %s, localtimestamp)",
                            [version, name],
                        )
                    applied.append(name)
                with conn.transaction():
                    conn.execute(
                        "INSERT INTO store_info SELECT false, localtimestamp"
                        " WHERE NOT EXISTS (SELECT 1 FROM store_info)"
                    )
                    _ids_by_bytes(conn)
                    for statement in PG_INDEXES:
                        conn.execute(statement)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])
                conn.autocommit = False
        return applied


def _lost_server(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    words = ("connect", "server closed", "terminating", "could not receive", "could not send")
    return any(w in text for w in words)


def open_pg_store(url: str, *, read_only: bool = False) -> PgStore:
    """Open the store in the PostgreSQL database at `url`, creating or upgrading its schema
    (unless read_only). StoreUnavailable when the server cannot be reached."""
    store = PgStore(url)
    try:
        store.open()
        if not read_only:
            store.created = FIRST_MIGRATION in store.migrate()
        store._engine()
    except BaseException:
        store.close()
        raise
    return store


def _csv_value(column: str, kind: str) -> str:
    """The DuckDB expression that writes `column` (of DuckDB type `kind`) in the text form
    PostgreSQL's CSV COPY reads. Every type of the schema is written as DuckDB writes it except
    lists (VARCHAR[]), which become array literals: `{"a","b \\"c\\""}`, each element quoted
    with its backslashes and quotes escaped, a NULL element unquoted."""
    if not kind.endswith("[]"):
        return column
    element = r"""CASE WHEN x IS NULL THEN 'NULL'
        ELSE '"' || replace(replace(x, '\', '\\'), '"', '\"') || '"' END"""
    return f"'{{' || array_to_string(list_transform({column}, x -> {element}), ',') || '}}'"
