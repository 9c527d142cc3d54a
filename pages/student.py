"""Leerlingdossier: one student's file, the mentor's page.

Opened with st.query_params["student"]. At the top what a mentor must see in seconds: who the
student is, the open signals with their next step, and who holds direction (regie). Below, in
tabs: the network of guides, the placements with their fixed contact moments and all contacts,
the agreements, the consent decisions, and the status with the history of changes.

Widgets -> one service call (dashboard.student_file.load / dashboard.records.*) -> render.
Every form validates in the service; problems are shown under the field they concern and
nothing is written. After a write the page reruns with a fresh form (form keys carry a
generation number) and a confirmation on top.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import records, student_charts, student_file, ui
from dashboard.codes import (
    AUDIENCES,
    CHANNELS,
    CONTACT_KINDS,
    ORGANISATION_KINDS,
    REASONS,
    ROLES,
    STATUSES,
    TOPICS,
)
from dashboard.errors import Invalid, RegiebordError
from validation import forms

tr, label = ui.tr, ui.label
FLASH = "student.flash"
STOP_NOTICE = "student.stop_notice"
SECTION = "student.section"  # the open tab (its label)
LAST_STUDENT = "student.last"  # the student whose file was last shown in this session
# Audit fields that hold codes, shown with their interface names in the history.
CODE_FIELDS = {
    "status": "status",
    "role": "role",
    "topic": "topic",
    "kind": "kind",
    "channel": "channel",
    "reason": "reason",
    "visibility": "visibility",
    "audience": "audience",
}
PERSON_FIELDS = ("person_id", "holder_id", "recorded_by", "initiated_by", "supervisor_id")
PERSON_LIST_FIELDS = ("participants", "counterpart_ids")
TOPIC_COLOURS = {"present": "#1a7f37", "missing": "#c62828", "review_overdue": "#b26a00"}


# -- small helpers ---------------------------------------------------------------------------


def day(value: dt.date | None) -> str:
    return value.strftime(tr("student.date_format")) if value else "—"


def yes_no(value: bool) -> str:
    return tr("student.yes") if value else tr("student.no")


def badge(text: str, colour: str) -> str:
    return f":{colour}-badge[{ui.plain(text)}]"


def date_column(title: str) -> st.column_config.DateColumn:
    return st.column_config.DateColumn(title, format=tr("student.date_format_table"))


def person_name(f: student_file.StudentFile, person_id: str | None) -> str:
    if not person_id:
        return "—"
    if person_id == "student":
        return tr("student.the_student")
    return f.name_of(person_id) or tr("student.hidden_person")


def names(f: student_file.StudentFile, person_ids) -> str:
    return ", ".join(person_name(f, p) for p in person_ids) or "—"


def person_label(f: student_file.StudentFile, person_id: str | None) -> str:
    """Name with the person's active roles (or organisation), for pickers."""
    if person_id is None:
        return "—"
    roles = f.roles_of(person_id)
    person = f.people.get(person_id)
    if person is None:
        return person_name(f, person_id)
    extra = ", ".join(label("role", r) for r in roles) or person.organisation
    return f"{person.name} ({extra})"


def people_options(f: student_file.StudentFile) -> list[str]:
    """The student's people the user may see: active roles, then placement supervisors."""
    ids = [i.person.person_id for i in f.active_network]
    ids += [p.supervisor_id for p in f.placements if p.supervisor_id in f.people]
    return list(dict.fromkeys(ids))


def placement_label(f: student_file.StudentFile, placement_id: str | None) -> str:
    if placement_id is None:
        return tr("student.no_placement")
    p = next((p for p in f.placements if p.placement_id == placement_id), None)
    if p is None:
        return placement_id
    return f"{p.company} ({day(p.start_date)} – {day(p.end_date)})"


# -- form plumbing ---------------------------------------------------------------------------


def generation(form: str) -> int:
    return st.session_state.get(f"student.gen.{form}", 0)


def key(form: str, field: str) -> str:
    """Widget key of a form field; a new generation after each save gives an empty form."""
    return f"{form}.{field}.{generation(form)}"


