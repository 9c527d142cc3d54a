"""Closing a meeting (and reopening it), the minutes per version as PDF and Markdown, and the
actions per owner. Also the read-only view of a meeting for those who follow it but do not
run it (attendees, guides)."""

from __future__ import annotations

import functools

import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.meeting_page.common import save
from dashboard.app.meeting_page.run_screen import action_line
from dashboard.app.session import tr
from dashboard.meetings import minutes, run
from dashboard.meetings.minutes import decision_text
from dashboard.meetings.model import Meeting
from dashboard.security.access import User


def close_tab(user: User, m: Meeting) -> None:
    store = runtime.store()
    if m.may_run:
        if m.is_closed:
            if st.button(tr("meeting.close.reopen"), key="meeting_reopen"):
                save(
                    lambda: run.reopen_meeting(store, user, m.meeting_id),
                    tr("meeting.close.reopened"),
                )
        elif st.button(tr("meeting.close.close"), type="primary", key="meeting_close"):
            save(lambda: run.close_meeting(store, user, m.meeting_id), tr("meeting.close.closed"))
    minutes_block(user, m)


def minutes_block(user: User, m: Meeting) -> None:
    st.subheader(tr("meeting.close.minutes"))
    audience = st.radio(
        tr("meeting.close.audience"),
        minutes.AUDIENCES,
        format_func=lambda a: tr(f"meeting.close.audience_{a}"),
        horizontal=True,
        key="meeting_audience",
    )
    store, today, lang = runtime.store(), session.today(), session.lang()
    cols = st.columns(2)
    # Made when asked for (each making is audited as an export), not on every rerun.
    for col, form, mime in (
        (cols[0], "pdf", "application/pdf"),
        (cols[1], "markdown", "text/markdown"),
    ):
        col.download_button(
            tr(f"meeting.close.{form}"),
            data=functools.partial(
                minutes.minutes, store, user, m.meeting_id, audience, form, today, lang
            ),
            file_name=minutes.filename(m, audience, form),
            mime=mime,
            key=f"meeting_download_{form}",
            on_click="ignore",
        )
    with st.expander(tr("meeting.close.recaps")):
        if st.toggle(tr("meeting.close.recaps"), key="meeting_show_recaps"):
            recaps = minutes.recaps(store, user, m.meeting_id, audience, today, lang)
            if not recaps:
                st.caption(tr("meeting.close.no_recaps"))
            for owner, text in recaps.items():
                st.markdown(f"**{render.plain(owner)}**")
                st.code(text, language=None)


def read_only(user: User, m: Meeting) -> None:
    """What an attendee or guide sees: their students' decisions and actions, the minutes."""
    for item in m.agenda:
        st.markdown(f"**{item.position}. {render.plain(item.name)}**")
        for d in m.decisions_of(item.student_id):
            text = decision_text(d, session.lang())
            st.markdown(f"- {render.plain(text)}")
        for a in m.actions_of(item.student_id):
            st.markdown(action_line(a))
    minutes_block(user, m)
