"""The placements tab: each placement with its fixed contact moments, the early-end form,
and below it the contacts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.session import label, tr
from dashboard.app.student_page.common import (
    STOP_NOTICE,
    Slots,
    badge,
    day,
    key,
    names,
    placement_label,
    submit,
)
from dashboard.app.student_page.contacts import contact_form, contacts_view
from dashboard.students import file_model, records


def moment_state(moment: file_model.Moment, placement: file_model.Placement, today) -> str:
    if moment.is_held:
        return tr("student.moment.held")
    if placement.ended_early_on and moment.planned_on > placement.ended_early_on:
        return tr("student.moment.not_applicable")
    if moment.planned_on >= today:
        return tr("student.moment.planned")
    return tr("student.moment.not_held")


def placements_tab(f: file_model.StudentFile) -> None:
    if not f.placements:
        st.info(tr("student.placements.none"))
    for p in f.placements:
        with st.container(border=True):
            if p.ended_early_on:
                state = badge(
                    tr("student.placements.ended_early", day=day(p.ended_early_on)), "red"
                )
            elif p.is_active:
                state = badge(tr("student.placements.active"), "green")
            elif p.start_date > f.as_of:
                state = badge(tr("student.placements.future"), "blue")
            else:
                state = badge(tr("student.placements.ended"), "gray")
            st.markdown(
                f"**{render.plain(p.company)}** · {render.plain(day(p.start_date))} – "
                f"{render.plain(day(p.end_date))} {state}"
            )
            supervisor = f.people.get(p.supervisor_id or "")
            if supervisor:
                contact = " · ".join(x for x in (supervisor.phone, supervisor.email) if x)
                st.caption(
                    render.plain(
                        tr(
                            "student.placements.supervisor",
                            name=supervisor.name,
                            contact=contact or "—",
                        )
                    )
                )
            else:
                st.caption(tr("student.placements.no_supervisor"))
            moments_table(f, p)
    if f.may_write and any(p.ended_early_on is None for p in f.placements):
        with st.expander(tr("student.placements.end_early")):
            early_end_form(f)
    st.subheader(tr("student.contacts.title"))
    contacts_view(f)
    if f.may_log_contact:
        with st.expander(tr("student.contacts.log"), expanded=False):
            contact_form(f, "contact")


def moments_table(f: file_model.StudentFile, p: file_model.Placement) -> None:
    missing_names = {
        "supervisor": tr("student.moment.missing_supervisor"),
        "school_guide": tr("student.moment.missing_school_guide"),
        "student": tr("student.moment.missing_student"),
    }
    frame = pd.DataFrame(
        {
            "moment": [label("kind", m.kind) for m in p.moments],
            "planned": [day(m.planned_on) for m in p.moments],
            "state": [moment_state(m, p, f.as_of) for m in p.moments],
            "held": [day(m.held_on) if m.held_on else "" for m in p.moments],
            "who": [names(f, m.participants) if m.is_held else "" for m in p.moments],
            "missing": [
                ", ".join(missing_names[x] for x in m.missing) if m.is_held else ""
                for m in p.moments
            ],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "moment": tr("student.col.moment"),
            "planned": tr("student.col.planned"),
            "state": tr("student.col.state"),
            "held": tr("student.col.held"),
            "who": tr("student.col.participants"),
            "missing": tr("student.col.missing"),
        },
    )


def early_end_form(f: file_model.StudentFile) -> None:
    form, slots = "early", Slots("early")
    open_ones = [p.placement_id for p in f.placements if p.ended_early_on is None]
    with st.form(key(form, "form"), border=False, enter_to_submit=False):
        placement = slots.choose(
            tr("student.field.placement_id"),
            "placement_id",
            open_ones,
            lambda p: placement_label(f, p),
        )
        on = slots.day(tr("student.field.ended_early_on"), "ended_early_on", f.as_of)
        st.caption(tr("student.placements.end_early_help"))
        sent = st.form_submit_button(tr("student.placements.end_early_button"))
        slots.below("_form")
    if sent:
        submit(
            form,
            slots,
            lambda: records.end_placement_early(
                runtime.store(),
                session.user(),
                f.student.student_id,
                placement,
                on,
                session.today(),
            ),
            tr("student.done.early_end"),
            after=lambda notice: st.session_state.__setitem__(STOP_NOTICE, notice),
        )
