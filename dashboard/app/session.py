"""What one browser session holds: the signed-in user, the language, the evaluation day and
which page this run opened. Everything here lives in st.session_state.

Pages call `user()` (the entry guarantees one), `tr(key, **kw)` for a text in the user's
language, `label(group, code)` for a code's name and `today()` for the evaluation day.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboard import i18n
from dashboard.security.access import User

ENTRY_SCRIPT = "streamlit_app.py"  # holds the sign-in gate


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


def today() -> dt.date:
    """The evaluation day: today, unless a test fixed st.session_state["today"]."""
    return st.session_state.get("today") or dt.date.today()


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
        format_func=names.__getitem__,
        key="lang",
        on_change=_relabel_choices,
    )
