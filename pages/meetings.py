"""Caseloadbespreking: prepare, run, close and follow up a caseload meeting.

Coordinators (and admins) prepare a meeting and run it in three tabs: the agenda and
attendees, the run screen (one student at a time), closing and the minutes. Attendees and
guides see the meetings they attend, with only their own students, and the minutes.
Widgets -> one service call (dashboard.meetings) -> render; sections in
dashboard/app/meeting_page/.
"""

from __future__ import annotations

import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.meeting_page import cached
from dashboard.app.meeting_page.close import close_tab, read_only
from dashboard.app.meeting_page.common import CURRENT, show_flash, summary_text
from dashboard.app.meeting_page.prepare import agenda_editor, attendees_editor, new_meeting_form
from dashboard.app.meeting_page.run_screen import action_line, run_tab
from dashboard.app.session import tr
from dashboard.errors import RegiebordError
from dashboard.security import access


def main() -> None:
    user = session.user()
    st.title(tr("meeting.title"))
    st.caption(tr("meeting.intro"))
    show_flash()
    today = session.today()
    meetings = cached.meetings(runtime.store_key(), user, today)
    if access.may(user, "run_meetings"):
        with st.expander(tr("meeting.new"), expanded=not meetings):
            new_meeting_form(user)
    if not meetings:
        st.info(tr("meeting.none"))
        return
    by_id = {m.meeting_id: m for m in meetings}
    guides = dict(cached.options(runtime.store_key(), user, today).guides)
    current = st.session_state.get(CURRENT)
    chosen = st.selectbox(
        tr("meeting.choose"),
        list(by_id),
        index=list(by_id).index(current) if current in by_id else 0,
        format_func=lambda i: summary_text(by_id[i], guides),
    )
    st.session_state[CURRENT] = chosen
    try:
        m = cached.meeting(runtime.store_key(), user, chosen, today)
    except RegiebordError as exc:
        render.show_error(exc)
        return
    if m.is_closed:
        st.info(tr("meeting.closed_note"))
    if m.carried:
        with st.expander(tr("meeting.carried", n=len(m.carried))):
            for a in m.carried:
                st.markdown(f"{action_line(a)} · {render.plain(a.student_name)}")
    if not m.may_run:
        read_only(user, m)
        return
    prepare_tab, discuss_tab, close = st.tabs(
        [tr("meeting.tab_prepare"), tr("meeting.tab_run"), tr("meeting.tab_close")],
        key="meeting_tab",
        on_change="rerun",
    )
    with prepare_tab:
        agenda_editor(user, m)
        attendees_editor(user, m)
    with discuss_tab:
        run_tab(user, m)
    with close:
        close_tab(user, m)


main()
