"""Leerlingen: the students this user may see, with search, filters and paging."""

from __future__ import annotations

import datetime as dt
import math

import streamlit as st

from dashboard.app import nav, runtime, session
from dashboard.security.access import User
from dashboard.students import listing
from dashboard.students.listing import StudentFilters


@st.cache_data(show_spinner=False, max_entries=256)
def load_options(store_key: tuple, user: User, today: dt.date) -> listing.FilterOptions:
    return listing.filter_options(runtime.store(), user, today)


@st.cache_data(show_spinner=False, max_entries=256)
def load_page(
    store_key: tuple, user: User, today: dt.date, filters: StudentFilters, page: int
) -> listing.StudentPage:
    offset = (page - 1) * listing.PAGE_SIZE
    return listing.list_students(runtime.store(), user, today, filters, offset=offset)


def first_page() -> None:
    st.session_state["students_page"] = 1


user, today = session.user(), session.today()
st.title(session.tr("studentlist.title"))
options = load_options(runtime.store_key(), user, today)

search_col, *filter_cols = st.columns([2, 1, 1, 1, 1])
search = search_col.text_input(
    session.tr("studentlist.search"),
    placeholder=session.tr("studentlist.search_placeholder"),
    key="students_search",
    on_change=first_page,
)
choices = (
    ("location", options.locations, None),
    ("programme", options.programmes, None),
    ("class", options.classes, None),
    ("status", options.statuses, lambda code: session.label("status", code)),
)
chosen = [
    column.multiselect(
        session.tr(f"studentlist.{name}"),
        values,
        format_func=fmt or str,
        placeholder=session.tr("studentlist.all"),
        key=session.translated(f"students_{name}"),
        on_change=first_page,
    )
    for column, (name, values, fmt) in zip(filter_cols, choices)
]
filters = StudentFilters(search, *(tuple(values) for values in chosen))

page_no = st.session_state.get("students_page", 1)
result = load_page(runtime.store_key(), user, today, filters, page_no)
pages = max(1, math.ceil(result.total / listing.PAGE_SIZE))

if result.rows.empty and page_no > 1:  # the data or the filters shrank under this page
    first_page()
    st.rerun()
if result.rows.empty:
    st.info(session.tr("studentlist.none"))
else:
    st.caption(
        session.tr("studentlist.count", total=result.total)
        + " · "
        + session.tr("studentlist.open_hint")
    )
    rows = result.rows.assign(
        status=result.rows["status"].map(lambda c: session.label("status", c)),
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
            "student_id": session.tr("studentlist.student_id"),
            "name": session.tr("studentlist.name"),
            "programme": session.tr("studentlist.programme"),
            "location": session.tr("studentlist.location"),
            "class_code": session.tr("studentlist.class"),
            "status": session.tr("studentlist.status"),
            "mentor": session.tr("studentlist.mentor"),
        },
    )
    if table.selection.rows:
        nav.open_student(rows["student_id"].iloc[table.selection.rows[0]], back="students")
if pages > 1:
    page_col, _ = st.columns([1, 4])
    page_col.number_input(
        session.tr("studentlist.page"), min_value=1, max_value=pages, step=1, key="students_page"
    )
    page_col.caption(session.tr("studentlist.page_of", page=page_no, pages=pages))
