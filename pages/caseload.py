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
from dashboard.app import nav, render, runtime, session
from dashboard.app.meeting_page.follow_up import my_actions_block
from dashboard.errors import RegiebordError
from dashboard.security.access import User
from dashboard.signals import caseload
from dashboard.signals.caseload import CaseloadFilters


@st.cache_data(show_spinner=False, max_entries=256)
def load_options(store_key: tuple, user: User, as_of: dt.date) -> caseload.CaseloadOptions:
    return caseload.filter_options(runtime.store(), user, as_of)


@st.cache_data(show_spinner=False, max_entries=256)
def load_caseload(
    store_key: tuple, user: User, as_of: dt.date, filters: CaseloadFilters, lang: str
) -> caseload.Caseload:
    return caseload.caseload(runtime.store(), user, as_of, filters, lang)


def filter_widgets(user: User, options: caseload.CaseloadOptions) -> CaseloadFilters:
    all_ = session.tr("caseload.all")
    with st.expander(session.tr("caseload.filters"), expanded=True):
        row1 = st.columns(3)
        locations = row1[0].multiselect(
            session.tr("caseload.location"),
            options.locations,
            placeholder=all_,
            key="caseload_locations",
        )
        programmes = row1[1].multiselect(
            session.tr("caseload.programme"),
            options.programmes,
            placeholder=all_,
            key="caseload_programmes",
        )
        classes = row1[2].multiselect(
            session.tr("caseload.class"), options.classes, placeholder=all_, key="caseload_classes"
        )
        row2 = st.columns(4)
        guide_names = dict(options.guides)
        guide = row2[0].selectbox(
            session.tr("caseload.guide"),
            list(guide_names),
            index=None,
            format_func=guide_names.get,
            placeholder=all_,
            key="caseload_guide",
        )
        role = row2[1].selectbox(
            session.tr("caseload.role"),
            options.roles,
            index=None,
            format_func=lambda r: session.label("role", r),
            placeholder=all_,
            key=session.translated("caseload_role"),
        )
        severities = row2[2].multiselect(
            session.tr("caseload.severity"),
            signals.SEVERITY_ORDER,
            format_func=lambda s: session.label("severity", s),
            placeholder=all_,
            key=session.translated("caseload_severities"),
        )
        codes = row2[3].multiselect(
            session.tr("caseload.signal"),
            list(signals.CODES),
            format_func=render.signal_title,
            placeholder=all_,
            key=session.translated("caseload_codes"),
        )
        mine = st.toggle(
            session.tr("caseload.mine"),
            help=session.tr("caseload.mine_help"),
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
    title = render.signal_title(code)
    return f"{title} ({session.tr('caseload.ack_suffix')})" if acknowledged else title


def render_counts(counts: pd.DataFrame) -> None:
    st.subheader(session.tr("caseload.counts_title"))
    if counts.empty:
        st.info(session.tr("caseload.no_signals"))
        return
    badges = [
        render.badge(f"{render.signal_title(r.code)}: {r.open}", r.severity)
        for r in counts.itertuples()
        if r.open
    ]
    if badges:
        st.markdown(" ".join(badges))
    severity = session.tr("caseload.severity")
    table = pd.DataFrame(
        {
            session.tr("caseload.signal"): [render.signal_title(c) for c in counts["code"]],
            severity: [session.label("severity", s) for s in counts["severity"]],
            session.tr("caseload.count_open"): counts["open"].astype(int),
            session.tr("caseload.count_acknowledged"): counts["acknowledged"].astype(int),
        }
    )
    with st.expander(session.tr("caseload.counts_table")):
        st.dataframe(render.by_severity(table, severity, list(counts["severity"])), hide_index=True)


def render_students(rows: pd.DataFrame) -> None:
    st.subheader(session.tr("caseload.students_title"))
    if rows.empty:
        st.info(session.tr("caseload.no_students"))
        return
    st.caption(session.tr("caseload.open_hint"))
    worst = [s if isinstance(s, str) else None for s in rows["worst"]]
    shown = pd.DataFrame(
        {
            "student_id": rows["student_id"],
            "name": rows["name"],
            "class_code": rows["class_code"].fillna(""),
            "location": rows["location"],
            "mentor": rows["mentor"].fillna(""),
            "worst": [session.label("severity", s) for s in worst],
            "open_signals": rows["open_signals"].astype(int),
            "signals": [[signal_text(c, ack) for c, _, ack in badges] for badges in rows["badges"]],
        }
    )
    table = st.dataframe(
        render.by_severity(shown, "worst", worst),
        hide_index=True,
        key="caseload_students",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "student_id": session.tr("caseload.student_id"),
            "name": session.tr("caseload.name"),
            "class_code": session.tr("caseload.class"),
            "location": session.tr("caseload.location"),
            "mentor": session.tr("caseload.mentor"),
            "worst": session.tr("caseload.worst"),
            "open_signals": st.column_config.NumberColumn(session.tr("caseload.open_signals")),
            "signals": st.column_config.ListColumn(session.tr("caseload.signals"), width="large"),
        },
    )
    if table.selection.rows:
        nav.open_student(shown["student_id"].iloc[table.selection.rows[0]], back="caseload")


