"""Streamlit helpers shared by the pages: the only module of the package that imports streamlit.

Conventions for pages (pages/*.py):
- `store()` gives the process-wide Store (one DuckDB connection, cursors per use).
- `user()` gives the signed-in access.User (the entry script guarantees one exists).
- `tr(key, **kw)` gives a text in the user's language; `label(group, code)` a code's name.
- `today()` is the evaluation day (a date).
- Services raise RegiebordError subclasses; `show_error(exc)` turns one into a message.
- Never pass user text to unsafe_allow_html; `plain(text)` escapes it for Markdown.
- Cache per-user reads with st.cache_data under `store_key()` and the user (never without).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboard import i18n
from dashboard.errors import Invalid, NotAllowed, NotFound, RegiebordError
from dashboard.problem import Problem
from dashboard.security import access
from dashboard.security.access import User
from dashboard.signals import caseload, day_cache
from dashboard.store import Store, default_db_path, open_store

ENTRY_SCRIPT = "streamlit_app.py"
WARM_THREAD = "regiebord-warm-day-cache"  # the thread that fills today's day cache


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Store:
    store = open_store(path)
    # The day's signals and plan are computed in the background, not when a page asks: at
    # start, while the first user signs in, and after every change (an import or a setting
    # recomputes the whole day, seconds at sector scale; a form brings its student up to date).
    _warm_day_cache(store)
    store.on_change(lambda: _warm_day_cache(store))
    return store


def _warm_day_cache(store: Store) -> None:
    """Bring the signals and plan of the day the pages use (today at start) up to date in a
    background thread. A page that asks meanwhile waits for this one result."""
    as_of = day_cache.latest_day(store) or dt.date.today()
    threading.Thread(
        target=day_cache.warm,
        args=(store, as_of, (day_cache.SIGNALS, caseload.UPCOMING)),
        name=WARM_THREAD,
        daemon=True,
    ).start()


def db_path() -> str:
    return str(os.environ.get("REGIEBORD_DB") or default_db_path())


def store() -> Store:
    return _open(db_path())


def lang() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def tr(key: str, **kwargs) -> str:
    return i18n.t(key, lang(), **kwargs)


def label(group: str, code: str | None) -> str:
    return i18n.code_label(group, code, lang())


def user() -> User:
    """The signed-in user. Without one, go through the entry script's sign-in gate.

    Pages run only after the entry has signed the user in, except on a fresh server's very
    first request: Streamlit then still runs a `pages/` file by itself (its old folder mode,
    until st.navigation is first called), and that request is sent to the entry.
    """
    u = st.session_state.get("user")
    if u is None:
        try:
            st.switch_page(ENTRY_SCRIPT)
        except StreamlitAPIException:  # the entry is not a page here: show nothing
            st.stop()
    return u


def date_format() -> str:
    """The date_input format of the user's language (Dutch: day first)."""
    return "DD-MM-YYYY" if lang() == "nl" else "YYYY-MM-DD"


def date_text(day: dt.date | None) -> str:
    """A date as text in the user's language (Dutch: 23-11-2026)."""
    return i18n.date_text(day, lang())


def date_column(label: str):
    """A st.dataframe column of dates in the user's language's format."""
    return st.column_config.DateColumn(label, format=date_format())


def today() -> dt.date:
    return st.session_state.get("today") or dt.date.today()


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


def store_key() -> tuple[str, int]:
    """What a cached read of the store depends on: which file, and its version (every write
    bumps it). Cached per-user reads add the user to their key."""
    return db_path(), store().version


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


def plain(text: str) -> str:
    """Escape Markdown so user text shows as typed (it is never rendered as HTML)."""
    specials = "\\`*_{}[]()#+-.!|<>~$:"
    return "".join("\\" + c if c in specials else c for c in str(text))


_plain = plain  # the name used before; kept for pages written against it

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


# The lists a student file is opened from, with their names in the menu.
LIST_PAGES = {"pages/caseload.py": "nav.caseload", "pages/students.py": "nav.students"}
BACK = "student_back"  # session state: the list the student file was opened from


def open_student(student_id: str, back: str) -> None:
    """Go to the student file (pages/student.py reads st.query_params["student"]); its back
    button returns to `back`, the list page (of LIST_PAGES) the user chose the student in."""
    st.session_state[BACK] = back
    st.switch_page("pages/student.py", query_params={"student": student_id})


def back_to_list() -> None:
    """The student file's button back to the list it was opened from. Opened by its address
    (no list yet), it leads to the user's first list: the caseload, else the student list."""
    may_caseload = access.may(user(), "view_caseload")
    page = st.session_state.get(BACK)
    if page not in LIST_PAGES or (page == "pages/caseload.py" and not may_caseload):
        page = "pages/caseload.py" if may_caseload else "pages/students.py"
    text = tr("student.back", page=tr(LIST_PAGES[page]))
    if st.button(text, icon=":material/arrow_back:", type="tertiary", key="student_back_button"):
        st.switch_page(page)


# Session state: the page of the previous script run, and whether this run opened its page.
PAGE = "nav.page"
ARRIVED = "nav.arrived"


def note_page(name: str) -> None:
    """Called by the entry before it runs page `name`: a run on another page than the run
    before it (or the first run of the session) opens that page."""
    st.session_state[ARRIVED] = st.session_state.get(PAGE) != name
    st.session_state[PAGE] = name


def arrived() -> bool:
    """Whether this run opened the current page, rather than redrawing it after a click on
    it. True when the entry did not say (a page script run on its own)."""
    return st.session_state.get(ARRIVED, True)


# Session state: the keys given out by translated().
TRANSLATED_KEYS = "i18n.translated_keys"


def translated(key: str) -> str:
    """`key`, noted as that of a select box or multiselect whose option labels come from tr().
    The browser shows a chosen option by the label it was chosen under, so after a language
    switch such a choice would keep showing the old language; the switch sets these values
    again, which sends their new labels."""
    st.session_state.setdefault(TRANSLATED_KEYS, set()).add(key)
    return key


def _relabel_choices() -> None:
    for key in st.session_state.get(TRANSLATED_KEYS, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def language_switch() -> None:
    """Nederlands / English in the sidebar; the choice lives in st.session_state["lang"]."""
    names = {"nl": "Nederlands", "en": "English"}
    st.sidebar.selectbox(
        "Taal / Language",
        i18n.LANGUAGES,
        format_func=names.get,
        key="lang",
        on_change=_relabel_choices,
    )
