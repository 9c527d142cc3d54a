"""Turning data into what the page shows: escaped text, signal badges and colours, charts,
dates in the user's language, and domain errors as messages.

Streamlit renders Markdown in titles, headers, captions, messages, widget labels, tooltips,
expander and tab labels. Every text that did not come from the code itself (names, notes,
companies, anything a school imports or a user types) goes through `plain` before it reaches
one of those, or through `says` when it fills a catalogue text; never to unsafe_allow_html.
tests/pages/test_hostile_text.py walks the pages with hostile names and texts. Services raise
RegiebordError subclasses; `show_error(exc)` is the one place that turns them into a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.app.session import lang, tr
from dashboard.bare_links import unlinked
from dashboard.errors import Invalid, NotAllowed, NotFound, RegiebordError
from dashboard.problem import Problem


def plain(text: str) -> str:
    """Escape Markdown so user text shows as typed: never HTML, markup or a link."""
    specials = "\\`*_{}[]()#+-.!|<>~$:"
    return "".join("\\" + c if c in specials else c for c in unlinked(str(text)))


def says(key: str, **params: object) -> str:
    """The catalogue text `key` for a Markdown-rendering widget, every parameter (a name, a
    note) shown literally: `st.success(render.says("student.done.hand_over", name=name))`."""
    return tr(key, **{k: plain(str(v)) for k, v in params.items()})


def problem_text(problem: Problem) -> str:
    """A problem of Invalid in the user's language."""
    return problem.text(lang())


def show_error(exc: RegiebordError) -> None:
    """One place that turns a domain error into a message (never a traceback)."""
    if isinstance(exc, NotFound):
        st.warning(tr("errors.not_found"))
    elif isinstance(exc, NotAllowed):
        st.warning(tr("errors.not_allowed"))
    elif isinstance(exc, Invalid):
        st.error(tr("errors.invalid"))
        for problem in exc.problems:
            st.markdown(f"- {plain(problem_text(problem))}")
    else:
        st.error(str(exc))


def date_format() -> str:
    """The date_input format of the user's language (Dutch: day first)."""
    return "DD-MM-YYYY" if lang() == "nl" else "YYYY-MM-DD"


def date_text(day: dt.date | None) -> str:
    """A date as text in the user's language (Dutch: 23-11-2026)."""
    return i18n.date_text(day, lang())


def date_column(label: str):
    """A st.dataframe column of dates in the user's language's format."""
    return st.column_config.DateColumn(label, format=date_format())


@st.cache_data(show_spinner=False, max_entries=256)
def _chart_spec(name: str, _build: Callable[..., alt.TopLevelMixin], *args) -> dict:
    return _build(*args).to_dict()


def chart(name: str, build: Callable[..., alt.TopLevelMixin], *args, **options) -> None:
    """Show the Altair chart `build(*args)`, building and validating its Vega-Lite spec only
    once per distinct `args` (about 100 ms per chart, paid on every rerun otherwise).

    `name` tells the charts apart in the cache; `args` must be hashable by st.cache_data
    (frames, lists, dates, text) and together decide the whole chart.
    """
    st.vega_lite_chart(_chart_spec(name, build, *args), **options)


# Signal severities: a fixed colour for badges (st.badge / Markdown) and for table cells.
SEVERITY_COLOURS = {"high": "red", "medium": "orange", "low": "blue"}
ACKNOWLEDGED_COLOUR = "gray"
SEVERITY_CELLS = {
    "high": "background-color: #fde4e1; color: #8f1d14",
    "medium": "background-color: #fff0d6; color: #7a4100",
    "low": "background-color: #e4ecfc; color: #1e429f",
}
ACKNOWLEDGED_CELL = "background-color: #eeeeee; color: #555555"


def badge(text: str, severity: str, acknowledged: bool = False) -> str:
    """A Markdown colour badge for a signal; `text` is escaped, the colour fixed."""
    colour = ACKNOWLEDGED_COLOUR if acknowledged else SEVERITY_COLOURS.get(severity, "gray")
    return f":{colour}-badge[{plain(text)}]"


def by_severity(
    frame: pd.DataFrame, column: str, severities: list, acknowledged: list | None = None
):
    """`frame` styled for st.dataframe: cells of `column` coloured by severity (row by row;
    a None severity stays plain, an acknowledged signal grey)."""
    acknowledged = acknowledged or [False] * len(frame)
    cells = [
        ACKNOWLEDGED_CELL if ack else SEVERITY_CELLS.get(severity, "")
        for severity, ack in zip(severities, acknowledged)
    ]
    return frame.style.apply(lambda _: cells, subset=[column], axis=0)


def signal_title(code: str) -> str:
    """The short name of a signal code in the user's language."""
    return tr(f"signals.{code}.title")