class Slots(dict):
    """Containers under each form field (and one under the form) for its problems, and the
    form's usual fields: a pick from a list and a date, each with its slot below it."""

    def __init__(self, form: str):
        super().__init__()
        self.form = form

    def below(self, field: str) -> None:
        self[field] = st.container()

    def choose(self, text: str, field: str, options, format_func, key_field: str = ""):
        value = st.selectbox(
            text,
            options,
            index=None,
            format_func=format_func,
            key=key(self.form, key_field or field),
            placeholder=tr("student.choose"),
        )
        self.below(field)
        return value

    def day(self, text: str, field: str, value: dt.date | None, key_field: str = ""):
        chosen = st.date_input(
            text,
            value=value,
            key=key(self.form, key_field or field),
            format=tr("student.date_input"),
        )
        self.below(field)
        return chosen


def submit(
    form: str,
    slots: Slots,
    call: Callable[[], object],
    done: str,
    after: Callable[[object], None] | None = None,
) -> None:
    """Run one service call; on success rerun with a fresh form and a confirmation."""
    try:
        result = call()
    except Invalid as exc:
        for problem in exc.problems:
            target = slots.get(getattr(problem, "field", None))
            if target is None:
                slots["_form"].error(ui.problem_text(problem))
            else:
                target.error(problem.short(ui.lang()))
        slots["_form"].error(tr("errors.invalid"))
        return
    except RegiebordError as exc:
        with slots["_form"]:
            ui.show_error(exc)
        return
    if after:
        after(result)
    st.session_state[f"student.gen.{form}"] = generation(form) + 1
    st.session_state[FLASH] = done
    st.rerun()


# -- overview, signals, direction ------------------------------------------------------------


def overview(f: student_file.StudentFile) -> None:
    s = f.student
    st.title(s.name)
    bits = [
        s.student_id,
        s.programme,
        tr("student.class_code", code=s.class_code) if s.class_code else None,
        s.location,
    ]
    st.caption(" · ".join(ui.plain(b) for b in bits if b))
    status = label("status", s.status)
    if s.status_date:
        status += " " + tr("student.since", day=day(s.status_date))
    age = tr("student.age_minor" if s.is_minor else "student.age_adult", age=s.age)
    line = [
        badge(status, "green" if s.status == "active" else "gray"),
        badge(age, "orange" if s.is_minor else "gray"),
        ui.plain(tr("student.enrolled", day=day(s.enrolment_date))),
    ]
    st.markdown(" ".join(line))
    if s.status_reason:
        st.caption(ui.plain(tr("student.status_reason", reason=s.status_reason)))


def signals_block(f: student_file.StudentFile) -> None:
    st.subheader(tr("student.signals.title", n=len(f.signals)))
    if f.signals.empty:
        # A workplace supervisor sees only the signals of their own placement.
        workplace = ui.user().kind == "workplace"
        st.success(tr("student.signals.none_workplace" if workplace else "student.signals.none"))
    for row in f.signals.to_dict("records"):
        where = [ui.plain(tr("student.since", day=day(row["since"])))]
        if row["placement_id"]:
            where.insert(0, ui.plain(placement_label(f, row["placement_id"])))
        title = tr(f"signals.{row['code']}.title")
        with st.container(border=True):
            st.markdown(
                f"{ui.badge(label('severity', row['severity']), row['severity'])} "
                f"**{ui.plain(title)}** · {' · '.join(where)}"
            )
            st.markdown(ui.plain(row["explanation"]))
            st.markdown(f"**{ui.plain(tr('student.signals.next'))}** {ui.plain(row['next_step'])}")
    if f.acknowledged_signals:
        st.caption(tr("student.signals.acknowledged", n=f.acknowledged_signals))


def direction_card(f: student_file.StudentFile) -> None:
    with st.container(border=True):
        st.subheader(tr("student.direction.title"))
        d = f.direction
        if d is None:
            st.error(tr("student.direction.none"))
        else:
            roles = ", ".join(label("role", r) for r in f.roles_of(d.holder_id))
            st.markdown(f"### {ui.plain(person_name(f, d.holder_id))}")
            if roles:
                st.caption(ui.plain(roles))
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
            st.caption(ui.plain(since))
        fr = f.final_responsibility
        final = person_name(f, fr.holder_id) if fr else tr("student.direction.final_none")
        st.markdown(
            f"**{ui.plain(tr('student.direction.final'))}** "
            + (ui.plain(final) if fr else badge(final, "orange"))
        )
        if f.may_write:
            with st.expander(tr("student.direction.hand_over")):
                hand_over_form(f)


