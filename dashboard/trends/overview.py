"""Everything the trends page shows, in one call: `overview(store, user, as_of, filters,
period)`, with the small-cell rule applied (threshold: the school's setting
`trends_min_students`) and rates only over a base of privacy.MIN_RATE_BASE or more.

The monthly figures come from trends.trends (queries/trends.sql), the rest from one more
set-based query (queries/trends_overview.sql, which defines each figure). Results are kept per
scope (not user: two managers of the same locations see the same figures), day, filters and
period, so a page rerun costs nothing; `warm` fills the whole school's default view in the
background after a change, as the day cache of the signals is filled.

A kept result stays in use after writes that changed some students (a form) for FRESH_SECONDS,
then is computed again; after a store-wide change (an import, a setting) at once. Computing it
means a signal history over the year's Mondays, tens of seconds at sector scale: computed
again after every form, the background warm-ups of a busy school's saves piled up faster than
they ended. Monthly and weekly figures lose nothing by trailing a form by some minutes; the
page says when they were computed (`Overview.computed_at`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd

from dashboard import queries
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import aggregate_row
from dashboard.trends import TrendFilters, privacy, scope_params, trends
from dashboard.trends.period import Period, offered_school_years
from dashboard.trends.signal_history import SignalHistory, signal_history

_log = logging.getLogger(__name__)

KEPT = 64  # results kept per process (each a few small frames)
FRESH_SECONDS = 15 * 60  # a kept result outlives writes to some students this long
DESTINATIONS = ("graduated", "progressed", "employed", "transferred", "dropped_out")
COHORT_MONTHS = (3, 6, 12, 18, 24)
COORDINATION_FACTORS = ("direction", "start_moment", "information", "guides")


@dataclass(frozen=True)
class Options:
    """What the filters offer a user: the locations and programmes in their scope, and the
    school years (of enrolment, and as a period) back to the earliest enrolment."""

    locations: tuple[str, ...]
    programmes: tuple[str, ...]
    school_years: tuple[int, ...]


@dataclass(frozen=True)
class Overview:
    """The figures of every section of the trends page; hidden cells are pd.NA, rates are
    shares in [0, 1] (per active student for contacts)."""

    as_of: dt.date  # the last day counted
    threshold: int  # counts resting on fewer students (but more than none) are hidden
    moments: pd.DataFrame  # 1: month, kind, due, on_time, late, not_held, all_three, partial
    moments_all: pd.DataFrame  # 1: month and the same counts, all kinds together
    moment_groups: pd.DataFrame  # 1: by, group, the same counts over the period
    weekly: pd.DataFrame  # 2: day, counts and shares (see queries/trends_overview.sql)
    contacts: pd.DataFrame  # 4: month, active_students, contacts (fixed/incidental), per student
    contact_split: (
        pd.DataFrame
    )  # 4: month, by (kind/channel/initiator), group, contacts, per_student
    frequency: pd.DataFrame  # 4: month, agreements, met, not_met, met_share
    dropout: pd.DataFrame  # 5: month, students, dropouts, dropout_rate (with/without direction)
    school_years: pd.DataFrame  # 5: school_year, by, group, start_population, dropouts, rate
    destinations: pd.DataFrame  # 5: month, destination, students
    cohorts: pd.DataFrame  # 5: cohort, months, students, enrolled, diploma, left_without, share
    coordination: pd.DataFrame  # 6: factor, group, students, dropouts, stayed, dropout_rate
    signals: SignalHistory  # 3: open signals each Monday of the period, how long they stay open
    computed_at: dt.datetime  # when these figures were computed (local time)


@dataclass(frozen=True)
class _Kept:
    version: int  # the store's version when the computation began
    since: float  # time.monotonic() then
    overview: Overview


_cache: OrderedDict[tuple, _Kept] = OrderedDict()
_lock = threading.Lock()


def filter_options(store: Store, user: User, as_of: dt.date) -> Options:
    """The locations, programmes and school years the trends filters offer `user`: only
    those of the students whose figures they may see."""
    access.ensure(user, "view_trends")
    visible, params = access.aggregate_scope_sql(user)
    sql = (
        "SELECT list(DISTINCT location ORDER BY location), "
        "list(DISTINCT programme ORDER BY programme), min(enrolment_date) "
        f"FROM students WHERE student_id IN ({visible})"
    )
    with store.read() as cur:
        locations, programmes, first = aggregate_row(cur, sql, access.used_params(sql, params))
    years = offered_school_years(first, as_of)
    return Options(tuple(locations or ()), tuple(programmes or ()), tuple(years))


def overview(
    store: Store, user: User, as_of: dt.date, filters: TrendFilters, period: Period
) -> Overview:
    """The trends page's figures for `user` (access.aggregate_scope_sql), `filters` and
    `period` as of `as_of`. NotAllowed without view_trends."""
    access.ensure(user, "view_trends")
    key = (store.path, _scope_key(user), as_of, filters, period)
    with _lock:
        kept = _cache.get(key)
    if kept is not None and _still_current(store, kept):
        with _lock:
            if key in _cache:
                _cache.move_to_end(key)
        return kept.overview
    version, since = store.version, time.monotonic()
    result = _compute(store, user, as_of, filters, period)
    with _lock:
        _cache[key] = _Kept(version, since, result)
        while len(_cache) > KEPT:
            _cache.popitem(last=False)
    return result


def _still_current(store: Store, kept: _Kept) -> bool:
    """Whether a kept result may still be shown: nothing changed since, or only some
    students' rows (no store-wide change) and it is younger than FRESH_SECONDS."""
    if time.monotonic() - kept.since >= FRESH_SECONDS:
        return store.version == kept.version
    return store.changes_since(kept.version).student_ids is not None


