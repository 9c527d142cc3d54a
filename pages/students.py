"""Leerlingen: the students this user may see, with search, filters and paging."""

from __future__ import annotations

import datetime as dt
import math

import streamlit as st

from dashboard.app import ui
from dashboard.security.access import User
from dashboard.students import listing
from dashboard.students.listing import StudentFilters


@st.cache_data(show_spinner=False, max_entries=256)
def load_options(store_key: tuple, user: User, today: dt.date) -> listing.FilterOptions:
    return listing.filter_options(ui.store(), user, today)


@st.cache_data(show_spinner=False, max_entries=256)
def load_page(
    store_key: tuple, user: User, today: dt.date, filters: StudentFilters, page: int
) -> listing.StudentPage:
    offset = (page - 1) * listing.PAGE_SIZE
    return listing.list_students(ui.store(), user, today, filters, offset=offset)


def first_page() -> None:
    st.session_state["students_page"] = 1


user, today = ui.user(), ui.today()
st.title(ui.tr("studentlist.title"))
options = load_options(ui.store_key(), user, today)

search_col, *filter_cols = st.columns([2, 1, 1, 1, 1])
search = search_col.text_input(
    ui.tr("studentlist.search"),
    placeholder=ui.tr("studentlist.search_placeholder"),
    key="students_search",
    on_change=first_page,
)
choices = (
    ("location", options.locations, None),
    ("programme", options.programmes, None),
    ("class", options.classes, None),
    ("status", options.statuses, lambda code: ui.label("status", code)),
)
chosen = [
    column.multiselect(
        ui.tr(f"studentlist.{name}"),
        values,
        format_func=fmt or str,
        placeholder=ui.tr("studentlist.all"),
        key=ui.translated(f"students_{name}"),
        on_change=first_page,
    )
    for column, (name, values, fmt) in zip(filter_cols, choices)
]
filters = StudentFilters(search, *(tuple(values) for values in chosen))

page_no = st.session_state.get("students_page", 1)
result = load_page(ui.store_key(), user, today, filters, page_no)
pages = max(1, math.ceil(result.total / listing.PAGE_SIZE))

if result.rows.empty and page_no > 1:  # the data or the filters shrank under this page
    first_page()
    st.rerun()
if result.rows.empty:
    st.info(ui.tr("studentlist.none"))
else:
    st.caption(
        ui.tr("studentlist.count", total=result.total) + " · " + ui.tr("studentlist.open_hint")
    )
    rows = result.rows.assign(
        status=result.rows["status"].map(lambda c: ui.label("status", c)),
        class_code=result.rows["class_code"].fillna(""),
        mentor=result.rows["mentor"].fillna(""),
    )
    table = st.dataframe(
        rows,
        hide_index=True,
        key="students_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "student_id": ui.tr("studentlist.student_id"),
            "name": ui.tr("studentlist.name"),
            "programme": ui.tr("studentlist.programme"),
            "location": ui.tr("studentlist.location"),
            "class_code": ui.tr("studentlist.class"),
            "status": ui.tr("studentlist.status"),
            "mentor": ui.tr("studentlist.mentor"),
        },
    )
    if table.selection.rows:
        ui.open_student(rows["student_id"].iloc[table.selection.rows[0]], back="pages/students.py")
if pages > 1:
    page_col, _ = st.columns([1, 4])
    page_col.number_input(
        ui.tr("studentlist.page"), min_value=1, max_value=pages, step=1, key="students_page"
    )
    page_col.caption(ui.tr("studentlist.page_of", page=page_no, pages=pages))
