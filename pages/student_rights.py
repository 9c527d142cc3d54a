"""Rechten van de leerling: inzage, correction, and erasure or anonymisation (admins)."""

from __future__ import annotations

import streamlit as st

from dashboard import settings
from dashboard.app import render, runtime, session
from dashboard.errors import RegiebordError
from dashboard.security import access
from dashboard.students import rights

NOTICE = "rights_notice"
INZAGE = "rights_inzage"  # (student_id, file bytes) of the last access file made

user, store, today = session.user(), runtime.store(), session.today()
st.title(session.tr("access.rights.title"))
try:
    access.ensure(user, "student_rights")  # before any widget: others see nothing but the title
except RegiebordError as exc:
    render.show_error(exc)
    st.stop()

st.caption(session.tr("access.rights.intro"))
if NOTICE in st.session_state:
    st.success(st.session_state.pop(NOTICE))
text = st.text_input(
    session.tr("access.rights.search"),
    placeholder=session.tr("access.rights.search_placeholder"),
    key="rights_search",
)
try:
    found = rights.find_students(store, user, text, today)
except RegiebordError as exc:
    render.show_error(exc)
    st.stop()
if not found:
    st.info(session.tr("access.rights.none"))
    st.stop()

by_id = {row["student_id"]: row for row in found}
sid = st.selectbox(
    session.tr("access.rights.student"),
    list(by_id),
    format_func=lambda s: f"{by_id[s]['name']} ({s})",
    key="rights_student",
)
student = by_id[sid]
status_date = render.date_text(student["status_date"]) or "-"
st.write(
    session.tr(
        "access.rights.status", status=session.label("status", student["status"]), date=status_date
    )
)

st.subheader(session.tr("access.rights.inzage"))
st.caption(session.tr("access.rights.inzage_help"))
if st.button(session.tr("access.rights.inzage_make")):
    try:
        st.session_state[INZAGE] = (sid, rights.inzage(store, user, sid, session.lang()))
    except RegiebordError as exc:
        render.show_error(exc)
made = st.session_state.get(INZAGE)
if made and made[0] == sid:
    st.download_button(
        session.tr("access.rights.inzage_download"),
        made[1],
        file_name=rights.inzage_filename(sid, today),
        mime="text/markdown",
    )

st.subheader(session.tr("access.rights.correct"))
st.caption(session.tr("access.rights.correct_help"))
with st.form("rights_correct", clear_on_submit=True):
    field = st.selectbox(
        session.tr("access.rights.field"),
        rights.CORRECTABLE,
        format_func=lambda c: session.tr(f"access.inzage.column.{c}"),
    )
    value = st.text_input(session.tr("access.rights.value"))
    correct = st.form_submit_button(session.tr("access.rights.correct_submit"))
if correct:
    try:
        changed = rights.correct(store, user, sid, {field: value})
    except RegiebordError as exc:
        render.show_error(exc)
    else:
        names = ", ".join(session.tr(f"access.inzage.column.{c}") for c in changed)
        st.session_state[NOTICE] = (
            session.tr("access.rights.corrected", fields=names) if changed
            else session.tr("access.rights.unchanged")
        )  # fmt: skip
        st.rerun()

st.subheader(session.tr("access.rights.erase"))
years = settings.current(store)["retention_years"]
st.caption(session.tr("access.rights.erase_help", years=years))
if not student["erasable"]:
    st.info(render.problem_text(student["why_not"]))
else:
    with st.form("rights_erase", clear_on_submit=True):
        mode = st.radio(
            session.tr("access.rights.mode"),
            rights.MODES,
            format_func=lambda m: session.tr(f"access.rights.mode_{m}"),
        )
        confirm = st.text_input(session.tr("access.rights.confirm"))
        erase = st.form_submit_button(session.tr("access.rights.erase_submit"), type="primary")
    if erase:
        if confirm.strip() != sid:
            st.error(session.tr("access.rights.confirm_mismatch"))
        else:
            try:
                counts = rights.erase_or_anonymise(store, user, sid, mode, today)
            except RegiebordError as exc:
                render.show_error(exc)
            else:
                st.session_state.pop(INZAGE, None)
                st.session_state[NOTICE] = session.tr(
                    "access.rights.erased", rows=sum(counts.values())
                )
                st.rerun()
