"""The top of the student file: who the student is, the open signals, and who holds
direction (regie), with the form to hand it over."""

from __future__ import annotations

import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.session import label, tr
from dashboard.app.student_page.common import (
    Slots,
    badge,
    day,
    key,
    person_label,
    person_name,
    placement_label,
    submit,
)
from dashboard.students import agreements, file_model


def overview(f: file_model.StudentFile) -> None:
    s = f.student
    st.title(render.plain(s.name))
    bits = [
        s.student_id,
        s.programme,
        tr("student.class_code", code=s.class_code) if s.class_code else None,
        s.location,
    ]
    st.caption(" · ".join(render.plain(b) for b in bits if b))
    status = label("status", s.status)
    if s.status_date:
        status += " " + tr("student.since", day=day(s.status_date))
    age = tr("student.age_minor" if s.is_minor else "student.age_adult", age=s.age)
    line = [
        badge(status, "green" if s.status == "active" else "gray"),
        badge(age, "orange" if s.is_minor else "gray"),
        render.plain(tr("student.enrolled", day=day(s.enrolment_date))),
    ]
    st.markdown(" ".join(line))
    if s.status_reason:
        st.caption(render.plain(tr("student.status_reason", reason=s.status_reason)))


def signals_block(f: file_model.StudentFile) -> None:
    st.subheader(tr("student.signals.title", n=len(f.signals)))
    if f.signals.empty:
        # A workplace supervisor sees only the signals of their own placement.
        workplace = session.user().kind == "workplace"
        st.success(tr("student.signals.none_workplace" if workplace else "student.signals.none"))
    for row in f.signals.to_dict("records"):
        where = [render.plain(tr("student.since", day=day(row["since"])))]
        if row["placement_id"]:
            where.insert(0, render.plain(placement_label(f, row["placement_id"])))
        title = tr(f"signals.{row['code']}.title")
        with st.container(border=True):
            st.markdown(
                f"{render.badge(label('severity', row['severity']), row['severity'])} "
                f"**{render.plain(title)}** · {' · '.join(where)}"
            )
            st.markdown(render.plain(row["explanation"]))
            st.markdown(
                f"**{render.plain(tr('student.signals.next'))}** {render.plain(row['next_step'])}"
            )
    if f.acknowledged_signals:
        st.caption(tr("student.signals.acknowledged", n=f.acknowledged_signals))


def direction_card(f: file_model.StudentFile) -> None:
    with st.container(border=True):
        st.subheader(tr("student.direction.title"))
        d = f.direction
        if d is None:
            st.error(tr("student.direction.none"))
        else:
            roles = ", ".join(label("role", r) for r in f.roles_of(d.holder_id))
            st.markdown(f"### {render.plain(person_name(f, d.holder_id))}")
            if roles:
                st.caption(render.plain(roles))
            discussed = badge(
                tr("student.direction.discussed")
                if d.discussed_with_student
                else tr("student.direction.not_discussed"),
                "green" if d.discussed_with_student else "orange",
            )
            review = tr("student.direction.no_review")
            if d.review_on:
                review = tr("student.direction.review", day=day(d.review_on))
            review_badge = badge(review, "red" if d.is_review_overdue else "gray")
            st.markdown(f"{discussed} {review_badge}")
            since = tr("student.direction.since", day=day(d.agreed_on))
            if d.placement_id:
                since += " · " + placement_label(f, d.placement_id)
            st.caption(render.plain(since))
        fr = f.final_responsibility
        final = person_name(f, fr.holder_id) if fr else tr("student.direction.final_none")
        st.markdown(
            f"**{render.plain(tr('student.direction.final'))}** "
            + (render.plain(final) if fr else badge(final, "orange"))
        )
        if f.may_write:
            with st.expander(tr("student.direction.hand_over")):
                hand_over_form(f)


def hand_over_form(f: file_model.StudentFile) -> None:
    form, slots = "handover", Slots("handover")
    current = f.direction.holder_id if f.direction else None
    options = [p.person_id for p in f.guides if p.person_id != current]
    with st.form(key("handover", "form"), border=False, enter_to_submit=False):
        holder = slots.choose(
            tr("student.field.new_holder"),
            "holder_id",
            options,
            lambda p: person_label(f, p),
        )
        on = slots.day(tr("student.field.handover_on"), "agreed_on", f.as_of)
        discussed = st.checkbox(
            tr("student.field.discussed_with_student"), key=key(form, "discussed")
        )
        review = slots.day(tr("student.field.review_on"), "review_on", None)
        details = st.text_area(tr("student.field.details"), key=key(form, "details"), height=68)
        slots.below("details")
        sent = st.form_submit_button(tr("student.direction.hand_over_button"), type="primary")
        slots.below("_form")
    if sent:
        submit(
            form,
            slots,
            lambda: agreements.hand_over_direction(
                runtime.store(),
                session.user(),
                f.student.student_id,
                holder,
                on,
                session.today(),
                discussed_with_student=discussed,
                review_on=review,
                details=details,
            ),
            render.says(
                "student.done.hand_over", name=person_name(f, holder) if holder in f.people else ""
            ),
        )
