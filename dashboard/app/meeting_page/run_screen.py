"""Running a meeting: one student at a time in agenda order, with the compact file, a timer
against the planned minutes, and what is recorded there (decisions, one-click decisions that
go straight into the student file, actions, attendance)."""

from __future__ import annotations

import datetime as dt
import time

import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.meeting_page.common import named, save
from dashboard.app.session import label, tr
from dashboard.errors import RegiebordError
from dashboard.meetings import run
from dashboard.meetings.minutes import decision_text
from dashboard.meetings.model import Action, Meeting
from dashboard.meetings.run import MeetingScreen
from dashboard.security.access import User

AT = "meeting.at"  # session state: (meeting_id, student_id) shown in the run tab
OPENED = "meeting.opened"  # (meeting_id, student_id, when the screen was first shown)


def _current(m: Meeting) -> str:
    chosen = st.session_state.get(AT)
    ids = [i.student_id for i in m.agenda]
    if chosen and chosen[0] == m.meeting_id and chosen[1] in ids:
        return chosen[1]
    return ids[0]


def _go(m: Meeting, student_id: str | None) -> None:
    if student_id:
        st.session_state[AT] = (m.meeting_id, student_id)
        st.rerun()


def action_line(a: Action) -> str:
    due = render.date_text(a.due_on)
    text = tr("meeting.file.action", what=a.what, owner=a.owner_name, due=due)
    overdue = (
        f" :red-badge[{render.plain(tr('meeting.file.overdue'))}]"
        if a.is_overdue(session.today())
        else ""
    )
    return f"- {render.plain(text)}{overdue}"


@st.fragment(run_every=dt.timedelta(seconds=15))
def _timer(meeting_id: str, student_id: str, planned: int) -> None:
    opened = st.session_state.get(OPENED)
    if not opened or opened[:2] != (meeting_id, student_id):
        opened = st.session_state[OPENED] = (meeting_id, student_id, time.time())
    seconds = int(time.time() - opened[2])
    elapsed = f"{seconds // 60}:{seconds % 60:02d}"
    st.progress(
        min(seconds / (planned * 60), 1.0),
        text=tr("meeting.run.timer", elapsed=elapsed, planned=planned),
    )
    if seconds > planned * 60:
        st.caption(tr("meeting.run.over_time"))


def compact_file(screen: MeetingScreen) -> None:
    f = screen.file
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**{render.plain(tr('meeting.run.direction'))}**")
        d = f.direction
        if d is None:
            st.markdown(f":red-badge[{render.plain(tr('meeting.run.no_direction'))}]")
        else:
            since = tr("student.direction.since", day=render.date_text(d.agreed_on))
            st.markdown(f"{render.plain(f.name_of(d.holder_id) or '—')} · {render.plain(since)}")
        st.markdown(f"**{render.plain(tr('meeting.run.network'))}**")
        for i in f.active_network:
            st.markdown(f"- {render.plain(i.person.name)} · {render.plain(label('role', i.role))}")
        st.markdown(f"**{render.plain(tr('meeting.run.open_actions'))}**")
        if not screen.open_actions:
            st.caption(tr("meeting.run.no_actions"))
        for a in screen.open_actions:
            st.markdown(action_line(a))
    with right:
        st.markdown(f"**{render.plain(tr('meeting.run.signals'))}**")
        if f.signals.empty:
            st.caption(tr("meeting.run.no_signals"))
        for row in f.signals.to_dict("records"):
            title = render.badge(render.signal_title(row["code"]), row["severity"])
            st.markdown(f"{title} {render.plain(row['next_step'])}")
        st.markdown(f"**{render.plain(tr('meeting.run.contacts'))}**")
        if not screen.last_contacts:
            st.caption(tr("meeting.run.no_contacts"))
        for c in screen.last_contacts:
            bits = [render.date_text(c.date), label("kind", c.kind), label("reason", c.reason)]
            line = " · ".join(b for b in bits if b)
            summary = f": {c.summary}" if c.summary else ""
            st.markdown(f"- {render.plain(line + summary)}")