def warm(store: Store, as_of: dt.date) -> None:
    """Fill the cache with the whole school's default view (the 12 months up to `as_of`, no
    filters) ahead of the first manager who asks. For a background thread: a failure is
    logged, not raised."""
    try:
        overview(store, access.CLI_USER, as_of, TrendFilters(), Period())
    except Exception:  # a warm-up must never take the server down
        _log.warning("warming the trends of %s failed", store.path, exc_info=True)


def _scope_key(user: User) -> tuple:
    """Users with the same key see the same figures (access.aggregate_scope_sql)."""
    everyone = user.kind == "admin" or (user.kind == "manager" and not user.locations)
    return ("all",) if everyone else (user.kind, tuple(sorted(user.locations)))


def _compute(
    store: Store, user: User, as_of: dt.date, filters: TrendFilters, period: Period
) -> Overview:
    threshold = privacy.threshold(store)
    base = privacy.MIN_RATE_BASE
    monthly = trends(
        store, user, as_of, filters, period, min_students=threshold, min_rate_base=base
    )
    visible, params = scope_params(user, filters, period, as_of)
    sql = queries.load("trends_overview", visible=visible)
    with store.read() as cur:
        row = aggregate_row(cur, sql, access.used_params(sql, params))
    weekly, split, frequency, years, destinations, cohorts, coordination = (
        pd.DataFrame(part or []) for part in row
    )
    return Overview(
        as_of=monthly.as_of,
        threshold=threshold,
        moments=monthly.moments,
        moments_all=monthly.moments_all,
        moment_groups=monthly.moment_groups,
        weekly=_weekly(weekly, threshold),
        contacts=monthly.contacts,
        contact_split=_contact_split(split, monthly.contacts, threshold),
        frequency=_frequency(frequency, threshold),
        dropout=monthly.dropout,
        school_years=_school_years(years, threshold),
        destinations=_destinations(destinations, threshold),
        cohorts=_cohorts(cohorts, threshold),
        coordination=_coordination(coordination, threshold),
        signals=signal_history(store, user, period.start(as_of), period.end(as_of), filters),
        computed_at=dt.datetime.now(),
    )