def hand_over_form(f: student_file.StudentFile) -> None:
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
            lambda: records.hand_over_direction(
                ui.store(),
                ui.user(),
                f.student.student_id,
                holder,
                on,
                ui.today(),
                discussed_with_student=discussed,
                review_on=review,
                details=details,
            ),
            tr("student.done.hand_over", name=person_name(f, holder) if holder in f.people else ""),
        )


# -- network ---------------------------------------------------------------------------------


def network_tab(f: student_file.StudentFile) -> None:
    active = f.active_network
    if not active:
        st.info(tr("student.network.none"))
    else:
        holder = f.direction.holder_id if f.direction else None
        ui.chart(
            "network",
            student_charts.network_chart,
            *network_chart_args(f, active, holder),
            width="content",
        )
        st.caption(tr("student.network.chart_caption"))
        for kind in ORGANISATION_KINDS:
            items = [i for i in active if i.person.organisation_kind == kind]
            if items:
                st.markdown(f"**{ui.plain(label('organisation_kind', kind))}**")
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


def assign_role_form(f: student_file.StudentFile) -> None:
    form, slots = "role", Slots("role")
    # The search sits outside the form so that the list follows what is typed.
    found = student_file.find_staff(
        ui.store(), ui.user(), st.text_input(tr("student.field.find_person"), key=key(form, "find"))
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
                ui.store(),
                ui.user(),
                f.student.student_id,
                forms.RoleForm(person_id=person, role=role, start_date=start, note=note),
                ui.today(),
            ),
            tr("student.done.role"),
        )


def end_role_form(f: student_file.StudentFile) -> None:
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
                ui.store(),
                ui.user(),
                f.student.student_id,
                item.person.person_id,
                item.role,
                item.start_date,
                end,
                ui.today(),
            ),
            tr("student.done.end_role"),
        )


# -- placements and contacts -----------------------------------------------------------------


def moment_state(moment: student_file.Moment, placement: student_file.Placement, today) -> str:
    if moment.is_held:
        return tr("student.moment.held")
    if placement.ended_early_on and moment.planned_on > placement.ended_early_on:
        return tr("student.moment.not_applicable")
    if moment.planned_on >= today:
        return tr("student.moment.planned")
    return tr("student.moment.not_held")


def placements_tab(f: student_file.StudentFile) -> None:
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
                f"**{ui.plain(p.company)}** · {ui.plain(day(p.start_date))} – "
                f"{ui.plain(day(p.end_date))} {state}"
            )
            supervisor = f.people.get(p.supervisor_id or "")
            if supervisor:
                contact = " · ".join(x for x in (supervisor.phone, supervisor.email) if x)
                st.caption(
                    ui.plain(
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


def moments_table(f: student_file.StudentFile, p: student_file.Placement) -> None:
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


def contacts_view(f: student_file.StudentFile) -> None:
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
    ui.chart(
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


def timeline_args(f: student_file.StudentFile, shown, kinds, start: dt.date, end: dt.date) -> tuple:
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
    f: student_file.StudentFile, form: str, prefill: records.StopNotice | None = None
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
            lambda: records.log_contact(
                ui.store(), ui.user(), f.student.student_id, values, ui.today()
            ),
            tr("student.done.contact"),
            after=(lambda _: st.session_state.pop(STOP_NOTICE, None)) if prefill else None,
        )


def early_end_form(f: student_file.StudentFile) -> None:
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
                ui.store(), ui.user(), f.student.student_id, placement, on, ui.today()
            ),
            tr("student.done.early_end"),
            after=lambda notice: st.session_state.__setitem__(STOP_NOTICE, notice),
        )


