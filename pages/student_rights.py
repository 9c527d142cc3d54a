"""Rechten van de leerling: inzage, correction, and erasure or anonymisation (admins)."""

from __future__ import annotations

import streamlit as st

from dashboard import settings
from dashboard.app import ui
from dashboard.errors import RegiebordError
from dashboard.security import access
from dashboard.students import rights

NOTICE = "rights_notice"
INZAGE = "rights_inzage"  # (student_id, file bytes) of the last access file made

user, store, today = ui.user(), ui.store(), ui.today()
st.title(ui.tr("access.rights.title"))
try:
    access.ensure(user, "student_rights")  # before any widget: others see nothing but the title
except RegiebordError as exc:
    ui.show_error(exc)
    st.stop()

st.caption(ui.tr("access.rights.intro"))
if NOTICE in st.session_state:
    st.success(st.session_state.pop(NOTICE))
text = st.text_input(
    ui.tr("access.rights.search"),
    placeholder=ui.tr("access.rights.search_placeholder"),
    key="rights_search",
)
try:
    found = rights.find_students(store, user, text, today)
except RegiebordError as exc:
    ui.show_error(exc)
    st.stop()
if not found:
    st.info(ui.tr("access.rights.none"))
    st.stop()

by_id = {row["student_id"]: row for row in found}
sid = st.selectbox(
    ui.tr("access.rights.student"),
    list(by_id),
    format_func=lambda s: f"{by_id[s]['name']} ({s})",
    key="rights_student",
)
student = by_id[sid]
status_date = ui.date_text(student["status_date"]) or "-"
st.write(
    ui.tr("access.rights.status", status=ui.label("status", student["status"]), date=status_date)
)

st.subheader(ui.tr("access.rights.inzage"))
st.caption(ui.tr("access.rights.inzage_help"))
if st.button(ui.tr("access.rights.inzage_make")):
    try:
        st.session_state[INZAGE] = (sid, rights.inzage(store, user, sid, ui.lang()))
    except RegiebordError as exc:
        ui.show_error(exc)
made = st.session_state.get(INZAGE)
if made and made[0] == sid:
    st.download_button(
        ui.tr("access.rights.inzage_download"),
        made[1],
        file_name=rights.inzage_filename(sid, today),
        mime="text/markdown",
    )

st.subheader(ui.tr("access.rights.correct"))
st.caption(ui.tr("access.rights.correct_help"))
with st.form("rights_correct", clear_on_submit=True):
    field = st.selectbox(
        ui.tr("access.rights.field"),
        rights.CORRECTABLE,
        format_func=lambda c: ui.tr(f"access.inzage.column.{c}"),
    )
    value = st.text_input(ui.tr("access.rights.value"))
    correct = st.form_submit_button(ui.tr("access.rights.correct_submit"))
if correct:
    try:
        changed = rights.correct(store, user, sid, {field: value})
    except RegiebordError as exc:
        ui.show_error(exc)
    else:
        names = ", ".join(ui.tr(f"access.inzage.column.{c}") for c in changed)
        st.session_state[NOTICE] = (
            ui.tr("access.rights.corrected", fields=names) if changed
            else ui.tr("access.rights.unchanged")
        )  # fmt: skip
        st.rerun()

st.subheader(ui.tr("access.rights.erase"))
years = settings.current(store)["retention_years"]
st.caption(ui.tr("access.rights.erase_help", years=years))
if not student["erasable"]:
    st.info(ui.problem_text(student["why_not"]))
else:
    with st.form("rights_erase", clear_on_submit=True):
        mode = st.radio(
            ui.tr("access.rights.mode"),
            rights.MODES,
            format_func=lambda m: ui.tr(f"access.rights.mode_{m}"),
        )
        confirm = st.text_input(ui.tr("access.rights.confirm"))
        erase = st.form_submit_button(ui.tr("access.rights.erase_submit"), type="primary")
    if erase:
        if confirm.strip() != sid:
            st.error(ui.tr("access.rights.confirm_mismatch"))
        else:
            try:
                counts = rights.erase_or_anonymise(store, user, sid, mode, today)
            except RegiebordError as exc:
                ui.show_error(exc)
            else:
                st.session_state.pop(INZAGE, None)
                st.session_state[NOTICE] = ui.tr("access.rights.erased", rows=sum(counts.values()))
                st.rerun()
