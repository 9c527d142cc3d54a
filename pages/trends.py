"""Trends: the page managers open on Monday morning (care coordinators for their locations,
admins for the school). Figures only, never a student (dashboard/trends/).

Filters (whole scopes and periods) -> one trends.overview call -> the sections of
dashboard/app/trend_page.py (built once per store version, user, day, filters, period and
language) -> a CSV per chart and one workbook of them all.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.app import render, runtime, session, trend_page
from dashboard.checklists.shares import improvement_shares
from dashboard.security.access import User
from dashboard.trends import TrendFilters
from dashboard.trends import overview as trends_overview
from dashboard.trends.period import Period


@st.cache_data(show_spinner=False, max_entries=64)
def load_options(store_key: tuple, user: User, as_of: dt.date) -> trends_overview.Options:
    return trends_overview.filter_options(runtime.store(), user, as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def load_page(
    store_key: tuple, user: User, as_of: dt.date, filters: TrendFilters, period: Period, lang: str
) -> trend_page.Page:
    store = runtime.store()
    found = trends_overview.overview(store, user, as_of, filters, period)
    shares = improvement_shares(store, user, period.end(as_of), filters, lang)
    return trend_page.build(found, shares)


def period_text(period: Period) -> str:
    year = period.school_year
    return (
        session.tr("trends.last_12_months")
        if year is None
        else session.tr("trends.school_year", year=year, next=year + 1)
    )


def filter_widgets(options: trends_overview.Options) -> tuple[TrendFilters, Period]:
    with st.expander(session.tr("trends.filters"), expanded=True):
        row = st.columns(4)
        locations = row[0].multiselect(
            session.tr("trends.location"),
            options.locations,
            placeholder=session.tr("trends.all"),
            key="trends_locations",
        )
        programmes = row[1].multiselect(
            session.tr("trends.programme"),
            options.programmes,
            placeholder=session.tr("trends.all"),
            key="trends_programmes",
        )
        cohort = row[2].selectbox(
            session.tr("trends.cohort"),
            options.school_years,
            index=None,
            format_func=lambda y: f"{y}-{y + 1}",
            placeholder=session.tr("trends.all"),
            key="trends_cohort",
        )
        # Periods, not years with None for the last 12 months: the language switch sets each
        # choice again, and a selectbox set to None shows an empty box.
        period = row[3].selectbox(
            session.tr("trends.period"),
            [Period(), *map(Period, options.school_years)],
            format_func=period_text,
            key=session.translated("trends_period"),
        )
    return TrendFilters(tuple(locations), tuple(programmes), cohort), period


user = session.user()
st.title(session.tr("trends.title"))
st.caption(session.tr("trends.intro"))
today = session.today()
options = load_options(runtime.store_key(), user, today)
filters, period = filter_widgets(options)
page = load_page(runtime.store_key(), user, today, filters, period, session.lang())
st.caption(
    session.tr("trends.as_of", day=render.date_text(page.as_of))
    + " · "
    + session.tr(
        "trends.computed",
        time=f"{page.computed_at:%H:%M}",
        minutes=trends_overview.FRESH_SECONDS // 60,
    )
    + " · "
    + session.tr("trends.privacy", threshold=page.threshold)
)
trend_page.render_sections(page.sections)
trend_page.workbook_button(page.workbook)