def _record(user: User, m: Meeting, screen: MeetingScreen) -> None:
    sid = screen.item.student_id
    store, today = runtime.store(), session.today()
    decisions, actions = m.decisions_of(sid), m.actions_of(sid)
    if decisions:
        st.markdown(f"**{render.plain(tr('meeting.run.decisions'))}**")
        for d in decisions:
            text = decision_text(d, session.lang())
            st.markdown(f"- {render.plain(text)}")
    if actions:
        st.markdown(f"**{render.plain(tr('meeting.run.actions'))}**")
        for a in actions:
            st.markdown(action_line(a) + f" · {render.plain(tr(f'meeting.status.{a.status}'))}")
    if m.is_closed:
        return
    with st.form(f"meeting_decision_{sid}", clear_on_submit=True, enter_to_submit=False):
        text = st.text_area(
            tr("meeting.run.decision_text"), key=f"meeting_decision_text_{sid}", height=68
        )
        care_only = st.checkbox(tr("meeting.run.care_only"), key=f"meeting_decision_care_{sid}")
        if st.form_submit_button(tr("meeting.run.record_decision")):
            save(
                lambda: run.record_decision(
                    store, user, m.meeting_id, sid, text, today, care_only=care_only
                ),
                tr("meeting.run.recorded"),
            )
    guides = {p.person_id: p.name for p in screen.file.guides}
    with st.expander(tr("meeting.run.one_click")):
        holder = st.selectbox(
            tr("meeting.run.direction_holder"),
            list(guides),
            index=None,
            format_func=named(guides),
            key=f"meeting_dir_{sid}",
        )
        if st.button(tr("meeting.run.direction_button"), key=f"meeting_dir_button_{sid}"):
            save(
                lambda: run.decide_direction(store, user, m.meeting_id, sid, holder, today),
                tr("meeting.run.recorded"),
            )
        info_holder = st.selectbox(
            tr("meeting.run.information_holder"),
            list(guides),
            index=None,
            format_func=named(guides),
            key=f"meeting_info_{sid}",
        )
        details = st.text_input(
            tr("meeting.run.information_details"), key=f"meeting_info_details_{sid}"
        )
        if st.button(tr("meeting.run.information_button"), key=f"meeting_info_button_{sid}"):
            save(
                lambda: run.decide_information(
                    store, user, m.meeting_id, sid, info_holder, details, today
                ),
                tr("meeting.run.recorded"),
            )
    owners = {
        i.person.person_id: i.person.name
        for i in screen.file.active_network
        if i.person.organisation_kind == "school"
    } | {a.person_id: a.name for a in m.attendees}
    with st.form(f"meeting_action_{sid}", clear_on_submit=True, enter_to_submit=False):
        what = st.text_input(tr("meeting.run.what"), key=f"meeting_what_{sid}")
        cols = st.columns(2)
        owner = cols[0].selectbox(
            tr("meeting.run.owner"),
            list(owners),
            index=None,
            format_func=named(owners),
            key=f"meeting_owner_{sid}",
        )
        due = cols[1].date_input(
            tr("meeting.run.due_on"),
            value=m.held_on + dt.timedelta(days=14),
            format=render.date_format(),
            key=f"meeting_due_{sid}",
        )
        note = st.text_input(tr("meeting.run.note"), key=f"meeting_note_{sid}")
        care = st.checkbox(tr("meeting.run.care_only"), key=f"meeting_action_care_{sid}")
        if st.form_submit_button(tr("meeting.run.add_action")):
            save(
                lambda: run.add_action(
                    store,
                    user,
                    m.meeting_id,
                    sid,
                    what,
                    owner,
                    due,
                    today,
                    note=note,
                    care_only=care,
                ),
                tr("meeting.run.recorded"),
            )


def attendance(user: User, m: Meeting) -> None:
    with st.expander(tr("meeting.run.attendance")):
        present = {
            a.person_id: st.checkbox(
                tr("meeting.run.present", name=a.name, role=a.role),
                value=bool(a.present),
                key=f"meeting_present_{m.meeting_id}_{a.person_id}",
                disabled=m.is_closed,
            )
            for a in m.attendees
        }
        if not m.is_closed and st.button(
            tr("meeting.run.save_attendance"), key="meeting_present_save"
        ):
            save(
                lambda: run.set_attendance(
                    runtime.store(), user, m.meeting_id, present, session.today()
                ),
                tr("meeting.saved"),
            )


def run_tab(user: User, m: Meeting) -> None:
    if not m.agenda:
        st.info(tr("meeting.no_students"))
        return
    attendance(user, m)
    student_id = _current(m)
    opening = st.session_state.get("meeting.viewed") != (m.meeting_id, student_id)
    try:
        screen = run.meeting_screen(
            runtime.store(),
            user,
            m.meeting_id,
            student_id,
            session.today(),
            session.lang(),
            log_view=opening,
        )
    except RegiebordError as exc:
        render.show_error(exc)
        return
    st.session_state["meeting.viewed"] = (m.meeting_id, student_id)
    item = screen.item
    nav = st.columns([1, 4, 1], vertical_alignment="center")
    if nav[0].button(tr("meeting.run.previous"), key="meeting_prev", disabled=not screen.previous):
        _go(m, screen.previous)
    nav[1].markdown(
        f"**{render.plain(tr('meeting.run.position', at=item.position, n=len(m.agenda)))}**"
    )
    if nav[2].button(tr("meeting.run.next"), key="meeting_next", disabled=not screen.next):
        _go(m, screen.next)
    st.header(render.plain(screen.file.student.name))
    if item.ask_first:
        st.warning(tr("meeting.run.ask_first"))
    _timer(m.meeting_id, student_id, item.minutes)
    compact_file(screen)
    st.divider()
    _record(user, m, screen)
