"""Import en export (admins): upload interchange files, check, confirm; download a zip; the
app's scheduled backups with their size and age.

Nothing is stored before the check passed and the admin confirmed; the import itself checks
everything again (also against what is stored) and writes all or nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from dashboard import backups, interchange, settings
from dashboard.app import render, runtime, session
from dashboard.errors import Invalid, NotAllowed, RegiebordError
from dashboard.problem import Problem, Where
from dashboard.security import access


def problem_table(problems: list[Problem]) -> pd.DataFrame:
    """One row per problem: file, row, column, value and why (in the user's language)."""
    places = [p.where or Where() for p in problems]
    return pd.DataFrame(
        {
            session.tr("admin_data.file"): [w.file_text(session.lang()) for w in places],
            session.tr("admin_data.row"): ["" if w.row is None else str(w.row) for w in places],
            session.tr("admin_data.column"): [w.column or "" for w in places],
            session.tr("admin_data.value"): [p.value or "" for p in problems],
            session.tr("admin_data.reason"): [p.reason(session.lang()) for p in problems],
        }
    )


def show_problems(problems: list[Problem], total: int) -> None:
    key = "admin_data.problems_one" if total == 1 else "admin_data.problems"
    st.error(session.tr(key, n=total))
    st.dataframe(problem_table(problems), hide_index=True)


def checked_once(user: access.User, files: dict[str, bytes]):
    """The check of these uploaded files, made once: every click on the page reruns it, and a
    workbook can take long to read (the import checks everything again anyway)."""
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        digest.update(hashlib.sha256(name.encode()).digest() + hashlib.sha256(data).digest())
    cached = st.session_state.get("admin_upload_check")
    if cached is not None and cached[0] == digest.hexdigest():
        return cached[1]
    report = interchange.validate_upload(runtime.store(), user, files)
    st.session_state["admin_upload_check"] = (digest.hexdigest(), report)
    return report


def import_section(user: access.User) -> None:
    st.subheader(session.tr("admin_data.import_title"))
    st.caption(session.tr("admin_data.import_intro"))
    summary = st.session_state.pop("admin_import_summary", None)
    if summary:
        st.success(session.tr("admin_data.imported"))
        st.text(summary)
    round_ = st.session_state.setdefault("admin_upload_round", 0)
    uploads = st.file_uploader(
        session.tr("admin_data.upload"),
        type=["csv", "xlsx"],
        accept_multiple_files=True,
        key=f"admin_upload_{round_}",
    )
    if not uploads:
        return
    files = {upload.name: upload.getvalue() for upload in uploads}
    report = checked_once(user, files)
    if not report.ok:
        show_problems(report.problems, report.total_problems)
        return
    st.success(session.tr("admin_data.ok"))
    st.dataframe(
        pd.DataFrame(
            {
                session.tr("admin_data.table"): list(report.counts),
                session.tr("admin_data.rows"): list(report.counts.values()),
            }
        ),
        hide_index=True,
    )
    if not st.button(session.tr("admin_data.confirm"), type="primary", key="admin_confirm"):
        return
    try:
        result = interchange.import_upload(runtime.store(), user, files)
    except Invalid as exc:
        show_problems(exc.problems, len(exc.problems))
        return
    except RegiebordError as exc:
        render.show_error(exc)
        return
    st.session_state["admin_import_summary"] = result.summary(session.lang())
    st.session_state["admin_upload_round"] = round_ + 1  # a fresh, empty uploader
    st.rerun()


def export_section(user: access.User) -> None:
    st.subheader(session.tr("admin_data.export_title"))
    st.caption(session.tr("admin_data.export_intro"))
    # Made on request only: every export of personal data is audited.
    if st.button(session.tr("admin_data.export_make"), key="admin_export_make"):
        try:
            st.session_state["admin_export"] = interchange.export_zip(runtime.store(), user)
        except RegiebordError as exc:
            render.show_error(exc)
    data = st.session_state.get("admin_export")
    if data:
        st.download_button(
            session.tr("admin_data.export_download"),
            data=data,
            file_name="regiebord-export.zip",
            mime="application/zip",
            on_click="ignore",
            key="admin_export_download",
        )
        st.caption(session.tr("admin_data.export_raw"))


def age_text(age: dt.timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 120:
        return session.tr("admin_data.age_minutes", n=minutes)
    if minutes < 48 * 60:
        return session.tr("admin_data.age_hours", n=minutes // 60)
    return session.tr("admin_data.age_days", n=minutes // (24 * 60))


def backups_section(user: access.User) -> None:
    st.subheader(session.tr("admin_data.backups_title"))
    store = runtime.store()
    if not runtime.on_a_file(store):  # PostgreSQL keeps its own backups: pg_dump
        st.info(session.tr("cli.backup.on_server", path=render.plain(str(store.path))))
        return
    values = settings.current(store)
    st.caption(
        session.tr(
            "admin_data.backups_intro",
            hour=values["backup_hour"],
            folder=render.plain(str(backups.folder(store))),
            keep=values["backup_keep"],
        )
    )
    found = backups.listed(store, user)
    if not found:
        st.info(session.tr("admin_data.backups_none"))
        return
    now = dt.datetime.now()
    if found[0].age(now) > dt.timedelta(hours=26):
        st.warning(session.tr("admin_data.backups_stale"))
    st.dataframe(
        pd.DataFrame(
            {
                session.tr("admin_data.backups_file"): [b.path.name for b in found],
                session.tr("admin_data.backups_size"): [
                    session.tr("admin_data.size_mb", n=f"{b.size / 1e6:.1f}") for b in found
                ],
                session.tr("admin_data.backups_made"): [
                    f"{render.date_text(b.made_at.date())} {b.made_at:%H:%M}" for b in found
                ],
                session.tr("admin_data.backups_age"): [age_text(b.age(now)) for b in found],
            }
        ),
        hide_index=True,
    )


user = session.user()
st.title(session.tr("admin_data.title"))
if not access.may(user, "import_export"):  # routing hides the page; this is the second lock
    render.show_error(NotAllowed("import_export"))
    st.stop()
import_section(user)
st.divider()
export_section(user)
st.divider()
backups_section(user)
