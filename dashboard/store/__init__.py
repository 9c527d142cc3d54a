"""The DuckDB store: one file, one read-write connection per process, a cursor per use.

Streamlit serves every browser session from one process, each in its own thread. DuckDB
allows one read-write process; inside it we keep one connection and hand out a fresh
`cursor()` per read or write (cursors are not shared between threads). Writes run under one
process-wide lock, each as a single transaction, which avoids DuckDB's write-write conflicts
between cursors. Every committed write bumps `version`, the key that page caches use; a write
that left no audit event also sets `unaudited_version` (dashboard.day_cache then cannot
tell which students it changed).

DuckDB's memory use is capped (REGIEBORD_MEMORY_LIMIT, default 3GB; it spills to a temp
directory beyond that) so a large import or evaluation stays within a small server's memory;
REGIEBORD_THREADS sets its worker threads (default: one per core).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from dashboard import i18n
from dashboard.errors import StoreLocked

DEFAULT_DB = Path("data/regiebord.duckdb")
DUCKDB_VERSION = "1.5.5"
DEFAULT_MEMORY_LIMIT = "3GB"


def default_db_path() -> Path:
    """`REGIEBORD_DB` if set, else data/regiebord.duckdb (relative to the working directory)."""
    return Path(os.environ.get("REGIEBORD_DB") or DEFAULT_DB)


def migration_files() -> list[tuple[int, str, str]]:
    """The ordered migrations as (version, name, sql), read from dashboard/migrations/NNN_*.sql."""
    found = []
    for entry in resources.files("dashboard.store.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name[:-4], entry.read_text(encoding="utf-8")))
    return sorted(found)


def load_query(name: str) -> str:
    """The text of dashboard/queries/<name>.sql."""
    return resources.files("dashboard.queries").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def extension_path(name: str) -> Path:
    """Path of a DuckDB extension shipped by the `duckdb-extension-<name>` package.

    The machines cannot reach DuckDB's extension server, so extensions are loaded by path
    from the PyPI package (signature checks stay on).
    """
    module = __import__(f"duckdb_extension_{name}")
    base = Path(module.__file__).parent
    return base / "extensions" / f"v{DUCKDB_VERSION}" / f"{name}.duckdb_extension"


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    path = extension_path(name)
    con.execute(f"LOAD '{path.as_posix()}'")


class Store:
    """One DuckDB file. Create with `open_store`; share one instance per process."""

    def __init__(self, path: Path | str, con: duckdb.DuckDBPyConnection):
        self.path = Path(path)
        self._con = con
        self._write_lock = threading.RLock()
        self.version = 0
        self.unaudited_version = 0  # the last version whose write recorded no audit event
        self._listeners: list[Callable[[], None]] = []

    # -- reads ---------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh cursor for reads by this thread."""
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    # -- writes --------------------------------------------------------------
    @contextmanager
    def write(self, changes_data: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one transaction under the process-wide write lock.

        Commits when the block ends normally, rolls back on any exception (which is
        re-raised), so a failed write leaves the store as it was. A write that only appends
        to the audit trail (a view or an export) passes changes_data=False: it leaves
        `version` alone, so the pages' cached reads stay valid.
        """
        with self._write_lock:
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    mark = _audit_mark(cur)
                    yield cur
                    audited = _audit_mark(cur) != mark
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                cur.execute("COMMIT")
                if changes_data:
                    self.version += 1
                    if not audited:
                        self.unaudited_version = self.version
            finally:
                cur.close()
        if changes_data:
            for listener in self._listeners:
                listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after every committed write that changes data (not after a
        rollback, nor after an audit-only write), in the writing thread: it should only
        start work elsewhere."""
        self._listeners.append(listener)

    def checkpoint(self) -> None:
        with self._write_lock, self.read() as cur:
            cur.execute("CHECKPOINT")

    def close(self) -> None:
        self._con.close()

    # -- facts ---------------------------------------------------------------
    def schema_version(self) -> int:
        with self.read() as cur:
            return cur.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0

    def is_demo(self) -> bool:
        with self.read() as cur:
            row = cur.execute("SELECT is_demo FROM store_info").fetchone()
        return bool(row and row[0])

    def set_demo(self, is_demo: bool) -> None:
        with self.write() as cur:
            cur.execute("UPDATE store_info SET is_demo = ?", [is_demo])


def _audit_mark(cur) -> int:
    """The highest audit id (about a millisecond, also with millions of audit rows)."""
    return cur.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]


def _config() -> dict[str, str | int]:
    config: dict[str, str | int] = {
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
    if con.execute("SELECT count(*) FROM store_info").fetchone()[0] == 0:
        con.execute("INSERT INTO store_info VALUES (false, current_timestamp::TIMESTAMP)")
    return applied


def open_store(path: Path | str | None = None, *, read_only: bool = False) -> Store:
    """Open (creating and migrating when needed) the store at `path`.

    Raises StoreLocked when another process holds the file.
    """
    path = Path(path) if path is not None else default_db_path()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only)
    if not read_only:
        migrate(con)
    return Store(path, con)
