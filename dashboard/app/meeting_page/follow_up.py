"""The meeting blocks of other pages: "my actions" on the caseload page (with the form to mark
one done or cancelled) and "from meetings" in the student file."""

from __future__ import annotations

import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.meeting_page import cached
from dashboard.app.meeting_page.common import save
from dashboard.app.meeting_page.run_screen import action_line
from dashboard.app.session import tr
from dashboard.meetings import run
from dashboard.meetings.minutes import decision_text
from dashboard.meetings.model import CLOSED_STATUSES
from dashboard.security import access
from dashboard.security.access import User


def my_actions_block(user: User) -> None:
    if not access.may(user, "view_meetings") or not user.person_id:
        return
    mine = cached.my_actions(runtime.store_key(), user, session.today())
    with st.expander(tr("meeting.mine.title", n=len(mine)), expanded=bool(mine)):
        if not mine:
            st.caption(tr("meeting.mine.none"))
            return
        for a in mine:
            st.markdown(f"{action_line(a)} · {render.plain(a.student_name)}")
        by_id = {a.action_id: a for a in mine}
        with st.form("meeting_mine", clear_on_submit=True, enter_to_submit=False):
            chosen = st.selectbox(
                tr("meeting.mine.which"),
                list(by_id),
                key="meeting_mine_which",
                format_func=lambda i: f"{by_id[i].student_name}: {by_id[i].what}",
            )
            cols = st.columns(2)
            status = cols[0].radio(
                tr("meeting.mine.status"),
                CLOSED_STATUSES,
                horizontal=True,
                format_func=lambda s: tr(f"meeting.status.{s}"),
                key="meeting_mine_status",
            )
            on = cols[1].date_input(
                tr("meeting.mine.on"),
                value=session.today(),
                format=render.date_format(),
                key="meeting_mine_on",
            )
            if st.form_submit_button(tr("meeting.mine.save")):
                save(
                    lambda: run.set_action_status(
                        runtime.store(), user, chosen, status, on, session.today()
                    ),
                    tr("meeting.saved"),
                )


def student_block(user: User, student_id: str) -> None:
    """Decisions and open actions about the student from every meeting."""
    if not access.may(user, "view_meetings"):
        return
    found = cached.student_meetings(runtime.store_key(), user, student_id, session.today())
    with st.container(border=True):
        st.subheader(tr("meeting.file.title"))
        if not found.decisions and not found.actions:
            st.caption(tr("meeting.file.none"))
            return
        st.markdown(
            f"**{render.plain(tr('meeting.file.open_actions', n=len(found.open_actions)))}**"
        )
        for a in found.open_actions:
            st.markdown(action_line(a))
        if found.decisions:
            with st.expander(tr("meeting.file.decisions")):
                for d in found.decisions:
                    text = decision_text(d, session.lang())
                    line = tr("meeting.file.line", day=render.date_text(d.held_on), text=text)
                    st.markdown(f"- {render.plain(line)}")
