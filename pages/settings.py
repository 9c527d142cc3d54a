"""Instellingen: signal thresholds and other settings (admins only; settings.update checks).

Every value is checked by the service (a whole number within its range), which names the
setting, the value and the allowed range when it refuses; nothing of a refused save is kept.
"""

from __future__ import annotations

import streamlit as st

from dashboard import settings
from dashboard.app import ui
from dashboard.errors import Invalid, RegiebordError
from dashboard.signals.catalogue import THRESHOLDS

GROUPS = {
    "group_signals": tuple(THRESHOLDS),  # declared per signal in signals/catalogue.toml
    "group_caseload": ("upcoming_days", "retention_years"),
    "group_sessions": (
        "idle_timeout_minutes",
        "session_max_hours",
        "lockout_attempts",
        "lockout_minutes",
    ),
}


def save(user, current: dict[str, int], wanted: dict[str, int]) -> list:
    """Store the changed values; the problems of the refused ones (the others are kept)."""
    problems = []
    for key, value in wanted.items():
        if value == current[key]:
            continue
        try:
            settings.update(ui.store(), user, key, value)
        except Invalid as exc:
            problems.extend(exc.problems)
    return problems


user = ui.user()
st.title(ui.tr("settings_page.title"))
st.caption(ui.tr("settings_page.intro"))
notice = st.session_state.pop("settings_notice", None)
if notice:
    st.success(notice)

current = settings.current(ui.store())
wanted: dict[str, int] = {}
with st.form("settings"):
    for group, keys in GROUPS.items():
        st.subheader(ui.tr(f"settings_page.{group}"))
        for key in keys:
            default, minimum, maximum = settings.DEFAULTS[key]
            field, note = st.columns([3, 2], vertical_alignment="bottom")
            wanted[key] = field.number_input(
                ui.tr(f"settings_page.labels.{key}"),
                value=current[key],
                step=1,
                help=ui.tr("settings_page.range", minimum=minimum, maximum=maximum),
                key=f"setting_{key}",
            )
            note.caption(f"{ui.tr('settings_page.default')}: {default}")
    submitted = st.form_submit_button(ui.tr("settings_page.save"), type="primary")

if submitted:
    try:
        problems = save(user, current, wanted)
    except RegiebordError as exc:
        ui.show_error(exc)
    else:
        if problems:
            ui.show_error(Invalid(problems))
        else:
            changed = any(wanted[k] != current[k] for k in wanted)
            key = "settings_page.saved" if changed else "settings_page.unchanged"
            st.session_state["settings_notice"] = ui.tr(key)
            st.rerun()
