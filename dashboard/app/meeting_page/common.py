"""Shared pieces of the meeting page: one way to call a service and report the outcome, and
the texts that describe a meeting."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.app import render
from dashboard.app.session import tr
from dashboard.errors import RegiebordError
from dashboard.meetings.model import MeetingSummary

FLASH = "meeting.flash"  # a confirmation shown once after the rerun a write causes
CURRENT = "meeting.current"  # the meeting chosen on the page


def save(call: Callable[[], object], message: str) -> None:
    """Run one service call; on success remember `message` and rerun (the page then shows
    what was written), else show why (nothing was written then)."""
    try:
        call()
    except RegiebordError as exc:
        render.show_error(exc)
        return
    st.session_state[FLASH] = message
    st.rerun()


def show_flash() -> None:
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH))


def caseload_text(kind: str, value: str | None, names: dict[str, str] | None = None) -> str:
    shown = (names or {}).get(value or "", value or "")
    return tr(f"meeting.caseload.label_{kind}", value=shown)


def summary_text(m: MeetingSummary, names: dict[str, str] | None = None) -> str:
    state = tr("meeting.closed_badge" if m.is_closed else "meeting.open_badge")
    text = tr(
        "meeting.summary",
        day=render.date_text(m.held_on),
        kind=tr(f"meeting.kind.{m.kind}"),
        caseload=caseload_text(m.caseload_kind, m.caseload_value, names),
        n=m.students,
    )
    return f"{text} · {state}"


def named(names: dict[str, str]) -> Callable[[str], str]:
    """A picker's format_func: the name of an id (the id itself when it has none, as for a
    value a test sets by its label)."""
    return lambda key: names.get(key, key)
