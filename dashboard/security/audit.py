"""Append-only audit trail.

Every write (who, when, what, old and new value) and every view of a student file or export of
personal data is one row. This module only appends and searches: no code path updates or
deletes an audit row. Rows are hash-chained, so an edit made outside the app (with the DuckDB
CLI, say) is detected by `verify_chain`. Never store note texts or secrets in `detail`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import duckdb

GENESIS = "0" * 64
_FIELDS = (
    "occurred_at",
    "actor",
    "action",
    "entity",
    "entity_key",
    "student_id",
    "old_value",
    "new_value",
    "detail",
)


@dataclass(frozen=True)
class Event:
    actor: str
    action: str  # view_student, export, inzage, write, sign_in, sign_in_failed, ...
    entity: str | None = None
    entity_key: str | None = None
    student_id: str | None = None
    old_value: Any = None
    new_value: Any = None
    detail: str | None = None


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


def _row_hash(prev_hash: str, values: tuple) -> str:
    payload = json.dumps([prev_hash, *[None if v is None else str(v) for v in values]])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(cur: duckdb.DuckDBPyConnection, event: Event) -> None:
    """Append one event, inside the caller's write transaction (so it commits with the write).

    Callers hold the store's write lock (Store.write), which keeps the chain linear.
    """
    record_many(cur, [event])


def record_many(cur: duckdb.DuckDBPyConnection, events: list[Event]) -> None:
    if not events:
        return
    prev_hash = cur.execute("SELECT hash FROM audit_head").fetchone()[0]
    now = dt.datetime.now().replace(microsecond=0)
    rows = []
    for e in events:
        values = (
            now,
            e.actor,
            e.action,
            e.entity,
            e.entity_key,
            e.student_id,
            _json(e.old_value),
            _json(e.new_value),
            e.detail,
        )
        h = _row_hash(prev_hash, values)
        rows.append((*values, prev_hash, h))
        prev_hash = h
    cur.executemany(
        f"INSERT INTO audit ({', '.join(_FIELDS)}, prev_hash, hash) "
        f"VALUES ({', '.join('?' * (len(_FIELDS) + 2))})",
        rows,
    )
    cur.execute("UPDATE audit_head SET hash = ?", [prev_hash])


def search(
    cur: duckdb.DuckDBPyConnection,
    *,
    actor: str | None = None,
    action: str | None = None,
    student_id: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 500,
) -> list[dict]:
    """Audit rows, newest first, matching every given filter."""
    where, params = ["true"], []
    for column, value in (("actor", actor), ("action", action), ("student_id", student_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if since:
        where.append("occurred_at >= ?")
        params.append(since)
    if until:
        where.append("occurred_at < ? + INTERVAL 1 DAY")
        params.append(until)
    rel = cur.execute(
        f"SELECT id, occurred_at, actor, action, entity, entity_key, student_id, old_value, new_value, "
        f"detail FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT {int(limit)}",
        params,
    )
    names = [d[0] for d in rel.description]
    return [dict(zip(names, row)) for row in rel.fetchall()]


def verify_chain(cur: duckdb.DuckDBPyConnection) -> int | None:
    """The id of the first row whose hash does not match (edited or removed before it), or None."""
    prev_hash = GENESIS
    rows = cur.execute(
        f"SELECT id, {', '.join(_FIELDS)}, prev_hash, hash FROM audit ORDER BY id"
    ).fetchall()
    for row in rows:
        row_id, values, stored_prev, stored_hash = row[0], row[1:-2], row[-2], row[-1]
        if stored_prev != prev_hash or _row_hash(prev_hash, values) != stored_hash:
            return row_id
        prev_hash = stored_hash
    return None