def _frame(raw: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`raw`, or an empty frame with `columns` when the query found nothing."""
    return raw if len(raw) else pd.DataFrame({c: pd.Series(dtype="Int64") for c in columns})


def _weekly(raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    counts = [
        "active_students",
        "with_direction",
        "without_direction",
        "with_final_responsibility",
        "without_final_responsibility",
        "placements",
        "informed",
        "uninformed",
    ]
    raw = _frame(raw, ["day", *counts])
    out = privacy.suppress(
        raw,
        columns=counts,
        partitions=(
            ("active_students", ("with_direction", "without_direction")),
            ("active_students", ("with_final_responsibility", "without_final_responsibility")),
            ("placements", ("informed", "uninformed")),
        ),
        threshold=threshold,
    )
    base = privacy.MIN_RATE_BASE
    out["direction_share"] = privacy.ratio(out["with_direction"], out["active_students"], base)
    out["final_responsibility_share"] = privacy.ratio(
        out["with_final_responsibility"], out["active_students"], base
    )
    out["information_share"] = privacy.ratio(out["informed"], out["placements"], base)
    return out


def _contact_split(raw: pd.DataFrame, monthly: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Contacts per month by kind, channel and initiator: each is a split of the month's
    contacts (shown in the monthly table), so the groups are hidden as its parts."""
    raw = _frame(raw, ["month", "by", "group", "contacts", "contacts_students"])
    out = privacy.suppress(
        raw, columns=["contacts"], keys=("month", "by"), group="group", threshold=threshold
    )
    active = out.merge(monthly[["month", "active_students"]], on="month", how="left")
    out["per_active_student"] = privacy.ratio(
        out["contacts"], active["active_students"], privacy.MIN_RATE_BASE
    )
    return out


def _frequency(raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    raw = _frame(raw, ["month", "agreements", "met", "not_met"])
    out = privacy.suppress(
        raw,
        columns=["agreements", "met", "not_met"],
        partitions=(("agreements", ("met", "not_met")),),
        threshold=threshold,
    )
    out["met_share"] = privacy.ratio(out["met"], out["agreements"], privacy.MIN_RATE_BASE)
    return out


def _school_years(raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The locations (programmes) of a school year add up to the school's row, so they are
    hidden as its parts."""
    raw = _frame(raw, ["school_year", "by", "group", "start_population", "dropouts"])
    out = privacy.suppress(
        raw,
        columns=["start_population", "dropouts"],
        keys=("school_year", "by"),
        group="group",
        threshold=threshold,
    )
    out["dropout_rate"] = privacy.ratio(
        out["dropouts"], out["start_population"], privacy.MIN_RATE_BASE
    )
    return out


def _destinations(raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    raw = _frame(raw, ["month", "destination", "students"])
    return privacy.suppress(
        raw, columns=["students"], keys=("month",), group="destination", threshold=threshold
    )


def _cohorts(raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    counts = ["students", "enrolled", "diploma", "left_without"]
    raw = _frame(raw, ["cohort", "months", *counts])
    out = privacy.suppress(
        raw,
        columns=counts,
        partitions=(("students", ("enrolled", "diploma", "left_without")),),
        threshold=threshold,
    )
    kept = out["enrolled"].astype("Float64") + out["diploma"].astype("Float64")
    out["share"] = privacy.ratio(kept, out["students"], privacy.MIN_RATE_BASE)
    return out


def _coordination(raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Per factor the groups split the students on the rolls: hidden as parts of that total,
    and each group's students as dropouts + stayed."""
    counts = ["students", "dropouts", "stayed"]
    raw = _frame(raw, ["factor", "group", *counts])
    out = privacy.suppress(
        raw,
        columns=counts,
        keys=("factor",),
        group="group",
        partitions=(("students", ("dropouts", "stayed")),),
        threshold=threshold,
    )
    out["dropout_rate"] = privacy.ratio(out["dropouts"], out["students"], privacy.MIN_RATE_BASE)
    return out
