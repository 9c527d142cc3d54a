"""Whole-store copies on DuckDB: the mechanics under `regiebord backup` and `restore`
(the checks, the access and the audit are in dashboard/backups.py).

A copy is DuckDB's `COPY FROM DATABASE` into a freshly attached file: it reads one snapshot of
the committed data (a transaction in progress elsewhere is not in it) and writes every table
with its constraints and every sequence at its current value, so the copy is a self-contained
store, not a file copy that would miss a write-ahead log beside it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb

from dashboard import i18n
from dashboard.errors import StoreLocked
from dashboard.store.tx import scalar

_ALIAS = "regiebord_copy"


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _locked(path: Path, exc: duckdb.Error) -> StoreLocked | None:
    if "lock" in str(exc).lower():
        return StoreLocked(i18n.t("cli.store_locked", i18n.message_language(), path=path))
    return None


def copy_database(cur: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Copy the database `cur` is connected to into a new DuckDB file at `path`."""
    name = str(scalar(cur, "SELECT current_database()"))
    cur.execute(f"ATTACH {_literal(path)} AS {_ALIAS}")
    try:
        cur.execute(f"COPY FROM DATABASE {_identifier(name)} TO {_ALIAS}")
    finally:
        cur.execute(f"DETACH {_ALIAS}")


def is_store(path: Path) -> bool:
    """Whether `path` is a DuckDB file holding a Regiebord store (it has `schema_version`).

    Raises StoreLocked when another process holds the file.
    """
    if not path.is_file():
        return False
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        locked = _locked(path, exc)
        if locked:
            raise locked from exc
        return False
    try:
        found = scalar(
            con,
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version'"
            " AND database_name = current_database()",
        )
        return bool(found)
    finally:
        con.close()


def ensure_free(path: Path) -> None:
    """StoreLocked when another process holds the DuckDB file at `path`. Otherwise, when it
    is a DuckDB file, it is checkpointed, so no write-ahead log is left beside it."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        locked = _locked(path, exc)
        if locked:
            raise locked from exc
        return  # not a DuckDB file: nothing holds it
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()


def copy_file(source: Path, target: Path) -> None:
    """Copy the store in the DuckDB file `source` (opened read-only) into a new file `target`."""
    con = duckdb.connect(":memory:")
    try:
        try:
            con.execute(f"ATTACH {_literal(source)} AS regiebord_source (READ_ONLY)")
        except duckdb.Error as exc:
            locked = _locked(source, exc)
            if locked:
                raise locked from exc
            raise
        con.execute(f"ATTACH {_literal(target)} AS {_ALIAS}")
        con.execute(f"COPY FROM DATABASE regiebord_source TO {_ALIAS}")
        con.execute(f"DETACH {_ALIAS}")
        con.execute("DETACH regiebord_source")
    finally:
        con.close()


def remove(path: Path) -> None:
    """Remove a DuckDB file and its write-ahead log, if there."""
    for p in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
