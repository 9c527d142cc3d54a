"""The admin's read-only view of the audit trail (dashboard/audit.py keeps it append-only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import Store


def search(
    store: Store,
    user: User,
    *,
    actor: str | None = None,
    action: str | None = None,
    student_id: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Audit rows, newest first, matching every given filter (admins only)."""
    access.ensure(user, "view_audit")
    with store.read() as cur:
        return audit.search(
            cur,
            actor=(actor or "").strip() or None,
            action=action or None,
            student_id=(student_id or "").strip() or None,
            since=since,
            until=until,
            limit=limit,
        )


def actions(store: Store, user: User) -> list[str]:
    """The actions that occur in the trail, for a filter."""
    access.ensure(user, "view_audit")
    with store.read() as cur:
        return [
            r[0] for r in cur.execute("SELECT DISTINCT action FROM audit ORDER BY 1").fetchall()
        ]


def first_broken_row(store: Store, user: User) -> int | None:
    """The id of the first row edited or removed outside the app, or None when intact."""
    access.ensure(user, "view_audit")
    with store.read() as cur:
        return audit.verify_chain(cur)
