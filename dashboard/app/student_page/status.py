"""The status tab: the current status, the form to change it, and the history of changes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.session import label, tr
from dashboard.app.student_page.common import (
    STOP_NOTICE,
    Slots,
    day,
    key,
    names,
    person_name,
    submit,
    yes_no,
)
from dashboard.codes import STATUSES
from dashboard.students import file_model, records, student_file
from validation import forms

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


def status_tab(f: file_model.StudentFile) -> None:
    s = f.student
    st.markdown(
        f"**{render.plain(tr('student.status.current'))}** {render.plain(label('status', s.status))}"
        + (
            f" · {render.plain(tr('student.since', day=day(s.status_date)))}"
            if s.status_date
            else ""
        )
    )
    if f.may_write:
        with st.expander(tr("student.status.change")):
            status_form(f)
        if st.toggle(tr("student.history.show"), key="student.history.show"):
            entries = student_file.history(runtime.store(), session.user(), s.student_id, f.as_of)
            st.markdown(f"**{render.plain(tr('student.history.title', n=len(entries)))}**")
            history_view(f, entries)


def status_form(f: file_model.StudentFile) -> None:
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
                runtime.store(), session.user(), f.student.student_id, values, session.today()
            ),
            tr("student.done.status"),
            after=lambda notice: (
                st.session_state.__setitem__(STOP_NOTICE, notice) if notice else None
            ),
        )


def history_view(f: file_model.StudentFile, entries) -> None:
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


def value_text(f: file_model.StudentFile, field: str, value) -> str:
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


def change_text(f: file_model.StudentFile, entry: file_model.HistoryEntry) -> str:
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
