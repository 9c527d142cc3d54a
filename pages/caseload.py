"""Caseload: the working list of care coordinators and guides (docs/flags.md).

Filters -> one caseload.caseload call (cached per store version, user, day, filters and
language) -> counts per signal, students with their signal badges, all signals, the
acknowledge form and the plan of fixed contact moments coming up.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import signals
from dashboard.app import ui
from dashboard.errors import RegiebordError
from dashboard.security.access import User
from dashboard.signals import caseload
from dashboard.signals.caseload import CaseloadFilters


@st.cache_data(show_spinner=False, max_entries=256)
def load_options(store_key: tuple, user: User, as_of: dt.date) -> caseload.CaseloadOptions:
    return caseload.filter_options(ui.store(), user, as_of)


@st.cache_data(show_spinner=False, max_entries=256)
def load_caseload(
    store_key: tuple, user: User, as_of: dt.date, filters: CaseloadFilters, lang: str
) -> caseload.Caseload:
    return caseload.caseload(ui.store(), user, as_of, filters, lang)


def filter_widgets(user: User, options: caseload.CaseloadOptions) -> CaseloadFilters:
    all_ = ui.tr("caseload.all")
    with st.expander(ui.tr("caseload.filters"), expanded=True):
        row1 = st.columns(3)
        locations = row1[0].multiselect(
            ui.tr("caseload.location"),
            options.locations,
            placeholder=all_,
            key="caseload_locations",
        )
        programmes = row1[1].multiselect(
            ui.tr("caseload.programme"),
            options.programmes,
            placeholder=all_,
            key="caseload_programmes",
        )
        classes = row1[2].multiselect(
            ui.tr("caseload.class"), options.classes, placeholder=all_, key="caseload_classes"
        )
        row2 = st.columns(4)
        guide_names = dict(options.guides)
        guide = row2[0].selectbox(
            ui.tr("caseload.guide"),
            list(guide_names),
            index=None,
            format_func=guide_names.get,
            placeholder=all_,
            key="caseload_guide",
        )
        role = row2[1].selectbox(
            ui.tr("caseload.role"),
            options.roles,
            index=None,
            format_func=lambda r: ui.label("role", r),
            placeholder=all_,
            key=ui.translated("caseload_role"),
        )
        severities = row2[2].multiselect(
            ui.tr("caseload.severity"),
            signals.SEVERITY_ORDER,
            format_func=lambda s: ui.label("severity", s),
            placeholder=all_,
            key=ui.translated("caseload_severities"),
        )
        codes = row2[3].multiselect(
            ui.tr("caseload.signal"),
            list(signals.CODES),
            format_func=ui.signal_title,
            placeholder=all_,
            key=ui.translated("caseload_codes"),
        )
        mine = st.toggle(
            ui.tr("caseload.mine"),
            help=ui.tr("caseload.mine_help"),
            key="caseload_mine",
            disabled=user.person_id is None,
        )
    return CaseloadFilters(
        tuple(locations),
        tuple(programmes),
        tuple(classes),
        guide,
        role,
        tuple(severities),
        tuple(codes),
        mine,
    )


def signal_text(code: str, acknowledged: bool = False) -> str:
    title = ui.signal_title(code)
    return f"{title} ({ui.tr('caseload.ack_suffix')})" if acknowledged else title


def render_counts(counts: pd.DataFrame) -> None:
    st.subheader(ui.tr("caseload.counts_title"))
    if counts.empty:
        st.info(ui.tr("caseload.no_signals"))
        return
    badges = [
        ui.badge(f"{ui.signal_title(r.code)}: {r.open}", r.severity)
        for r in counts.itertuples()
        if r.open
    ]
    if badges:
        st.markdown(" ".join(badges))
    severity = ui.tr("caseload.severity")
    table = pd.DataFrame(
        {
            ui.tr("caseload.signal"): [ui.signal_title(c) for c in counts["code"]],
            severity: [ui.label("severity", s) for s in counts["severity"]],
            ui.tr("caseload.count_open"): counts["open"].astype(int),
            ui.tr("caseload.count_acknowledged"): counts["acknowledged"].astype(int),
        }
    )
    with st.expander(ui.tr("caseload.counts_table")):
        st.dataframe(ui.by_severity(table, severity, list(counts["severity"])), hide_index=True)


def render_students(rows: pd.DataFrame) -> None:
    st.subheader(ui.tr("caseload.students_title"))
    if rows.empty:
        st.info(ui.tr("caseload.no_students"))
        return
    st.caption(ui.tr("caseload.open_hint"))
    # A student without open signals has no worst severity: the service's None arrives as NaN
    # in pandas' text column (fixed here while dashboard/caseload.py is being reworked).
    worst = [s if isinstance(s, str) else None for s in rows["worst"]]
    shown = pd.DataFrame(
        {
            "student_id": rows["student_id"],
            "name": rows["name"],
            "class_code": rows["class_code"].fillna(""),
            "location": rows["location"],
            "mentor": rows["mentor"].fillna(""),
            "worst": [ui.label("severity", s) for s in worst],
            "open_signals": rows["open_signals"].astype(int),
            "signals": [[signal_text(c, ack) for c, _, ack in badges] for badges in rows["badges"]],
        }
    )
    table = st.dataframe(
        ui.by_severity(shown, "worst", worst),
        hide_index=True,
        key="caseload_students",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "student_id": ui.tr("caseload.student_id"),
            "name": ui.tr("caseload.name"),
            "class_code": ui.tr("caseload.class"),
            "location": ui.tr("caseload.location"),
            "mentor": ui.tr("caseload.mentor"),
            "worst": ui.tr("caseload.worst"),
            "open_signals": st.column_config.NumberColumn(ui.tr("caseload.open_signals")),
            "signals": st.column_config.ListColumn(ui.tr("caseload.signals"), width="large"),
        },
    )
    if table.selection.rows:
        ui.open_student(shown["student_id"].iloc[table.selection.rows[0]], back="pages/caseload.py")


def state_text(row) -> str:
    if row.acknowledged:
        return ui.tr("caseload.state_acknowledged", until=ui.date_text(row.ack_until))
    return ui.tr("caseload.state_open")


def render_signals(found: pd.DataFrame) -> None:
    st.subheader(ui.tr("caseload.signals_title"))
    if found.empty:
        st.info(ui.tr("caseload.no_signals"))
        return
    severity = ui.tr("caseload.severity")
    table = pd.DataFrame(
        {
            severity: [ui.label("severity", s) for s in found["severity"]],
            ui.tr("caseload.signal"): [ui.signal_title(c) for c in found["code"]],
            ui.tr("caseload.name"): found["name"],
            ui.tr("caseload.since"): found["since"],
            ui.tr("caseload.explanation"): found["explanation"],
            ui.tr("caseload.next_step"): found["next_step"],
            ui.tr("caseload.state"): [state_text(r) for r in found.itertuples()],
        }
    )
    styled = ui.by_severity(
        table, severity, list(found["severity"]), list(found["acknowledged"].astype(bool))
    )
    since = ui.tr("caseload.since")
    st.dataframe(styled, hide_index=True, column_config={since: ui.date_column(since)})


def signal_key(row) -> tuple:
    """What identifies a signal: (code, student_id, placement_id or None, since)."""
    placement = row.placement_id if isinstance(row.placement_id, str) else None
    return (row.code, row.student_id, placement, row.since)


def render_acknowledge(user: User, found: pd.DataFrame) -> None:
    st.subheader(ui.tr("caseload.ack_title"))
    st.caption(ui.tr("caseload.ack_intro"))
    if found.empty:
        return
    # The options are the signals themselves (not positions in the list): when a filter
    # changes the list, a choice that is gone resets, and "Vastleggen" acknowledges exactly
    # the signal shown.
    rows = {signal_key(r): r for r in found.itertuples(index=False)}

    def describe(key: tuple) -> str:
        code, student_id, placement, since = key
        where = ", ".join(x for x in (student_id, placement, ui.date_text(since)) if x)
        return f"{ui.signal_title(code)} — {rows[key].name} ({where})"

    choice = st.selectbox(
        ui.tr("caseload.ack_pick"),
        list(rows),
        format_func=describe,
        key=ui.translated("caseload_ack_pick"),
    )
    chosen = rows[choice]._asdict()
    code, student_id, placement_id, since = choice
    st.markdown(
        ui.badge(ui.signal_title(code), chosen["severity"], chosen["acknowledged"])
        + " "
        + ui.plain(chosen["explanation"])
    )
    if chosen["acknowledged"]:
        st.caption(
            ui.tr(
                "caseload.ack_current",
                by=ui.plain(chosen["ack_by"]),
                until=ui.date_text(chosen["ack_until"]),
                reason=ui.plain(chosen["ack_reason"]),
            )
        )
    with st.form("caseload_ack", clear_on_submit=True, enter_to_submit=False):
        reason = st.text_input(ui.tr("caseload.ack_reason"), key="caseload_ack_reason")
        until = st.date_input(
            ui.tr("caseload.ack_until"),
            value=ui.today() + dt.timedelta(days=30),
            format=ui.date_format(),
            key="caseload_ack_until",
        )
        if not st.form_submit_button(ui.tr("caseload.ack_submit")):
            return
    try:
        signals.acknowledge(
            ui.store(),
            user,
            code,
            student_id,
            placement_id,
            since,
            reason,
            until,
            today=ui.today(),
        )
    except RegiebordError as exc:
        ui.show_error(exc)
        return
    st.session_state["caseload_notice"] = ui.tr("caseload.ack_done", until=ui.date_text(until))
    st.rerun()


def render_upcoming(upcoming: pd.DataFrame, days: int) -> None:
    st.subheader(ui.tr("caseload.upcoming_title", days=days))
    if upcoming.empty:
        st.info(ui.tr("caseload.upcoming_none"))
        return
    table = pd.DataFrame(
        {
            ui.tr("caseload.due"): upcoming["due"].dt.date,
            ui.tr("caseload.deadline"): upcoming["deadline"].dt.date,
            ui.tr("caseload.name"): upcoming["name"],
            ui.tr("caseload.moment"): [ui.label("kind", k) for k in upcoming["kind"]],
            ui.tr("caseload.company"): upcoming["company"],
            ui.tr("caseload.supervisor"): upcoming["supervisor"],
        }
    )
    due, deadline = ui.tr("caseload.due"), ui.tr("caseload.deadline")
    st.dataframe(
        table,
        hide_index=True,
        column_config={due: ui.date_column(due), deadline: ui.date_column(deadline)},
    )


user = ui.user()
st.title(ui.tr("caseload.title"))
st.caption(ui.tr("caseload.intro"))
notice = st.session_state.pop("caseload_notice", None)
if notice:
    st.success(notice)

as_of = st.columns([1, 3])[0].date_input(
    ui.tr("caseload.as_of"), value=ui.today(), format=ui.date_format(), key="caseload_as_of"
)
options = load_options(ui.store_key(), user, as_of)
filters = filter_widgets(user, options)
result = load_caseload(ui.store_key(), user, as_of, filters, ui.lang())

open_count = int(result.counts["open"].sum()) if len(result.counts) else 0
ack_count = int(result.counts["acknowledged"].sum()) if len(result.counts) else 0
st.markdown(
    ui.tr(
        "caseload.summary",
        students=len(result.students),
        open=open_count,
        acknowledged=ack_count,
    )
)
render_counts(result.counts)
render_students(result.students)
render_signals(result.signals)
render_acknowledge(user, result.signals)
render_upcoming(result.upcoming, result.upcoming_days)