def stop_notice(f: student_file.StudentFile) -> None:
    """After a stop: who must be told, and a prefilled contact to log that it was done."""
    notice = st.session_state.get(STOP_NOTICE)
    if notice is None or notice.student_id != f.student.student_id:
        return
    with st.container(border=True):
        st.warning(tr("student.stop.title", day=day(notice.on)))
        if notice.supervisors:
            st.markdown(
                ui.plain(tr("student.stop.supervisors", names=names(f, notice.supervisors)))
            )
        else:
            st.markdown(ui.plain(tr("student.stop.no_supervisor")))
        if notice.others:
            st.markdown(ui.plain(tr("student.stop.others", names=names(f, notice.others))))
        if f.may_log_contact:
            st.markdown(f"**{ui.plain(tr('student.stop.log'))}**")
            contact_form(f, "stopcontact", prefill=notice)
        if st.button(tr("student.stop.dismiss"), key="student.stop.dismiss"):
            st.session_state.pop(STOP_NOTICE, None)
            st.rerun()


# -- agreements ------------------------------------------------------------------------------


def agreements_tab(f: student_file.StudentFile) -> None:
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
                    st.markdown(f"**{ui.plain(tr('student.agreements.new_version'))}**")
                    agreement_form(f, "change", by_id[chosen])
                    st.markdown(f"**{ui.plain(tr('student.agreements.end'))}**")
                    end_agreement_form(f, by_id[chosen])


def agreement_details(a: student_file.Agreement) -> str:
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
    f: student_file.StudentFile, form: str, old: student_file.Agreement | None
) -> None:
    """A new agreement (old is None) or a new version of `old` from a chosen date."""
    slots = Slots(form)
    suffix = old.agreement_id if old else ""
    guides = [p.person_id for p in f.guides]
    people = people_options(f)
    placements = [None, *(p.placement_id for p in f.placements)]
    with st.form(key(form, f"form{suffix}"), border=False, enter_to_submit=False):
        if old is None:
            topic = slots.choose(
                tr("student.field.topic"),
                "topic",
                TOPICS,
                lambda t: label("topic", t),
            )
        else:
            topic = old.topic
            st.markdown(f"{tr('student.field.topic')}: **{ui.plain(label('topic', topic))}**")
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
        store, user, sid = ui.store(), ui.user(), f.student.student_id

        def call():
            if old is None:
                return records.record_agreement(store, user, sid, values, ui.today())
            return records.change_agreement(store, user, old.agreement_id, values, ui.today())

        submit(form, slots, call, tr("student.done.agreement"))


def end_agreement_form(f: student_file.StudentFile, old: student_file.Agreement) -> None:
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
            lambda: records.end_agreement(ui.store(), ui.user(), old.agreement_id, on, ui.today()),
            tr("student.done.end_agreement"),
        )


# -- consent ---------------------------------------------------------------------------------


def consent_tab(f: student_file.StudentFile) -> None:
    for audience in f.consent_audiences:
        decision = f.consent_in_force(audience)
        head = f"**{ui.plain(label('audience', audience))}**: "
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
        st.markdown(f"{head}{verdict} {ui.plain(by)}")
        if decision.note:
            st.caption(ui.plain(decision.note))
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


def consent_form(f: student_file.StudentFile) -> None:
    form, slots = "consent", Slots("consent")
    me = ui.user().person_id
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
                person_label(f, p) if p != me or p in f.people else ui.user().name
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
                ui.store(), ui.user(), f.student.student_id, values, ui.today()
            ),
            tr("student.done.consent"),
        )


# -- status and history ----------------------------------------------------------------------


def status_tab(f: student_file.StudentFile) -> None:
    s = f.student
    st.markdown(
        f"**{ui.plain(tr('student.status.current'))}** {ui.plain(label('status', s.status))}"
        + (f" · {ui.plain(tr('student.since', day=day(s.status_date)))}" if s.status_date else "")
    )
    if f.may_write:
        with st.expander(tr("student.status.change")):
            status_form(f)
        if st.toggle(tr("student.history.show"), key="student.history.show"):
            entries = student_file.history(ui.store(), ui.user(), s.student_id, f.as_of)
            st.markdown(f"**{ui.plain(tr('student.history.title', n=len(entries)))}**")
            history_view(f, entries)


