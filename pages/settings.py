"""Instellingen: signal thresholds and other settings, and the checklists' items (admins only;
settings.save and dashboard/checklists/items.py check).

The whole form is saved in one transaction. Every value is checked by the service (a whole
number within its range), which names the setting, the value and the allowed range of every
refused one; nothing of a refused save is kept.
"""

from __future__ import annotations

import streamlit as st

from dashboard import settings
from dashboard.app import render, runtime, session
from dashboard.app.checklist_items import checklist_items_section
from dashboard.errors import RegiebordError
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
    "group_backups": ("backup_hour", "backup_keep"),  # and the folder, a text (below)
    "group_trends": ("trends_min_students",),
}


user = session.user()
st.title(session.tr("settings_page.title"))
st.caption(session.tr("settings_page.intro"))
notice = st.session_state.pop("settings_notice", None)
if notice:
    st.success(notice)

current = settings.current(runtime.store())
folder = settings.texts(runtime.store())["backup_folder"]
store = runtime.store()
if runtime.on_a_file(store):
    folder_help = session.tr(
        "settings_page.backup_folder_help", default=render.plain(str(store.path.parent / "backups"))
    )
else:  # the app's own backups are the file's: a PostgreSQL store is backed up with pg_dump
    folder_help = session.tr("cli.backup.on_server", path=render.plain(str(store.path)))
wanted: dict[str, int | str] = {}
with st.form("settings"):
    for group, keys in GROUPS.items():
        st.subheader(session.tr(f"settings_page.{group}"))
        for key in keys:
            default, minimum, maximum = settings.DEFAULTS[key]
            field, note = st.columns([3, 2], vertical_alignment="bottom")
            wanted[key] = field.number_input(
                session.tr(f"settings_page.labels.{key}"),
                value=current[key],
                step=1,
                help=session.tr("settings_page.range", minimum=minimum, maximum=maximum),
                key=f"setting_{key}",
            )
            note.caption(f"{session.tr('settings_page.default')}: {default}")
        if group == "group_backups":
            st.caption(session.tr("settings_page.backups_intro"))
            wanted["backup_folder"] = st.text_input(
                session.tr("settings_page.labels.backup_folder"),
                value=folder,
                max_chars=settings.MAX_TEXT,
                help=folder_help,
                key="setting_backup_folder",
            )
    submitted = st.form_submit_button(session.tr("settings_page.save"), type="primary")

if submitted:
    try:
        settings.save(runtime.store(), user, wanted)
    except RegiebordError as exc:
        render.show_error(exc)
    else:
        before = {**current, "backup_folder": folder}
        changed = any(str(wanted[k]).strip() != str(before[k]) for k in wanted)
        key = "settings_page.saved" if changed else "settings_page.unchanged"
        st.session_state["settings_notice"] = session.tr(key)
        st.rerun()

checklist_items_section()
