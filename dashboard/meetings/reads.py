"""Reading meetings as a user may: the helpers every meetings service shares.

A user sees a meeting by `access.require_meeting`; inside it only the students of their own
scope (`visible_ids`), and care-only decisions and actions only of students whose `care`
contacts they may read (`care_readers`). Callers hold a cursor (a read, or a write's
`tx.duckdb`) and have checked the action with `access.ensure`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from dashboard.meetings.model import (
    Action,
    AgendaItem,
    Attendee,
    Decision,
    Meeting,
    StatusChange,
)
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store.tx import rows
from dashboard.students.student_file import ADULT_AGE

_ACTIONS_SQL = """
SELECT a.action_id, a.meeting_id, m.held_on, a.student_id,
       s.first_name || ' ' || s.last_name AS student_name, a.what, a.owner_id,
       coalesce(p.name, a.owner_id) AS owner_name, a.due_on, a.note, a.care_only,
       (SELECT list({'status': h.status, 'changed_on': h.changed_on, 'changed_by': h.changed_by}
                    ORDER BY h.changed_on, h.status <> 'open', h.changed_at)
        FROM meeting_action_status h WHERE h.action_id = a.action_id) AS history
FROM meeting_actions a
JOIN meetings m USING (meeting_id)
JOIN students s USING (student_id)
LEFT JOIN staff p ON p.person_id = a.owner_id
WHERE {where}
ORDER BY a.due_on, a.student_id, a.created_at, a.action_id
"""


def visible_ids(
    cur: duckdb.DuckDBPyConnection, user: User, today: dt.date, ids: Iterable[str]
) -> set[str]:
    """Those of `ids` that `user` may see on `today` (the one scope of access.scope_sql)."""
    wanted = sorted(set(ids))
    if not wanted or not access.may(user, "view_students"):
        return set()
    scope, params = access.scope_sql(user)
    sql = (
        "SELECT student_id FROM students WHERE student_id IN (SELECT unnest($ids::VARCHAR[])) "
        f"AND student_id IN ({scope})"
    )
    found = cur.execute(sql, access.used_params(sql, {**params, "ids": wanted, "today": today}))
    return {r[0] for r in found.fetchall()}


def care_readers(
    cur: duckdb.DuckDBPyConnection, user: User, today: dt.date, ids: Iterable[str]
) -> set[str]:
    """Those of the (visible) `ids` whose care-only meeting items `user` may read."""
    return {s for s in ids if access.sees_care_only(access.visibilities(cur, user, s, today))}


def actions(
    cur: duckdb.DuckDBPyConnection,
    user: User,
    today: dt.date,
    where: str,
    params: dict,
) -> tuple[Action, ...]:
    """The actions matching `where` (SQL over meeting_actions `a` and meetings `m`) that
    `user` may read: of students they see, care-only ones only where they read care."""
    found = rows(cur, _ACTIONS_SQL.replace("{where}", where), params)
    visible = visible_ids(cur, user, today, (r["student_id"] for r in found))
    care = care_readers(cur, user, today, visible)
    return tuple(
        _action(r)
        for r in found
        if r["student_id"] in visible and (not r["care_only"] or r["student_id"] in care)
    )


def _action(row: dict) -> Action:
    history = tuple(StatusChange(**h) for h in row.pop("history") or [])
    return Action(**row, history=history)


def ask_first(cur: duckdb.DuckDBPyConnection, held_on: dt.date, ids: Iterable[str]) -> set[str]:
    """Those of `ids` whose latest `external` consent on `held_on` is not yes, or, for a
    minor on that day, whose latest `parents` consent is not yes: at a meeting with external
    partners they are discussed without name, or asked first."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    sql = """
        SELECT s.student_id
        FROM students s
        WHERE s.student_id IN (SELECT unnest($ids::VARCHAR[]))
          AND (NOT coalesce((SELECT arg_max(k.shares, k.decided_on) FROM consents k
                             WHERE k.student_id = s.student_id AND k.audience = 'external'
                               AND k.decided_on <= $day), false)
               OR (s.birth_date > $day - to_years($adult)
                   AND NOT coalesce((SELECT arg_max(k.shares, k.decided_on) FROM consents k
                                     WHERE k.student_id = s.student_id
                                       AND k.audience = 'parents' AND k.decided_on <= $day),
                                    false)))
    """
    params = {"ids": wanted, "day": held_on, "adult": ADULT_AGE}
    return {r[0] for r in cur.execute(sql, params).fetchall()}


def load(cur: duckdb.DuckDBPyConnection, user: User, meeting_id: str, today: dt.date) -> Meeting:
    """The meeting as `user` may read it (NotFound when they may not see it)."""
    access.require_meeting(cur, user, meeting_id)
    m = rows(cur, "SELECT * FROM meetings WHERE meeting_id = $m", {"m": meeting_id})[0]
    params = {"m": meeting_id}
    items = rows(
        cur,
        "SELECT i.student_id, s.first_name || ' ' || s.last_name AS name, i.position, "
        "i.minutes, i.reason FROM meeting_items i JOIN students s USING (student_id) "
        "WHERE i.meeting_id = $m ORDER BY i.position",
        params,
    )
    visible = visible_ids(cur, user, today, (i["student_id"] for i in items))
    marked = ask_first(cur, m["held_on"], visible) if m["kind"] == "external" else set()
    agenda = tuple(
        AgendaItem(**i, ask_first=i["student_id"] in marked)
        for i in items
        if i["student_id"] in visible
    )
    care = care_readers(cur, user, today, visible)
    decisions = tuple(
        Decision(**d)
        for d in rows(
            cur,
            "SELECT d.decision_id, d.student_id, d.kind, d.text, d.agreement_id, d.care_only, "
            "d.recorded_by, d.recorded_at, p.name AS holder_name, g.agreed_on "
            "FROM meeting_decisions d LEFT JOIN agreements g USING (agreement_id) "
            "LEFT JOIN staff p ON p.person_id = g.holder_id WHERE d.meeting_id = $m "
            "ORDER BY d.recorded_at, d.decision_id",
            params,
        )
        if d["student_id"] in visible and (not d["care_only"] or d["student_id"] in care)
    )
    attendees = tuple(
        Attendee(**a)
        for a in rows(
            cur,
            "SELECT a.person_id, coalesce(p.name, a.person_id) AS name, "
            "coalesce(p.organisation, '') AS organisation, a.role, a.present "
            "FROM meeting_attendees a LEFT JOIN staff p USING (person_id) "
            "WHERE a.meeting_id = $m ORDER BY name, a.person_id",
            params,
        )
    )
    carried = actions(
        cur,
        user,
        today,
        "m.held_on < $day AND ((m.caseload_kind = $kind AND m.caseload_value = $value) "
        "OR a.student_id IN (SELECT unnest($agenda::VARCHAR[]))) AND NOT EXISTS (SELECT 1 FROM meeting_action_status h "
        "WHERE h.action_id = a.action_id AND h.status <> 'open')",
        {
            "kind": m["caseload_kind"],
            "value": m["caseload_value"],
            "day": m["held_on"],
            "agenda": [i.student_id for i in agenda],
        },
    )
    return Meeting(
        meeting_id=meeting_id,
        held_on=m["held_on"],
        kind=m["kind"],
        caseload_kind=m["caseload_kind"],
        caseload_value=m["caseload_value"],
        minutes_available=m["minutes_available"],
        coordinator=m["coordinator"],
        closed_at=m["closed_at"],
        attendees=attendees,
        agenda=agenda,
        decisions=decisions,
        actions=actions(cur, user, today, "a.meeting_id = $m", params),
        carried=carried,
        may_run=access.may(user, "run_meetings"),
    )
