"""The sections of the trends page (pages/trends.py), in order, and how they are built once and
shown: each figure's chart, a note where figures are hidden, its table and CSV in an expander,
and one workbook of all of them.

`build` lists the sections in the page's order; the checklists' section (issue 19) comes
last, from its own service (dashboard/checklists/shares.py), which lies above the trends in
the layers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

import pandas as pd
import streamlit as st

from dashboard.app import render, session
from dashboard.app.trend_figure import Figure
from dashboard.app.trend_moments import contact, direction, moments
from dashboard.app.trend_outcomes import coordination, dropout
from dashboard.app.trend_signals import checklists, signals
from dashboard.trends import sheets
from dashboard.trends.overview import Overview


@dataclass(frozen=True)
class Section:
    key: str  # i18n group: trends.<key>.title / .caption
    note: str | None = None  # an i18n key shown under the section's caption


@dataclass(frozen=True)
class Page:
    """What the page shows after its filters, built once (pages/trends.py caches it)."""

    as_of: dt.date  # the last day counted
    computed_at: dt.datetime  # when the figures were computed (Overview.computed_at)
    threshold: int
    sections: list[tuple[Section, list[Figure]]]
    workbook: bytes  # every figure's table, a sheet each


def build(ov: Overview, checklist_shares: pd.DataFrame) -> Page:
    """Every section with its built figures, in the user's language, and the workbook."""
    raw = [
        (Section("moments"), moments(ov)),
        (Section("direction"), direction(ov)),
        (Section("signals"), signals(ov)),
        (Section("contact"), contact(ov)),
        (Section("dropout"), dropout(ov)),
        (Section("coordination", note="coordination.causes"), coordination(ov)),
        (Section("checklists"), checklists(checklist_shares, ov.threshold)),
    ]
    workbook = sheets.workbook_bytes({f.title: f.table for _, figures in raw for f in figures})
    built = [(section, [f.built() for f in figures]) for section, figures in raw]
    return Page(ov.as_of, ov.computed_at, ov.threshold, built, workbook)


def render_sections(built: list[tuple[Section, list[Figure]]]) -> None:
    for section, figures in built:
        st.subheader(session.tr(f"trends.{section.key}.title"))
        st.caption(session.tr(f"trends.{section.key}.caption"))
        if section.note:
            st.info(session.tr(f"trends.{section.note}"))
        for figure in figures:
            render_figure(figure)


def render_figure(figure: Figure) -> None:
    if figure.chart is not None:
        st.vega_lite_chart(figure.chart, width="stretch")
        if figure.has_gaps:
            st.caption(session.tr("trends.gaps"))
    else:
        st.markdown(f"**{render.plain(figure.title)}**")
    with st.expander(figure.title):
        st.dataframe(figure.table, hide_index=True)
        st.download_button(
            session.tr("trends.download_csv"),
            partial(bytes, figure.csv),  # handed over on a click, not sent on every run
            file_name=f"trends-{figure.key}.csv",
            mime="text/csv",
            on_click="ignore",
            key=f"trends_csv_{figure.key}",
        )


def workbook_button(workbook: bytes) -> None:
    st.download_button(
        session.tr("trends.download_xlsx"),
        partial(bytes, workbook),  # handed over on a click, not sent on every run
        file_name="trends.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key="trends_xlsx",
        type="primary",
    )