def status_form(f: student_file.StudentFile) -> None:
    form, slots = "status", Slots("status")
    with st.form(key(form, "form"), border=False, enter_to_submit=False):
        status = st.selectbox(
            tr("student.field.status"),
            STATUSES,
            index=STATUSES.index(f.student.status),
            format_func=lambda s: label("status", s),
            key=key(form, "status"),
        )
        slots.below("status")
        on = slots.day(tr("student.field.status_date"), "status_date", f.as_of)
        reason = st.text_input(tr("student.field.status_reason"), key=key(form, "status_reason"))
        slots.below("status_reason")
        st.caption(tr("student.status.stop_help"))
        sent = st.form_submit_button(tr("student.status.save"), type="primary")
        slots.below("_form")
    if sent:
        values = forms.StatusForm(status=status, status_date=on, status_reason=reason)
        submit(
            form,
            slots,
            lambda: records.change_status(
                ui.store(), ui.user(), f.student.student_id, values, ui.today()
            ),
            tr("student.done.status"),
            after=lambda notice: (
                st.session_state.__setitem__(STOP_NOTICE, notice) if notice else None
            ),
        )


def history_view(f: student_file.StudentFile, entries) -> None:
    if not entries:
        st.caption(tr("student.history.none"))
        return
    frame = pd.DataFrame(
        {
            "when": [h.occurred_at for h in entries],
            "who": [h.actor for h in entries],
            "what": [known_text(f"student.action.{h.action}", h.action) for h in entries],
            "change": [change_text(f, h) for h in entries],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "when": st.column_config.DatetimeColumn(
                tr("student.col.when"), format=tr("student.datetime_format_table")
            ),
            "who": tr("student.col.who"),
            "what": tr("student.col.what"),
            "change": tr("student.col.change"),
        },
    )


def value_text(f: student_file.StudentFile, field: str, value) -> str:
    if value is None or value == []:
        return "—"
    if field in CODE_FIELDS:
        return label(CODE_FIELDS[field], value)
    if field in PERSON_FIELDS:
        return person_name(f, value)
    if field in PERSON_LIST_FIELDS:
        return names(f, value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return day(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def known_text(key_: str, fallback: str) -> str:
    """The text of `key_`, or `fallback` when no catalogue has it (e.g. another page's action)."""
    text = tr(key_)
    return fallback if text == key_ else text


def change_text(f: student_file.StudentFile, entry: student_file.HistoryEntry) -> str:
    """The fields that changed, `field: old → new`; for new records their main fields."""
    old, new = entry.old_value or {}, entry.new_value or {}
    skip = {
        "student_id",
        "agreement_id",
        "contact_id",
        "summary",
        "details",
        "note",
        "status_reason",
    }
    if not old:
        keys = [k for k in new if k not in skip and new[k] not in (None, [], "")]
        return "; ".join(
            f"{known_text(f'student.field.{k}', k)}: {value_text(f, k, new[k])}" for k in keys
        )
    changed = [k for k in new if k not in skip and old.get(k) != new.get(k)]
    return "; ".join(
        f"{known_text(f'student.field.{k}', k)}: {value_text(f, k, old.get(k))} → {value_text(f, k, new.get(k))}"
        for k in changed
    )


# -- the page --------------------------------------------------------------------------------


def main() -> None:
    user = ui.user()
    ui.back_to_list()
    # Without a student in the address (the menu's link), the file last opened this session.
    student_id = st.query_params.get("student") or st.session_state.get(LAST_STUDENT)
    if not student_id:
        st.info(tr("student.none_chosen"))
        st.stop()
    try:
        f = student_file.load(ui.store(), user, student_id, ui.today(), ui.lang())
    except RegiebordError as exc:
        ui.show_error(exc)
        st.stop()
    st.session_state[LAST_STUDENT] = student_id
    if st.query_params.get("student") != student_id:
        st.query_params["student"] = student_id  # the address names the file shown
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH))
    overview(f)
    stop_notice(f)
    left, right = st.columns([3, 2], gap="large")
    with left:
        signals_block(f)
    with right:
        direction_card(f)
    # Keyed and tracked, so a save (which reruns the page) stays on the tab it was made in.
    network, placements, agreements, consent, status = st.tabs(
        [
            tr("student.tab.network", n=len({i.person.person_id for i in f.active_network})),
            tr("student.tab.placements"),
            tr("student.tab.agreements"),
            tr("student.tab.consent"),
            tr("student.tab.status"),
        ],
        key=SECTION,
        on_change="rerun",
    )
    with network:
        network_tab(f)
    with placements:
        placements_tab(f)
    with agreements:
        agreements_tab(f)
    with consent:
        consent_tab(f)
    with status:
        status_tab(f)


main()
