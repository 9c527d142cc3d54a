"""Shared pieces of the student file: texts, names, dates, badges and form plumbing
(widget keys, the slots for problems under each field, and the submit of one service call)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from dashboard.app import render, session
from dashboard.app.session import label, tr
from dashboard.errors import Invalid, RegiebordError
from dashboard.students import file_model

if TYPE_CHECKING:  # what st.column_config's functions return; Streamlit does not export it
    from streamlit.elements.lib.column_types import ColumnConfig

FLASH = "student.flash"
STOP_NOTICE = "student.stop_notice"


def day(value: dt.date | None) -> str:
    return render.date_text(value) or "—"


def yes_no(value: bool) -> str:
    return tr("student.yes") if value else tr("student.no")


def badge(text: str, colour: str) -> str:
    return f":{colour}-badge[{render.plain(text)}]"


def date_column(title: str) -> ColumnConfig:
    return st.column_config.DateColumn(title, format=tr("student.date_format_table"))


def person_name(f: file_model.StudentFile, person_id: str | None) -> str:
    if not person_id:
        return "—"
    if person_id == "student":
        return tr("student.the_student")
    return f.name_of(person_id) or tr("student.hidden_person")


def names(f: file_model.StudentFile, person_ids) -> str:
    return ", ".join(person_name(f, p) for p in person_ids) or "—"


def person_label(f: file_model.StudentFile, person_id: str | None) -> str:
    """Name with the person's active roles (or organisation), for pickers."""
    if person_id is None:
        return "—"
    roles = f.roles_of(person_id)
    person = f.people.get(person_id)
    if person is None:
        return person_name(f, person_id)
    extra = ", ".join(label("role", r) for r in roles) or person.organisation
    return f"{person.name} ({extra})"


def people_options(f: file_model.StudentFile) -> list[str]:
    """The student's people the user may see: active roles, then placement supervisors."""
    ids = [i.person.person_id for i in f.active_network]
    ids += [p.supervisor_id for p in f.placements if p.supervisor_id in f.people]
    return list(dict.fromkeys(ids))


def placement_label(f: file_model.StudentFile, placement_id: str | None) -> str:
    if placement_id is None:
        return tr("student.no_placement")
    p = next((p for p in f.placements if p.placement_id == placement_id), None)
    if p is None:
        return placement_id
    return f"{p.company} ({day(p.start_date)} – {day(p.end_date)})"


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
            target = slots.get(problem.where.field if problem.where else None)
            if target is None:
                slots["_form"].error(problem.text(session.lang(), escape=render.plain))
            else:
                target.error(problem.short(session.lang(), escape=render.plain))
        slots["_form"].error(tr("errors.invalid"))
        return
    except RegiebordError as exc:
        with slots["_form"]:
            render.show_error(exc)
        return
    if after:
        after(result)
    st.session_state[f"student.gen.{form}"] = generation(form) + 1
    st.session_state[FLASH] = done
    st.rerun()
