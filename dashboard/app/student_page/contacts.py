"""The contacts of a student: filters, timeline and table, the contact form, and the notice
after a stop with its prefilled contact."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.app import render, runtime, session, student_charts
from dashboard.app.session import label, tr
from dashboard.app.student_page.checklists import moment_views
from dashboard.app.student_page.common import (
    STOP_NOTICE,
    Slots,
    date_column,
    day,
    key,
    names,
    people_options,
    person_label,
    person_name,
    placement_label,
    submit,
    yes_no,
)
from dashboard.checklists import filling
from dashboard.codes import CHANNELS, CONTACT_KINDS, REASONS
from dashboard.students import file_model, records
from validation import forms


def contacts_view(f: file_model.StudentFile) -> None:
    if not f.contacts and not f.placements:
        st.info(tr("student.contacts.none"))
        return
    kinds_col, period_col = st.columns([2, 1])
    kinds = kinds_col.pills(
        tr("student.filter.kind"),
        CONTACT_KINDS,
        selection_mode="multi",
        default=list(CONTACT_KINDS),
        format_func=lambda k: label("kind", k),
        key="student.filter.kind",
    )
    known = [c.date for c in f.contacts] + [f.as_of, f.student.enrolment_date]
    known += [p.end_date for p in f.placements]
    period = period_col.date_input(
        tr("student.filter.period"),
        value=(min(known), max(known)),
        key="student.filter.period",
        format=tr("student.date_input"),
    )
    channels = st.pills(
        tr("student.filter.channel"),
        CHANNELS,
        selection_mode="multi",
        default=list(CHANNELS),
        format_func=lambda c: label("channel", c),
        key="student.filter.channel",
    )
    start, end = (period[0], period[-1]) if period else (min(known), max(known))
    shown = [
        c
        for c in f.contacts
        if c.kind in kinds and c.channel in channels and start <= c.date <= end
    ]
    render.chart(
        "timeline",
        student_charts.timeline_chart,
        *timeline_args(f, shown, kinds, start, end),
        width="stretch",
    )
    if not shown:
        st.caption(tr("student.contacts.none_in_filter"))
        return
    frame = pd.DataFrame(
        {
            "date": [c.date for c in shown],
            "kind": [label("kind", c.kind) for c in shown],
            "channel": [label("channel", c.channel) for c in shown],
            "reason": [label("reason", c.reason) for c in shown],
            "who": [names(f, c.participants) for c in shown],
            "present": [yes_no(c.student_present) for c in shown],
            "initiator": [person_name(f, c.initiated_by) for c in shown],
            "summary": [c.summary or "" for c in shown],
            "visibility": [label("visibility", c.visibility) for c in shown],
            "placement": [
                placement_label(f, c.placement_id) if c.placement_id else "" for c in shown
            ],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "date": date_column(tr("student.col.date")),
            "kind": tr("student.col.kind"),
            "channel": tr("student.col.channel"),
            "reason": tr("student.col.reason"),
            "who": tr("student.col.participants"),
            "present": tr("student.col.student_present"),
            "initiator": tr("student.col.initiator"),
            "summary": tr("student.col.summary"),
            "visibility": tr("student.col.visibility"),
            "placement": tr("student.col.placement"),
        },
    )


def timeline_args(f: file_model.StudentFile, shown, kinds, start: dt.date, end: dt.date) -> tuple:
    """The arguments of student_charts.timeline_chart for the contacts shown."""
    lanes = [label("kind", k) for k in CONTACT_KINDS if k in kinds]
    periods = pd.DataFrame(
        [
            {
                "start": max(p.start_date, start),
                "end": min(p.ends_on, end),
                "lane": tr("student.contacts.lane_placement"),
                "label": p.company,
            }
            for p in f.placements
            if p.start_date <= end and p.ends_on >= start
        ]
    )
    if len(periods):
        lanes.insert(0, tr("student.contacts.lane_placement"))
    planned = pd.DataFrame(
        [
            {
                "date": m.planned_on,
                "lane": label("kind", m.kind),
                "kind": m.kind,
                "label": tr(
                    "student.contacts.planned", moment=label("kind", m.kind), company=p.company
                ),
            }
            for p in f.placements
            for m in p.moments
            if m.kind in kinds
            and not m.is_held
            and start <= m.planned_on <= end
            and not (p.ended_early_on and m.planned_on > p.ended_early_on)
        ]
    )
    contacts = pd.DataFrame(
        [
            {
                "date": c.date,
                "lane": label("kind", c.kind),
                "kind": c.kind,
                "channel_label": label("channel", c.channel),
                "reason_label": label("reason", c.reason),
                "who": names(f, c.participants),
            }
            for c in shown
        ]
    )
    return contacts, planned, periods, f.as_of, lanes, tr("student.contacts.today")


def contact_form(
    f: file_model.StudentFile, form: str, prefill: records.StopNotice | None = None
) -> None:
    """Log a contact; `prefill` makes it the contact that tells the supervisor of a stop."""
    slots = Slots(form)
    people = people_options(f)
    placements = [None, *(p.placement_id for p in f.placements)]
    with st.form(key(form, "form"), border=False, enter_to_submit=False):
        c1, c2 = st.columns(2)
        with c1:
            kind = st.selectbox(
                tr("student.field.kind"),
                CONTACT_KINDS,
                index=CONTACT_KINDS.index("incidental"),
                format_func=lambda k: label("kind", k),
                key=key(form, "kind"),
            )
            slots.below("kind")
        with c2:
            first = prefill.placement_ids[0] if prefill and prefill.placement_ids else None
            placement = st.selectbox(
                tr("student.field.placement_id"),
                placements,
                index=placements.index(first) if first in placements else 0,
                format_func=lambda p: placement_label(f, p),
                key=key(form, "placement_id"),
            )
            slots.below("placement_id")
        c1, c2 = st.columns(2)
        with c1:
            when = slots.day(tr("student.field.date"), "date", f.as_of)
        with c2:
            channel = slots.choose(
                tr("student.field.channel"),
                "channel",
                CHANNELS,
                lambda c: label("channel", c),
            )
        participants = st.multiselect(
            tr("student.field.participants"),
            people,
            default=[p for p in (prefill.supervisors if prefill else ()) if p in people],
            format_func=lambda p: person_label(f, p),
            key=key(form, "participants"),
            placeholder=tr("student.choose"),
        )
        slots.below("participants")
        present = st.checkbox(tr("student.field.student_present"), key=key(form, "student_present"))
        c1, c2 = st.columns(2)
        with c1:
            initiators = [None, "student", *people]
            initiated = st.selectbox(
                tr("student.field.initiated_by"),
                initiators,
                format_func=lambda p: person_name(f, p),
                key=key(form, "initiated_by"),
            )
            slots.below("initiated_by")
        with c2:
            reasons = [None, *REASONS]
            reason = st.selectbox(
                tr("student.field.reason"),
                reasons,
                index=reasons.index("stop") if prefill else 0,
                format_func=lambda r: label("reason", r) if r else "—",
                key=key(form, "reason"),
            )
            slots.below("reason")
        summary = st.text_area(
            tr("student.field.summary"),
            key=key(form, "summary"),
            height=80,
            value=tr("student.stop.summary") if prefill else "",
        )
        slots.below("summary")
        visibility = st.radio(
            tr("student.field.visibility"),
            f.visibilities,
            horizontal=True,
            format_func=lambda v: label("visibility", v),
            key=key(form, "visibility"),
        )
        slots.below("visibility")
        # The collaboration checklist of a fixed moment (not in the stop notice's contact).
        views = [] if prefill else moment_views(form)
        sent = st.form_submit_button(tr("student.contacts.log_button"), type="primary")
        slots.below("_form")
    if sent:
        values = forms.ContactForm(
            kind=kind,
            date=when,
            channel=channel,
            participants=participants,
            student_present=present,
            placement_id=placement,
            initiated_by=initiated,
            reason=reason,
            summary=summary,
            visibility=visibility,
        )
        submit(
            form,
            slots,
            lambda: filling.log_contact_with_checklists(
                runtime.store(),
                session.user(),
                f.student.student_id,
                values,
                views,
                session.today(),
            ),
            tr("student.done.contact"),
            after=(lambda _: st.session_state.pop(STOP_NOTICE, None)) if prefill else None,
        )


def stop_notice(f: file_model.StudentFile) -> None:
    """After a stop: who must be told, and a prefilled contact to log that it was done."""
    notice = st.session_state.get(STOP_NOTICE)
    if notice is None or notice.student_id != f.student.student_id:
        return
    with st.container(border=True):
        st.warning(tr("student.stop.title", day=day(notice.on)))
        if notice.supervisors:
            st.markdown(
                render.plain(tr("student.stop.supervisors", names=names(f, notice.supervisors)))
            )
        else:
            st.markdown(render.plain(tr("student.stop.no_supervisor")))
        if notice.others:
            st.markdown(render.plain(tr("student.stop.others", names=names(f, notice.others))))
        if f.may_log_contact:
            st.markdown(f"**{render.plain(tr('student.stop.log'))}**")
            contact_form(f, "stopcontact", prefill=notice)
        if st.button(tr("student.stop.dismiss"), key="student.stop.dismiss"):
            st.session_state.pop(STOP_NOTICE, None)
            st.rerun()
