"""Auditlog: search the append-only audit trail (admins). Read-only: nothing here writes."""

from __future__ import annotations

import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.errors import RegiebordError
from dashboard.security import audit_trail
from dashboard.security.access import User

LIMIT = 500
COLUMNS = ("id", "occurred_at", "actor", "action", "entity", "entity_key", "student_id",
           "old_value", "new_value", "detail")  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=16)
def first_broken_row(store_key: tuple, user: User) -> int | None:
    return audit_trail.first_broken_row(runtime.store(), user)


user, store = session.user(), runtime.store()
st.title(session.tr("access.audit.title"))
try:
    actions = audit_trail.actions(store, user)
    broken = first_broken_row(runtime.store_key(), user)
except RegiebordError as exc:
    render.show_error(exc)
    st.stop()

st.caption(session.tr("access.audit.intro"))
if broken is None:
    st.success(session.tr("access.audit.intact"))
else:
    st.error(session.tr("access.audit.broken", id=broken))

actor_col, action_col, student_col, since_col, until_col = st.columns(5)
actor = actor_col.text_input(session.tr("access.audit.actor"), key="audit_actor")
action = action_col.selectbox(
    session.tr("access.audit.action"),
    ["", *actions],
    format_func=lambda a: a or session.tr("access.audit.any_action"),
    key="audit_action",
)
student = student_col.text_input(session.tr("access.audit.student"), key="audit_student")
since = since_col.date_input(session.tr("access.audit.since"), value=None, key="audit_since")
until = until_col.date_input(session.tr("access.audit.until"), value=None, key="audit_until")

try:
    rows = audit_trail.search(
        store, user, actor=actor, action=action, student_id=student, since=since, until=until,
        limit=LIMIT,
    )  # fmt: skip
except RegiebordError as exc:
    render.show_error(exc)
    st.stop()

if not rows:
    st.info(session.tr("access.audit.none"))
else:
    st.caption(session.tr("access.audit.shown", count=len(rows), limit=LIMIT))
    st.dataframe(
        {session.tr(f"access.audit.columns.{c}"): [r[c] for r in rows] for c in COLUMNS},
        hide_index=True,
    )
