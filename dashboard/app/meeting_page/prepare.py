"""Preparing a meeting: the form for a new one (the agenda is proposed by the service), the
agenda (reorder, add, drop, minutes per student) and the attendees."""

from __future__ import annotations

import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.meeting_page import cached
from dashboard.app.meeting_page.common import CURRENT, named, save
from dashboard.app.session import tr
from dashboard.meetings import prepare
from dashboard.meetings.model import CASELOAD_KINDS, KINDS, CaseloadChoice, Meeting, MeetingForm
from dashboard.security.access import User


def _people(user: User) -> dict[str, str]:
    """Who can be chosen as attendee: the guides of the user's students, and the user."""
    options = cached.options(runtime.store_key(), user, session.today())
    people = dict(options.guides)
    if user.person_id:
        people.setdefault(user.person_id, user.name or user.person_id)
    return people


def new_meeting_form(user: User) -> None:
    store, today = runtime.store(), session.today()
    options = cached.options(runtime.store_key(), user, today)
    held_on = st.date_input(
        tr("meeting.form.held_on"),
        value=today,
        format=render.date_format(),
        key="meeting_new_held_on",
    )
    kind = st.selectbox(
        tr("meeting.form.kind"),
        KINDS,
        key="meeting_new_kind",
        format_func=lambda k: tr(f"meeting.kind.{k}"),
    )
    caseload_kind = st.radio(
        tr("meeting.form.caseload_kind"),
        CASELOAD_KINDS,
        horizontal=True,
        key="meeting_new_caseload",
        format_func=lambda k: tr(f"meeting.caseload.{k}"),
    )
    value: str | None = None
    students: tuple[str, ...] = ()
    if caseload_kind == "guide":
        names = dict(options.guides)
        value = st.selectbox(
            tr("meeting.form.guide"),
            list(names),
            format_func=named(names),
            index=None,
            key="meeting_new_guide",
        )
    elif caseload_kind == "class":
        value = st.selectbox(
            tr("meeting.form.class"), options.classes, index=None, key="meeting_new_class"
        )
    elif caseload_kind == "location":
        value = st.selectbox(
            tr("meeting.form.location"), options.locations, index=None, key="meeting_new_location"
        )
    else:
        names = cached.students(runtime.store_key(), user, today)
        students = tuple(
            st.multiselect(
                tr("meeting.form.students"),
                list(names),
                format_func=lambda s: f"{names[s]} ({s})",
                key="meeting_new_students",
            )
        )
    minutes = st.number_input(
        tr("meeting.form.minutes_available"), 1, 600, 60, step=5, key="meeting_new_minutes"
    )
    people = _people(user)
    chosen = st.multiselect(
        tr("meeting.form.attendees"),
        list(people),
        format_func=named(people),
        default=[user.person_id] if user.person_id in people else [],
        key="meeting_new_attendees",
    )
    roles = [
        st.text_input(
            tr("meeting.form.attendee_role", name=people[p]),
            value=tr("meeting.form.default_role"),
            key=f"meeting_new_role_{p}",
        )
        for p in chosen
    ]
    if st.button(tr("meeting.form.create"), type="primary", key="meeting_new_create"):
        form = MeetingForm(
            held_on,
            kind,
            CaseloadChoice(caseload_kind, value, students),
            int(minutes),
            tuple(zip(chosen, roles)),
        )

        def create() -> None:
            meeting_id = prepare.create_meeting(store, user, form, today)
            st.session_state[CURRENT] = meeting_id

        save(create, tr("meeting.saved"))


def agenda_editor(user: User, m: Meeting) -> None:
    """The agenda in order, each student with why, the consent mark, minutes, and buttons to
    move or drop them; below, a student to add."""
    planned = sum(i.minutes for i in m.agenda)
    st.subheader(
        tr("meeting.agenda.title", n=len(m.agenda), minutes=planned, available=m.minutes_available)
    )
    items = [(i.student_id, i.minutes) for i in m.agenda]
    store, today, locked = runtime.store(), session.today(), m.is_closed or not m.may_run

    def apply(new_items: list[tuple[str, int]]) -> None:
        save(
            lambda: prepare.set_agenda(store, user, m.meeting_id, new_items, today),
            tr("meeting.saved"),
        )

    minutes = {}
    for at, item in enumerate(m.agenda):
        cols = st.columns([5, 2, 1, 1, 1], vertical_alignment="center")
        mark = (
            f" :orange-badge[{render.plain(tr('meeting.agenda.ask_first'))}]"
            if item.ask_first
            else ""
        )
        cols[0].markdown(
            f"**{item.position}. {render.plain(item.name)}** · "
            f"{render.plain(tr(f'meeting.reason.{item.reason}'))}{mark}"
        )
        minutes[item.student_id] = cols[1].number_input(
            tr("meeting.agenda.minutes"),
            1,
            120,
            item.minutes,
            key=f"meeting_min_{item.student_id}",
            label_visibility="collapsed",
            disabled=locked,
        )
        if cols[2].button(
            "↑",
            key=f"meeting_up_{item.student_id}",
            help=tr("meeting.agenda.up"),
            disabled=locked or at == 0,
        ):
            items[at - 1], items[at] = items[at], items[at - 1]
            apply(items)
        if cols[3].button(
            "↓",
            key=f"meeting_down_{item.student_id}",
            help=tr("meeting.agenda.down"),
            disabled=locked or at == len(items) - 1,
        ):
            items[at + 1], items[at] = items[at], items[at + 1]
            apply(items)
        if cols[4].button(
            "✕",
            key=f"meeting_drop_{item.student_id}",
            help=tr("meeting.agenda.drop"),
            disabled=locked,
        ):
            apply([i for i in items if i[0] != item.student_id])
    if locked:
        return
    if m.agenda and st.button(tr("meeting.agenda.save"), key="meeting_save_minutes"):
        apply([(sid, int(minutes[sid])) for sid, _ in items])
    every = cached.students(runtime.store_key(), user, today)
    names = {s: n for s, n in every.items() if m.item(s) is None}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    added = left.selectbox(
        tr("meeting.agenda.add"),
        list(names),
        index=None,
        format_func=lambda s: f"{names[s]} ({s})",
        key="meeting_add",
    )
    if right.button(tr("meeting.agenda.add_button"), key="meeting_add_button") and added:
        apply([*items, (added, 5)])


def attendees_editor(user: User, m: Meeting) -> None:
    st.subheader(tr("meeting.form.attendees"))
    people = {a.person_id: a.name for a in m.attendees} | _people(user)
    current = [a.person_id for a in m.attendees]
    roles = {a.person_id: a.role for a in m.attendees}
    locked = m.is_closed or not m.may_run
    chosen = st.multiselect(
        tr("meeting.form.attendees"),
        list(people),
        default=current,
        format_func=named(people),
        key=f"meeting_att_{m.meeting_id}",
        disabled=locked,
        label_visibility="collapsed",
    )
    given = [
        st.text_input(
            tr("meeting.form.attendee_role", name=people[p]),
            value=roles.get(p, tr("meeting.form.default_role")),
            key=f"meeting_att_role_{m.meeting_id}_{p}",
            disabled=locked,
        )
        for p in chosen
    ]
    if not locked and st.button(tr("meeting.form.save_attendees"), key="meeting_att_save"):
        save(
            lambda: prepare.set_attendees(
                runtime.store(), user, m.meeting_id, list(zip(chosen, given)), session.today()
            ),
            tr("meeting.saved"),
        )
