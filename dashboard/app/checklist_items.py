"""The settings page's section on the checklists' items (admins): reword an item, retire it or
bring it back, add one. Each change is a new version of the item (dashboard/checklists/items.py):
checklists filled in earlier keep the wording they were filled in with."""

from __future__ import annotations

import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.session import tr
from dashboard.checklists import CHECKLISTS, items
from dashboard.errors import RegiebordError
from validation.checklists import ItemText

NOTICE = "settings_notice"  # the settings page shows it after the rerun


def _texts(prefix: str, item: items.Item | None) -> ItemText:
    c1, c2 = st.columns(2)
    wording_nl = c1.text_input(
        tr("student.field.wording_nl"), item.wording_nl if item else "", key=f"{prefix}_wnl"
    )
    wording_en = c2.text_input(
        tr("student.field.wording_en"), item.wording_en if item else "", key=f"{prefix}_wen"
    )
    explanation_nl = c1.text_area(
        tr("student.field.explanation_nl"), item.explanation_nl if item else "", key=f"{prefix}_enl"
    )
    explanation_en = c2.text_area(
        tr("student.field.explanation_en"), item.explanation_en if item else "", key=f"{prefix}_een"
    )
    return ItemText(wording_nl, wording_en, explanation_nl, explanation_en)


def _run(call) -> None:
    try:
        call()
    except RegiebordError as exc:
        render.show_error(exc)
        return
    st.session_state[NOTICE] = tr("checklists.admin.done")
    st.rerun()


def checklist_items_section() -> None:
    store, user = runtime.store(), session.user()
    st.subheader(tr("checklists.admin.title"))
    st.caption(tr("checklists.admin.intro"))
    every = {i.item_id: i for i in items.current_items(store, user, with_retired=True)}

    def name(item_id: str) -> str:
        item = every[item_id]
        text = f"{tr(f'checklists.name.{item.checklist}')} · {item.wording(session.lang())}"
        return f"{text} {tr('checklists.admin.retired')}" if item.retired else text

    chosen = st.selectbox(
        tr("checklists.admin.which"), list(every), format_func=name, key="cl_item"
    )
    item = every[chosen]
    with st.form(f"cl_reword_{chosen}_{item.version}"):
        text = _texts(f"cl_{chosen}_{item.version}", item)
        reword = st.form_submit_button(tr("checklists.admin.reword"), type="primary")
    if reword:
        _run(lambda: items.reword_item(store, user, chosen, text))
    toggle = "checklists.admin.restore" if item.retired else "checklists.admin.retire"
    if st.button(tr(toggle), key="cl_retire"):
        _run(lambda: items.set_retired(store, user, chosen, not item.retired))
    with st.expander(tr("checklists.admin.add")), st.form("cl_add"):
        checklist = st.radio(
            tr("student.field.checklist"),
            CHECKLISTS,
            horizontal=True,
            format_func=lambda c: tr(f"checklists.name.{c}"),
            key="cl_add_checklist",
        )
        new = _texts("cl_add", None)
        add = st.form_submit_button(tr("checklists.admin.add_button"))
    if add:
        _run(lambda: items.add_item(store, user, checklist, new))
