"""The network tab: the student's guides by organisation, with forms to assign and end a role."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app import render, runtime, session, student_charts
from dashboard.app.session import label, tr
from dashboard.app.student_page.common import Slots, day, key, submit
from dashboard.codes import ORGANISATION_KINDS, ROLES
from dashboard.students import file_model, records, student_file
from validation import forms


def network_tab(f: file_model.StudentFile) -> None:
    active = f.active_network
    if not active:
        st.info(tr("student.network.none"))
    else:
        holder = f.direction.holder_id if f.direction else None
        render.chart(
            "network",
            student_charts.network_chart,
            *network_chart_args(f, active, holder),
            width="content",
        )
        st.caption(tr("student.network.chart_caption"))
        for kind in ORGANISATION_KINDS:
            items = [i for i in active if i.person.organisation_kind == kind]
            if items:
                st.markdown(f"**{render.plain(label('organisation_kind', kind))}**")
                involvement_table(items, ended=False)
    ended = [i for i in f.network if not i.is_active]
    if ended:
        with st.expander(tr("student.network.ended", n=len(ended))):
            involvement_table(ended, ended=True)
    if f.may_write:
        left, right = st.columns(2)
        with left, st.expander(tr("student.network.assign")):
            assign_role_form(f)
        with right, st.expander(tr("student.network.end")):
            end_role_form(f)


def network_chart_args(f, active, holder) -> tuple:
    """The arguments of student_charts.network_chart for the active network."""
    people: dict[str, dict] = {}
    for i in active:
        p = i.person
        row = people.setdefault(
            p.person_id,
            {
                "person_id": p.person_id,
                "name": p.name,
                "organisation": p.organisation,
                "kind": p.organisation_kind,
                "kind_label": label("organisation_kind", p.organisation_kind),
                "roles": [],
                "holds_direction": p.person_id == holder,
            },
        )
        row["roles"].append(label("role", i.role))
    frame = pd.DataFrame([{**r, "roles": ", ".join(r["roles"])} for r in people.values()])
    return frame, list(ORGANISATION_KINDS), f.student.first_name


def involvement_table(items, ended: bool) -> None:
    frame = pd.DataFrame(
        {
            "name": [i.person.name for i in items],
            "role": [label("role", i.role) for i in items],
            "organisation": [i.person.organisation for i in items],
            "email": [i.person.email or "" for i in items],
            "phone": [i.person.phone or "" for i in items],
            "since": [day(i.start_date) for i in items],
            "until": [day(i.end_date) for i in items],
            "note": [i.note or "" for i in items],
        }
    )
    if not ended:
        frame = frame.drop(columns="until")
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "name": tr("student.col.name"),
            "role": tr("student.col.role"),
            "organisation": tr("student.col.organisation"),
            "email": tr("student.col.email"),
            "phone": tr("student.col.phone"),
            "since": tr("student.col.since"),
            "until": tr("student.col.until"),
            "note": tr("student.col.note"),
        },
    )


def assign_role_form(f: file_model.StudentFile) -> None:
    form, slots = "role", Slots("role")
    # The search sits outside the form so that the list follows what is typed.
    found = student_file.find_staff(
        runtime.store(),
        session.user(),
        st.text_input(tr("student.field.find_person"), key=key(form, "find")),
    )
    staff = {p.person_id: p for p in found}
    with st.form(key(form, "form"), border=False, enter_to_submit=False):
        person = slots.choose(
            tr("student.field.person_id"),
            "person_id",
            list(staff),
            lambda p: f"{staff[p].name} — {staff[p].organisation}",
        )
        role = slots.choose(
            tr("student.field.role"),
            "role",
            ROLES,
            lambda r: label("role", r),
        )
        start = slots.day(tr("student.field.start_date"), "start_date", f.as_of)
        note = st.text_input(tr("student.field.note"), key=key(form, "note"))
        slots.below("note")
        sent = st.form_submit_button(tr("student.network.assign_button"))
        slots.below("_form")
    if sent:
        submit(
            form,
            slots,
            lambda: records.assign_role(
                runtime.store(),
                session.user(),
                f.student.student_id,
                forms.RoleForm(person_id=person, role=role, start_date=start, note=note),
                session.today(),
            ),
            tr("student.done.role"),
        )


def end_role_form(f: file_model.StudentFile) -> None:
    form, slots = "endrole", Slots("endrole")
    active = {
        f"{i.person.person_id}|{i.role}|{i.start_date.isoformat()}": i for i in f.active_network
    }
    with st.form(key(form, "form"), border=False, enter_to_submit=False):
        chosen = slots.choose(
            tr("student.field.which_role"),
            "role",
            list(active),
            lambda k: f"{active[k].person.name} — {label('role', active[k].role)}",
        )
        end = slots.day(tr("student.field.end_date"), "end_date", f.as_of)
        sent = st.form_submit_button(tr("student.network.end_button"))
        slots.below("_form")
    if sent:
        if chosen is None:
            slots["role"].error(tr("student.problem.required"))
            return
        item = active[chosen]
        submit(
            form,
            slots,
            lambda: records.end_role(
                runtime.store(),
                session.user(),
                f.student.student_id,
                item.person.person_id,
                item.role,
                item.start_date,
                end,
                session.today(),
            ),
            tr("student.done.end_role"),
        )
