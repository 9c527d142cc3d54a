"""The store: where Regiebord keeps its data, behind one seam whichever backend holds it.

Two backends. The default is one DuckDB file (`FileStore`, this module): one read-write
connection per process and a fresh `cursor()` per read or write (cursors are not shared
between threads); writes run under one process-wide lock, each as a single transaction,
which avoids DuckDB's write-write conflicts between cursors. For several app servers and the
nightly import beside them, PostgreSQL (`PgStore`, dashboard/store/postgres.py), chosen by a
`postgresql://` URL instead of a path: writes go through psycopg, reads through DuckDB over
the attached database, so the same query files serve both.

Services write through a `Tx` (dashboard/store/tx.py) and declare which students they
changed; every committed data write bumps `version`, a counter kept in the database with
those students (dashboard/store/changes.py), so page caches and the day cache follow writes
made by any process. Reads get a plain DuckDB cursor from `read()`: DuckDB is the query
engine of the reads, whichever backend holds the data.

DuckDB's memory use is capped (REGIEBORD_MEMORY_LIMIT, default 3GB; it spills to a temp
directory beyond that) so a large import or evaluation stays within a small server's memory;
REGIEBORD_THREADS sets its worker threads (default: one per core).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from dashboard import i18n
from dashboard.errors import StoreLocked
from dashboard.store import changes
from dashboard.store.tx import Tx, scalar

DEFAULT_DB = Path("data/regiebord.duckdb")
DEFAULT_MEMORY_LIMIT = "3GB"
FIRST_MIGRATION = "001_initial"


SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(target: object) -> bool:
    """Whether `target` (a --db value) names a PostgreSQL database rather than a file."""
    return isinstance(target, str) and target.startswith(SERVER_SCHEMES)


def db_target(text: str) -> Path | str:
    """A --db or REGIEBORD_DB value: a `postgresql://` URL stays text, anything else is the
    path of a DuckDB file."""
    return text if is_server_url(text) else Path(text)


def default_db_path() -> Path | str:
    """`REGIEBORD_DB` if set, else data/regiebord.duckdb (relative to the working directory)."""
    return db_target(os.environ.get("REGIEBORD_DB") or str(DEFAULT_DB))


def migration_files() -> list[tuple[int, str, str]]:
    """The ordered migrations as (version, name, sql), read from dashboard/migrations/NNN_*.sql."""
    found = []
    for entry in resources.files("dashboard.store.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name[:-4], entry.read_text(encoding="utf-8")))
    return sorted(found)


class Store:
    """What services see of a store, whichever backend: `read()` (a DuckDB cursor),
    `write()` (a `Tx` in one transaction), the change feed and a few facts. Create one with
    `open_store`; share one instance per process."""

    # The file (FileStore) or the URL without its password (PgStore): for messages and
    # cache keys.
    path: Path | str
    # Whether this opening created the store (its first migration ran now).
    created: bool = False

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []
        self._open = True

    @property
    def is_open(self) -> bool:
        """False once closed: background threads (the scheduled backup) stop then."""
        return self._open

    def read(self, *, keyed: bool = False) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A fresh DuckDB cursor for reads by this thread.

        `keyed=True` promises that every statement in the block reads the large tables only
        through a key (one student or person, or a short list of them as bound values). On
        PostgreSQL each table is then read by one statement, which the server answers from
        its index, instead of DuckDB's parallel scans by page range: a student file at
        500,000 students 142 -> 53 ms. A whole-table read in such a block loses the
        parallel scan (all signals of a day 28 -> 42 s), so the default stays off. The file
        ignores it."""
        raise NotImplementedError

    def write(self, *, audit_only: bool = False) -> AbstractContextManager[Tx]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def copy_to(self, path: Path) -> None:
        """Copy the whole store, as one consistent state, into a new DuckDB file (a backup)."""
        raise NotImplementedError

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after every committed data write of this process (not after a
        rollback, nor after an audit-only write), in the writing thread: it should only
        start work elsewhere."""
        self._listeners.append(listener)

    # -- the change feed -------------------------------------------------------
    @property
    def version(self) -> int:
        """The store's change counter: every committed data write, by any process, bumps it
        (a one-row read). Page caches key on it."""
        with self.read() as cur:
            return changes.current(Tx(cur, audit_only=True))

    def changes_since(self, version: int) -> changes.Changes:
        """Which students were changed after `version` (see dashboard/store/changes.py)."""
        with self.read() as cur:
            return changes.since(Tx(cur, audit_only=True), version)

    # -- facts ---------------------------------------------------------------
    def schema_version(self) -> int:
        with self.read() as cur:
            return int(scalar(cur, "SELECT max(version) FROM schema_version") or 0)

    def is_demo(self) -> bool:
        with self.read() as cur:
            row = cur.execute("SELECT is_demo FROM store_info").fetchone()
        return bool(row and row[0])

    def set_demo(self, is_demo: bool) -> None:
        with self.write() as tx:
            tx.execute("UPDATE store_info SET is_demo = ?", [is_demo])
            tx.touch_all()


class FileStore(Store):
    """One DuckDB file: the embedded default."""

    path: Path

    def __init__(self, path: Path | str, con: duckdb.DuckDBPyConnection):
        super().__init__()
        self.path = Path(path)
        self._con = con
        self._write_lock = threading.RLock()

    # -- reads ---------------------------------------------------------------
    @contextmanager
    def read(self, *, keyed: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh cursor for reads by this thread (`keyed`: see Store.read)."""
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    # -- writes --------------------------------------------------------------
    @contextmanager
    def write(self, *, audit_only: bool = False) -> Iterator[Tx]:
        """A `Tx` inside one transaction under the process-wide write lock.

        Commits when the block ends normally, rolls back on any exception (which is
        re-raised), so a failed write leaves the store as it was.

        A data write bumps `version` once, in its own transaction, and records the students
        it declared with `tx.touch(ids)`, or everything after `tx.touch_all()`. A data write
        that declared nothing counts as touching everything: forgetting to declare then costs
        the caches a recomputation, never a stale answer. A write that changes nothing caches
        depend on (a view, an export, a sign-in, an account change: the audit trail and the
        sign-in bookkeeping) passes audit_only=True: it leaves `version` alone, so the pages'
        cached reads stay valid, and may not touch anything.
        """
        with self._write_lock:
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    tx = Tx(cur, audit_only=audit_only)
                    yield tx
                    if not audit_only:
                        changes.record(tx, tx.touched())
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                cur.execute("COMMIT")
            finally:
                cur.close()
        if not audit_only:
            self._notify()

    def copy_to(self, path: Path) -> None:
        """Copy the whole store (tables, constraints, sequences) into a new DuckDB file at
        `path`, as one snapshot of committed data, under the write lock (dashboard/store/backup.py
        does the copying)."""
        from dashboard.store import backup

        with self._write_lock, self.read() as cur:
            backup.copy_database(cur, path)

    def checkpoint(self) -> None:
        with self._write_lock, self.read() as cur:
            cur.execute("CHECKPOINT")

    def close(self) -> None:
        self._open = False
        self._con.close()


