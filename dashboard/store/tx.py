"""A write transaction as services see it: a few verbs, and which students the write changed.

Services get a `Tx` from `Store.write()` and speak to the store only through it, so they need
not know which backend sits underneath: this class runs the verbs on the DuckDB file, `PgTx`
(dashboard/store/postgres.py) on PostgreSQL. Parameters are named (`$sid` with a dict) or
positional (`?` with a list), as DuckDB takes them; the SQL keeps to what both databases
accept (docs/architecture.md, "One SQL for both backends").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb

Params = dict[str, Any] | Sequence[Any] | None
# A DuckDB cursor (named here because `Tx.duckdb` hides the module's name inside the class).
Cursor = duckdb.DuckDBPyConnection


def scalar(cur: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> Any:
    """The first column of the first row, or None when there is no row: `Tx.scalar` for code
    that holds a plain cursor (the change feed, migrations, the export)."""
    row = cur.execute(sql, params).fetchone()
    return None if row is None else row[0]


def rows(cur: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> list[dict[str, Any]]:
    """Every row as a dict by column name: `Tx.rows` for code that holds a plain cursor (the
    reads of the student file, the checklists and the meetings)."""
    rel = cur.execute(sql, params)
    names = [d[0] for d in rel.description]
    return [dict(zip(names, row)) for row in rel.fetchall()]


def aggregate_row(
    cur: duckdb.DuckDBPyConnection, sql: str, params: Params = None
) -> tuple[Any, ...]:
    """The one row of a query that aggregates without GROUP BY (it always yields one)."""
    row = cur.execute(sql, params).fetchone()
    if row is None:
        raise ValueError("an aggregate query returned no row")
    return row


class Tx:
    """One write transaction: `rows`, `rows_each`, `one`, `scalar`, `column` read; `execute` and
    `executemany` write; `touch(student_ids)` / `touch_all()` declare what the write changed.

    The store records the declared students with its change counter when the transaction
    commits (dashboard/store/changes.py); see `Store.write` for what an undeclared write counts
    as. An audit-only transaction may not touch anything.

    `duckdb` is the one escape hatch: a DuckDB cursor (the transaction's own on the file; one
    over the attached database on PostgreSQL, see PgTx), for code that speaks DuckDB itself —
    the read-side helpers shared with `Store.read()` (the access checks of dashboard.security.access
    take a cursor or, in a write, the Tx itself), the import's staging of files with read_csv
    (written with `insert_from` / `update_from`), and the demo generator's bulk SQL (inside
    `bulk`). Everything else goes through the verbs.
    """

    def __init__(self, cursor: duckdb.DuckDBPyConnection, *, audit_only: bool):
        self._cur = cursor
        self._audit_only = audit_only
        self._student_ids: set[str] = set()
        self._everything = False

    @property
    def duckdb(self) -> duckdb.DuckDBPyConnection:
        return self._cur

    # -- reading within the transaction --------------------------------------------------------
    def rows(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        """Every row, as a dict by column name."""
        return rows(self._cur, sql, params)

    def rows_each(self, queries: Sequence[tuple[str, Params]]) -> list[list[dict[str, Any]]]:
        """Several reads that do not depend on each other, each answered as `rows` answers
        it. On PostgreSQL (PgTx) they reach the server in one round trip: a write under the
        store-wide lock holds it for fewer of them."""
        return [self.rows(sql, params) for sql, params in queries]

    def one(self, sql: str, params: Params = None) -> dict[str, Any] | None:
        """The first row as a dict, or None when there is none."""
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None when there is no row."""
        rows = self.tuples(sql, params)
        return rows[0][0] if rows else None

    def column(self, sql: str, params: Params = None) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in self.tuples(sql, params)]

    def tuples(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """Every row, as a tuple."""
        return self._cur.execute(sql, params).fetchall()

    # -- writing -----------------------------------------------------------------------------
    def execute(self, sql: str, params: Params = None) -> int:
        """Run one statement; the number of rows an INSERT, UPDATE or DELETE changed (0 for
        other statements)."""
        self._cur.execute(sql, params)
        if [d[0] for d in self._cur.description or ()] != ["Count"]:
            return 0
        row = self._cur.fetchone()
        return row[0] if row else 0

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._cur.executemany(sql, list(rows))

    # -- bulk writes from DuckDB work (the import's staged tables, the demo generator) -------
    @contextmanager
    def bulk(self, tables: Iterable[str]) -> Iterator[Cursor]:
        """A DuckDB cursor on which SQL may fill `tables` (empty so far) in bulk. On the file
        that is the transaction's own cursor; on PostgreSQL (PgTx) the rows go to temporary
        twins of the tables and are copied in when the block ends."""
        yield self._cur

    def insert_from(self, table: str, columns: Sequence[str], query: str) -> None:
        """Insert the rows of `query`, a DuckDB query on `self.duckdb` (its temp tables), into
        the store's `table`."""
        self._cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) {query}")

    def update_from(
        self, table: str, key: Sequence[str], columns: Sequence[str], query: str
    ) -> None:
        """Update the rows of `table` whose `key` matches a row of `query` (a DuckDB query on
        `self.duckdb` giving `columns`, the key among them) to that row's values."""
        sets = ", ".join(f"{c} = n.{c}" for c in columns if c not in key)
        on_key = " AND ".join(f"{table}.{k} = n.{k}" for k in key)
        self._cur.execute(f"UPDATE {table} SET {sets} FROM ({query}) n WHERE {on_key}")

    # -- what the write changed --------------------------------------------------------------
    def touch(self, student_ids: Iterable[str]) -> None:
        """Declare that this write changed these students' data (and nobody else's)."""
        self._refuse_if_audit_only()
        self._student_ids.update(student_ids)

    def touch_all(self) -> None:
        """Declare that this write may have changed anything (settings, an import, ...)."""
        self._refuse_if_audit_only()
        self._everything = True

    def touched(self) -> frozenset[str] | None:
        """The students this write changed, or None for everything (also when it declared
        nothing: the safe reading of a data write that forgot to say)."""
        if self._everything or not self._student_ids:
            return None
        return frozenset(self._student_ids)

    def _refuse_if_audit_only(self) -> None:
        if self._audit_only:
            raise RuntimeError("an audit-only write cannot change data: use store.write()")
