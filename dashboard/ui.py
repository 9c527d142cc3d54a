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

import streamlit as st

from dashboard import i18n
from dashboard.access import User
from dashboard.errors import Invalid, NotAllowed, NotFound, RegiebordError
from dashboard.store import Store, default_db_path, open_store


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Store:
    return open_store(path)


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
    u = st.session_state.get("user")
    if u is None:
        st.stop()
    return u


def today() -> dt.date:
    return st.session_state.get("today") or dt.date.today()


def store_key() -> tuple[str, int]:
    """What a cached read of the store depends on: which file, and its version (every write
    bumps it). Cached per-user reads add the user to their key."""
    return db_path(), store().version


def problem_text(problem) -> str:
    """A problem of Invalid in the user's language (dashboard.problem.Problem) or as given."""
    text = getattr(problem, "text", None)
    return text(lang()) if callable(text) else str(problem)


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

# Signal severities: a fixed colour (st.badge / Markdown badge) and a dot for tables.
SEVERITY_COLOURS = {"high": "red", "medium": "orange", "low": "blue"}
SEVERITY_DOTS = {"high": "🔴", "medium": "🟠", "low": "🔵"}
ACKNOWLEDGED_COLOUR = "gray"
ACKNOWLEDGED_DOT = "⚪"


def badge(text: str, severity: str, acknowledged: bool = False) -> str:
    """A Markdown colour badge for a signal; `text` is escaped, the colour fixed."""
    colour = ACKNOWLEDGED_COLOUR if acknowledged else SEVERITY_COLOURS.get(severity, "gray")
    return f":{colour}-badge[{plain(text)}]"


def signal_title(code: str) -> str:
    """The short name of a signal code in the user's language."""
    return tr(f"signals.{code}.title")


def open_student(student_id: str) -> None:
    """Go to the student file (pages/student.py reads st.query_params["student"])."""
    st.switch_page("pages/student.py", query_params={"student": student_id})


def language_switch() -> None:
    """Nederlands / English in the sidebar; the choice lives in st.session_state["lang"]."""
    names = {"nl": "Nederlands", "en": "English"}
    st.sidebar.selectbox("Taal / Language", i18n.LANGUAGES, format_func=names.get, key="lang")
