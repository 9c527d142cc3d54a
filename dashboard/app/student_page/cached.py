"""The student file's reads on a redraw, cached per store version (every write bumps it),
user, student, day and language, as the caseload and meeting pages cache theirs: a click
inside the file then reads nothing again. The opening of a file is never served from here:
it is audited (student_file.load with log_view), so the page reads it afresh."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.app import runtime
from dashboard.checklists import reading
from dashboard.security.access import User
from dashboard.students import file_model, student_file


@st.cache_data(show_spinner=False, max_entries=256)
def student(
    store_key: tuple, user: User, student_id: str, as_of: dt.date, lang: str
) -> file_model.StudentFile:
    return student_file.load(runtime.store(), user, student_id, as_of, lang, log_view=False)


@st.cache_data(show_spinner=False, max_entries=256)
def checklists(
    store_key: tuple, user: User, student_id: str, as_of: dt.date, lang: str
) -> reading.StudentChecklists:
    return reading.student_checklists(runtime.store(), user, student_id, as_of, lang)