def state_text(row) -> str:
    if row.acknowledged:
        return session.tr("caseload.state_acknowledged", until=render.date_text(row.ack_until))
    return session.tr("caseload.state_open")


def render_signals(found: pd.DataFrame) -> None:
    st.subheader(session.tr("caseload.signals_title"))
    if found.empty:
        st.info(session.tr("caseload.no_signals"))
        return
    severity = session.tr("caseload.severity")
    table = pd.DataFrame(
        {
            severity: [session.label("severity", s) for s in found["severity"]],
            session.tr("caseload.signal"): [render.signal_title(c) for c in found["code"]],
            session.tr("caseload.name"): found["name"],
            session.tr("caseload.since"): found["since"],
            session.tr("caseload.explanation"): found["explanation"],
            session.tr("caseload.next_step"): found["next_step"],
            session.tr("caseload.state"): [state_text(r) for r in found.itertuples()],
        }
    )
    styled = render.by_severity(
        table, severity, list(found["severity"]), list(found["acknowledged"].astype(bool))
    )
    since = session.tr("caseload.since")
    st.dataframe(styled, hide_index=True, column_config={since: render.date_column(since)})


def signal_key(row) -> tuple:
    """What identifies a signal: (code, student_id, placement_id or None, since)."""
    placement = row.placement_id if isinstance(row.placement_id, str) else None
    return (row.code, row.student_id, placement, row.since)


def render_acknowledge(user: User, found: pd.DataFrame) -> None:
    st.subheader(session.tr("caseload.ack_title"))
    st.caption(session.tr("caseload.ack_intro"))
    if found.empty:
        return
    # The options are the signals themselves (not positions in the list): when a filter
    # changes the list, a choice that is gone resets, and "Vastleggen" acknowledges exactly
    # the signal shown.
    rows = {signal_key(r): r for r in found.itertuples(index=False)}

    def describe(key: tuple) -> str:
        code, student_id, placement, since = key
        where = ", ".join(x for x in (student_id, placement, render.date_text(since)) if x)
        return f"{render.signal_title(code)} — {rows[key].name} ({where})"

    choice = st.selectbox(
        session.tr("caseload.ack_pick"),
        list(rows),
        format_func=describe,
        key=session.translated("caseload_ack_pick"),
    )
    chosen = rows[choice]._asdict()
    code, student_id, placement_id, since = choice
    st.markdown(
        render.badge(render.signal_title(code), chosen["severity"], chosen["acknowledged"])
        + " "
        + render.plain(chosen["explanation"])
    )
    if chosen["acknowledged"]:
        st.caption(
            session.tr(
                "caseload.ack_current",
                by=render.plain(chosen["ack_by"]),
                until=render.date_text(chosen["ack_until"]),
                reason=render.plain(chosen["ack_reason"]),
            )
        )
    with st.form("caseload_ack", clear_on_submit=True, enter_to_submit=False):
        reason = st.text_input(session.tr("caseload.ack_reason"), key="caseload_ack_reason")
        until = st.date_input(
            session.tr("caseload.ack_until"),
            value=session.today() + dt.timedelta(days=30),
            format=render.date_format(),
            key="caseload_ack_until",
        )
        if not st.form_submit_button(session.tr("caseload.ack_submit")):
            return
    try:
        signals.acknowledge(
            runtime.store(),
            user,
            code,
            student_id,
            placement_id,
            since,
            reason,
            until,
            today=session.today(),
        )
    except RegiebordError as exc:
        render.show_error(exc)
        return
    st.session_state["caseload_notice"] = session.tr(
        "caseload.ack_done", until=render.date_text(until)
    )
    st.rerun()


def render_upcoming(upcoming: pd.DataFrame, days: int) -> None:
    st.subheader(session.tr("caseload.upcoming_title", days=days))
    if upcoming.empty:
        st.info(session.tr("caseload.upcoming_none"))
        return
    table = pd.DataFrame(
        {
            session.tr("caseload.due"): upcoming["due"].dt.date,
            session.tr("caseload.deadline"): upcoming["deadline"].dt.date,
            session.tr("caseload.name"): upcoming["name"],
            session.tr("caseload.moment"): [session.label("kind", k) for k in upcoming["kind"]],
            session.tr("caseload.company"): upcoming["company"],
            session.tr("caseload.supervisor"): upcoming["supervisor"],
        }
    )
    due, deadline = session.tr("caseload.due"), session.tr("caseload.deadline")
    st.dataframe(
        table,
        hide_index=True,
        column_config={due: render.date_column(due), deadline: render.date_column(deadline)},
    )


user = session.user()
st.title(session.tr("caseload.title"))
st.caption(session.tr("caseload.intro"))
notice = st.session_state.pop("caseload_notice", None)
if notice:
    st.success(notice)
my_actions_block(user)

as_of = st.columns([1, 3])[0].date_input(
    session.tr("caseload.as_of"),
    value=session.today(),
    format=render.date_format(),
    key="caseload_as_of",
)
options = load_options(runtime.store_key(), user, as_of)
filters = filter_widgets(user, options)
result = load_caseload(runtime.store_key(), user, as_of, filters, session.lang())

open_count = int(result.counts["open"].sum()) if len(result.counts) else 0
ack_count = int(result.counts["acknowledged"].sum()) if len(result.counts) else 0
st.markdown(
    session.tr(
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
