"""The consent tab: the decision in force for each audience, earlier ones, and the form."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.session import label, tr
from dashboard.app.student_page.common import (
    Slots,
    badge,
    day,
    key,
    people_options,
    person_label,
    person_name,
    submit,
    yes_no,
)
from dashboard.codes import AUDIENCES
from dashboard.students import file_model, records
from validation import forms


def consent_tab(f: file_model.StudentFile) -> None:
    for audience in f.consent_audiences:
        decision = f.consent_in_force(audience)
        head = f"**{render.plain(label('audience', audience))}**: "
        if decision is None:
            st.markdown(head + badge(tr("student.consent.none"), "gray"))
            continue
        verdict = badge(
            tr("student.consent.shares" if decision.shares else "student.consent.not_shares"),
            "green" if decision.shares else "red",
        )
        by = tr(
            "student.consent.by",
            day=day(decision.decided_on),
            name=person_name(f, decision.recorded_by),
        )
        st.markdown(f"{head}{verdict} {render.plain(by)}")
        if decision.note:
            st.caption(render.plain(decision.note))
    earlier = [c for c in f.consents if not c.in_force]
    if earlier:
        with st.expander(tr("student.consent.earlier", n=len(earlier))):
            st.dataframe(
                pd.DataFrame(
                    {
                        "audience": [label("audience", c.audience) for c in earlier],
                        "shares": [yes_no(c.shares) for c in earlier],
                        "decided_on": [day(c.decided_on) for c in earlier],
                        "recorded_by": [person_name(f, c.recorded_by) for c in earlier],
                        "note": [c.note or "" for c in earlier],
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    "audience": tr("student.col.audience"),
                    "shares": tr("student.col.shares"),
                    "decided_on": tr("student.col.decided_on"),
                    "recorded_by": tr("student.col.recorded_by"),
                    "note": tr("student.col.note"),
                },
            )
    if f.may_write:
        with st.expander(tr("student.consent.record")):
            consent_form(f)


def consent_form(f: file_model.StudentFile) -> None:
    form, slots = "consent", Slots("consent")
    me = session.user().person_id
    recorders = list(dict.fromkeys([*([me] if me else []), *people_options(f)]))
    with st.form(key(form, "form"), border=False, enter_to_submit=False):
        audience = slots.choose(
            tr("student.field.audience"),
            "audience",
            AUDIENCES,
            lambda a: label("audience", a),
        )
        shares = st.radio(
            tr("student.field.shares"),
            [True, False],
            index=None,
            horizontal=True,
            format_func=lambda v: tr(
                "student.consent.shares" if v else "student.consent.not_shares"
            ),
            key=key(form, "shares"),
        )
        slots.below("shares")
        decided = slots.day(tr("student.field.decided_on"), "decided_on", f.as_of)
        recorder = st.selectbox(
            tr("student.field.recorded_by"),
            recorders,
            index=0 if recorders else None,
            format_func=lambda p: (
                person_label(f, p) if p != me or p in f.people else session.user().name
            ),
            key=key(form, "recorded_by"),
        )
        slots.below("recorded_by")
        note = st.text_input(tr("student.field.consent_note"), key=key(form, "note"))
        slots.below("note")
        sent = st.form_submit_button(tr("student.consent.save"), type="primary")
        slots.below("_form")
    if sent:
        values = forms.ConsentForm(
            audience=audience, shares=shares, decided_on=decided, recorded_by=recorder, note=note
        )
        submit(
            form,
            slots,
            lambda: records.record_consent(
                runtime.store(), session.user(), f.student.student_id, values, session.today()
            ),
            tr("student.done.consent"),
        )