# The value types duckdb.connect's `config` takes (its stubs want exactly this dict type).
_Config = dict[str, str | bool | int | float | list[str]]


def _config() -> _Config:
    config: _Config = {
        "memory_limit": os.environ.get("REGIEBORD_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
    }
    if os.environ.get("REGIEBORD_THREADS"):
        config["threads"] = int(os.environ["REGIEBORD_THREADS"])
    return config


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only, config=_config())
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreLocked(
                i18n.t("cli.store_locked", i18n.message_language(), path=path)
            ) from exc
        raise


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations this file lacks, in order, each in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    have = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    applied = []
    for version, name, sql in migration_files():
        if version in have:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, current_timestamp::TIMESTAMP)",
                [version, name],
            )
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        applied.append(name)
    if scalar(con, "SELECT count(*) FROM store_info") == 0:
        con.execute("INSERT INTO store_info VALUES (false, current_timestamp::TIMESTAMP)")
    return applied


def store_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The store's tables, by name, in the database `con` reads: a DuckDB file, or an attached
    PostgreSQL database in use (duckdb_tables, as information_schema there would also list
    PostgreSQL's catalog views)."""
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = current_schema() ORDER BY table_name"
        ).fetchall()
    ]


def open_store(path: Path | str | None = None, *, read_only: bool = False) -> Store:
    """Open (creating and migrating when needed) the store at `path`: a DuckDB file, or a
    PostgreSQL database when it is a `postgresql://` URL (dashboard/store/postgres.py).

    Raises StoreLocked when another process holds the file, StoreUnavailable when the
    PostgreSQL server cannot be reached.
    """
    target = db_target(str(path)) if path is not None else default_db_path()
    if isinstance(target, str):
        from dashboard.store.postgres import open_pg_store

        return open_pg_store(target, read_only=read_only)
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(target, read_only)
    store = FileStore(target, con)
    if not read_only:
        # On its own cursor, closed after: a result the migration check leaves half-read on
        # the connection would hold a transaction open for good, and DuckDB cannot checkpoint
        # past an open transaction (the write-ahead log would only grow).
        cur = con.cursor()
        try:
            store.created = FIRST_MIGRATION in migrate(cur)
        finally:
            cur.close()
    return store
