"""The meeting pages' reads, cached per store version (every write bumps it), user, day and
what they ask, as the caseload page caches its own: a rerun after a click then reads nothing
again. The meeting screen is not cached: its opening of a student file is audited."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.app import runtime
from dashboard.meetings import follow_up
from dashboard.meetings.follow_up import StudentMeetings
from dashboard.meetings.model import Action, Meeting, MeetingSummary
from dashboard.security.access import User
from dashboard.signals import caseload


@st.cache_data(show_spinner=False, max_entries=256)
def meetings(store_key: tuple, user: User, today: dt.date) -> tuple[MeetingSummary, ...]:
    return follow_up.list_meetings(runtime.store(), user, today)


@st.cache_data(show_spinner=False, max_entries=256)
def meeting(store_key: tuple, user: User, meeting_id: str, today: dt.date) -> Meeting:
    return follow_up.load_meeting(runtime.store(), user, meeting_id, today)


@st.cache_data(show_spinner=False, max_entries=256)
def my_actions(store_key: tuple, user: User, today: dt.date) -> tuple[Action, ...]:
    return follow_up.my_actions(runtime.store(), user, today)


@st.cache_data(show_spinner=False, max_entries=256)
def student_meetings(
    store_key: tuple, user: User, student_id: str, today: dt.date
) -> StudentMeetings:
    return follow_up.student_meetings(runtime.store(), user, student_id, today)


@st.cache_data(show_spinner=False, max_entries=256)
def options(store_key: tuple, user: User, today: dt.date) -> caseload.CaseloadOptions:
    return caseload.filter_options(runtime.store(), user, today)


@st.cache_data(show_spinner=False, max_entries=256)
def students(store_key: tuple, user: User, today: dt.date) -> dict[str, str]:
    """student_id -> name of every student in the user's caseload."""
    rows: pd.DataFrame = caseload.caseload_students(
        runtime.store(), user, today, caseload.CaseloadFilters()
    )
    return dict(zip(rows["student_id"], rows["name"]))
