"""Leerlingdossier: one student's file, the mentor's page.

Opened with st.query_params["student"]. At the top what a mentor must see in seconds: who the
student is, the open signals with their next step, and who holds direction (regie). Below, in
tabs: the network of guides, the placements with their fixed contact moments and all contacts,
the agreements, the checklists, the consent decisions, and the status with the history of changes.

Widgets -> one service call (dashboard.students: student_file.load, records, agreements) -> render.
Every form validates in the service; problems are shown under the field they concern and
nothing is written. After a write the page reruns with a fresh form (form keys carry a
generation number) and a confirmation on top.

This script loads the file and lays out the page; each section lives in a module of
dashboard/app/student_page/.
"""

from __future__ import annotations

import streamlit as st

from dashboard.app import nav, render, runtime, session
from dashboard.app.meeting_page.follow_up import student_block
from dashboard.app.session import tr
from dashboard.app.student_page import cached
from dashboard.app.student_page.agreements import agreements_tab
from dashboard.app.student_page.checklists import checklists_tab
from dashboard.app.student_page.common import FLASH
from dashboard.app.student_page.consent import consent_tab
from dashboard.app.student_page.contacts import stop_notice
from dashboard.app.student_page.network import network_tab
from dashboard.app.student_page.overview import direction_card, overview, signals_block
from dashboard.app.student_page.placements import placements_tab
from dashboard.app.student_page.status import status_tab
from dashboard.errors import RegiebordError
from dashboard.students import student_file

SECTION = "student.section"  # the open tab (its label)
LAST_STUDENT = "student.last"  # the student whose file was last shown in this session


def main() -> None:
    user = session.user()
    nav.back_to_list()
    # Without a student in the address (the menu's link), the file last opened this session.
    student_id = st.query_params.get("student") or st.session_state.get(LAST_STUDENT)
    if not student_id:
        st.info(tr("student.none_chosen"))
        st.stop()
    # One view_student audit event per opening of a file, not per click inside it.
    opening = session.arrived() or st.session_state.get(LAST_STUDENT) != student_id
    try:
        if opening:
            f = student_file.load(
                runtime.store(), user, student_id, session.today(), session.lang()
            )
        else:
            f = cached.student(
                runtime.store_key(), user, student_id, session.today(), session.lang()
            )
    except RegiebordError as exc:
        render.show_error(exc)
        st.stop()
    st.session_state[LAST_STUDENT] = student_id
    if st.query_params.get("student") != student_id:
        st.query_params["student"] = student_id  # the address names the file shown
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH))
    overview(f)
    stop_notice(f)
    left, right = st.columns([3, 2], gap="large")
    with left:
        signals_block(f)
    with right:
        direction_card(f)
        student_block(user, student_id)
    # Keyed and tracked, so a save (which reruns the page) stays on the tab it was made in, and
    # lazy: only the open tab runs and reaches the browser (six tabs at once made the file slow
    # to draw with many users at once; docs/performance.md, the load benchmark).
    tabs = st.tabs(
        [
            tr("student.tab.network", n=len({i.person.person_id for i in f.active_network})),
            tr("student.tab.placements"),
            tr("student.tab.agreements"),
            tr("checklists.tab"),
            tr("student.tab.consent"),
            tr("student.tab.status"),
        ],
        key=SECTION,
        on_change="rerun",
    )
    sections = (
        network_tab,
        placements_tab,
        agreements_tab,
        checklists_tab,
        consent_tab,
        status_tab,
    )
    for tab, section in zip(tabs, sections, strict=True):
        if tab.open:
            with tab:
                section(f)


main()
