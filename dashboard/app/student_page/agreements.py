"""The agreements tab: each topic's state and agreements, their history, and the forms to
add, change and end an agreement."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.session import label, tr
from dashboard.app.student_page.common import (
    Slots,
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
from dashboard.codes import TOPICS
from dashboard.students import agreements, file_model
from validation import forms

TOPIC_COLOURS = {"present": "#1a7f37", "missing": "#c62828", "review_overdue": "#b26a00"}


def agreements_tab(f: file_model.StudentFile) -> None:
    states = {
        "present": ("✓", tr("student.topic.present")),
        "missing": ("✗", tr("student.topic.missing")),
        "review_overdue": ("!", tr("student.topic.review_overdue")),
    }
    colours = {f"{mark} {text}": TOPIC_COLOURS[code] for code, (mark, text) in states.items()}
    rows = []
    for t in f.topics:
        shown = t.active or (None,)
        for a in shown:
            dot, text = states[t.status]
            rows.append(
                {
                    "topic": label("topic", t.topic),
                    "state": f"{dot} {text}",
                    "holder": person_name(f, a.holder_id) if a else "",
                    "with": names(f, a.counterpart_ids) if a else "",
                    "details": agreement_details(a) if a else "",
                    "agreed_on": day(a.agreed_on) if a else "",
                    "review_on": day(a.review_on) if a and a.review_on else "",
                    "discussed": yes_no(a.discussed_with_student) if a else "",
                    "placement": placement_label(f, a.placement_id) if a and a.placement_id else "",
                }
            )
    table = pd.DataFrame(rows).style.map(
        lambda v: f"color: {colours[v]}; font-weight: 600", subset=["state"]
    )
    st.dataframe(table, hide_index=True, width="stretch", column_config=agreement_columns())
    ended = [a for a in f.agreements if not a.is_active]
    if ended:
        with st.expander(tr("student.agreements.history", n=len(ended))):
            history = pd.DataFrame(
                [
                    {
                        "topic": label("topic", a.topic),
                        "holder": person_name(f, a.holder_id),
                        "with": names(f, a.counterpart_ids),
                        "details": agreement_details(a),
                        "agreed_on": day(a.agreed_on),
                        "ended_on": day(a.ended_on),
                        "discussed": yes_no(a.discussed_with_student),
                        "placement": placement_label(f, a.placement_id) if a.placement_id else "",
                    }
                    for a in ended
                ]
            )
            st.dataframe(
                history,
                hide_index=True,
                width="stretch",
                column_config=agreement_columns(),
            )
    if f.may_write:
        with st.expander(tr("student.agreements.add")):
            agreement_form(f, "agreement", None)
        active = [a for a in f.agreements if a.is_active]
        if active:
            with st.expander(tr("student.agreements.change")):
                by_id = {a.agreement_id: a for a in active}
                chosen = st.selectbox(
                    tr("student.field.which_agreement"),
                    list(by_id),
                    index=None,
                    format_func=lambda i: (
                        f"{label('topic', by_id[i].topic)} — {person_name(f, by_id[i].holder_id)}"
                    ),
                    key="student.agreement.chosen",
                    placeholder=tr("student.choose"),
                )
                if chosen:
                    st.markdown(f"**{render.plain(tr('student.agreements.new_version'))}**")
                    agreement_form(f, "change", by_id[chosen])
                    st.markdown(f"**{render.plain(tr('student.agreements.end'))}**")
                    end_agreement_form(f, by_id[chosen])


def agreement_details(a: file_model.Agreement) -> str:
    text = a.details or ""
    if a.frequency_days:
        text = (tr("student.agreements.every", days=a.frequency_days) + " " + text).strip()
    return text


def agreement_columns() -> dict:
    return {
        "topic": tr("student.col.topic"),
        "state": tr("student.col.state"),
        "holder": tr("student.col.holder"),
        "with": tr("student.col.counterparts"),
        "details": tr("student.col.details"),
        "agreed_on": tr("student.col.agreed_on"),
        "review_on": tr("student.col.review_on"),
        "ended_on": tr("student.col.ended_on"),
        "discussed": tr("student.col.discussed"),
        "placement": tr("student.col.placement"),
    }


def agreement_form(
    f: file_model.StudentFile,
    form: str,
    old: file_model.Agreement | None,
    preset_topic: str | None = None,
) -> None:
    """A new agreement (old is None; on `preset_topic` when given) or a new version of `old`
    from a chosen date."""
    slots = Slots(form)
    suffix = old.agreement_id if old else ""
    guides = [p.person_id for p in f.guides]
    people = people_options(f)
    placements = [None, *(p.placement_id for p in f.placements)]
    with st.form(key(form, f"form{suffix}"), border=False, enter_to_submit=False):
        if old is None and preset_topic is None:
            topic = slots.choose(
                tr("student.field.topic"),
                "topic",
                TOPICS,
                lambda t: label("topic", t),
            )
        else:
            topic = old.topic if old else preset_topic
            st.markdown(f"{tr('student.field.topic')}: **{render.plain(label('topic', topic))}**")
        holder = st.selectbox(
            tr("student.field.holder_id"),
            guides,
            index=guides.index(old.holder_id) if old and old.holder_id in guides else None,
            format_func=lambda p: person_label(f, p),
            key=key(form, f"holder_id{suffix}"),
            placeholder=tr("student.choose"),
        )
        slots.below("holder_id")
        counterparts = st.multiselect(
            tr("student.field.counterpart_ids"),
            people,
            default=[p for p in (old.counterpart_ids if old else ()) if p in people],
            format_func=lambda p: person_label(f, p),
            key=key(form, f"counterpart_ids{suffix}"),
            placeholder=tr("student.choose"),
        )
        slots.below("counterpart_ids")
        details = st.text_area(
            tr("student.field.details"),
            value=(old.details or "") if old else "",
            key=key(form, f"details{suffix}"),
            height=68,
        )
        slots.below("details")
        c1, c2, c3 = st.columns(3)
        with c1:
            agreed = slots.day(
                tr("student.field.agreed_on" if old is None else "student.field.change_on"),
                "agreed_on",
                f.as_of,
                f"agreed_on{suffix}",
            )
        with c2:
            review = slots.day(
                tr("student.field.review_on"),
                "review_on",
                old.review_on if old else None,
                f"review_on{suffix}",
            )
        with c3:
            frequency = st.number_input(
                tr("student.field.frequency_days"),
                min_value=0,
                step=1,
                value=(old.frequency_days or 0) if old else 0,
                key=key(form, f"frequency_days{suffix}"),
                help=tr("student.field.frequency_help"),
            )
            slots.below("frequency_days")
        placement = st.selectbox(
            tr("student.field.placement_id"),
            placements,
            index=placements.index(old.placement_id)
            if old and old.placement_id in placements
            else 0,
            format_func=lambda p: placement_label(f, p),
            key=key(form, f"placement_id{suffix}"),
        )
        slots.below("placement_id")
        discussed = st.checkbox(
            tr("student.field.discussed_with_student"),
            value=old.discussed_with_student if old else False,
            key=key(form, f"discussed{suffix}"),
        )
        sent = st.form_submit_button(
            tr("student.agreements.save" if old is None else "student.agreements.save_version"),
            type="primary",
        )
        slots.below("_form")
    if sent:
        values = forms.AgreementForm(
            topic=topic,
            holder_id=holder,
            counterpart_ids=counterparts,
            details=details,
            frequency_days=int(frequency) or None,
            discussed_with_student=discussed,
            agreed_on=agreed,
            review_on=review,
            placement_id=placement,
        )
        store, user, sid = runtime.store(), session.user(), f.student.student_id

        def call():
            if old is None:
                return agreements.record_agreement(store, user, sid, values, session.today())
            return agreements.change_agreement(
                store, user, old.agreement_id, values, session.today()
            )

        submit(form, slots, call, tr("student.done.agreement"))


def end_agreement_form(f: file_model.StudentFile, old: file_model.Agreement) -> None:
    form, slots = "endagreement", Slots("endagreement")
    with st.form(key(form, f"form{old.agreement_id}"), border=False, enter_to_submit=False):
        on = slots.day(
            tr("student.field.ended_on"), "ended_on", f.as_of, f"ended_on{old.agreement_id}"
        )
        sent = st.form_submit_button(tr("student.agreements.end_button"))
        slots.below("_form")
    if sent:
        submit(
            form,
            slots,
            lambda: agreements.end_agreement(
                runtime.store(), session.user(), old.agreement_id, on, session.today()
            ),
            tr("student.done.end_agreement"),
        )
