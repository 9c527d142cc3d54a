"""Signals over time (trends.signal_history) on a small hand-made school with known answers.

Noord: 12 healthy students (tests/factories.py) whose start moment was not held in time, so
START_MISSING fires from start + 15 (T - 105); 10 of them hold it on T - 60. Zuid: 3 more
without a start moment, and 6 whose supervisor has no workplace_supervisor role
(NO_SUPERVISOR from the placement's start).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from factories import World, days, healthy_student

from dashboard import signals
from dashboard.errors import NotAllowed
from dashboard.security import access
from dashboard.trends import TrendFilters
from dashboard.trends.signal_history import signal_history, week_starts

T = dt.date(2025, 10, 1)  # a Wednesday
FIRST, LAST = T - days(140), T
ADMIN = access.User("admin", "admin")
ZUID = access.User("zc", "care_coordinator", "P-ZC", locations=("Zuid",))


@pytest.fixture
def school(store):
    world = World()
    for i in range(12):
        s = healthy_student(world, T, f"N{i}")
        s.remove(s.contact("start"))
        if i < 10:
            world.add_contact(
                s.student_id, T - days(60), [s.mentor_id, s.supervisor_id], "start", s.placement_id
            )
    for i in range(9):
        s = healthy_student(world, T, f"Z{i}")
        s.student["location"] = "Zuid"
        if i < 3:
            s.remove(s.contact("start"))
        else:
            s.remove(s.role("workplace_supervisor"))
    world.save(store)
    return store


def _open(history, week: dt.date, code: str):
    rows = history.open[(history.open["week"] == week) & (history.open["code"] == code)]
    assert len(rows) == 1
    return rows["open"].iloc[0]


def test_open_signals_each_monday_and_how_long_they_stay_open(school):
    history = signal_history(school, ADMIN, FIRST, LAST)
    mondays = week_starts(FIRST, LAST)
    assert history.weeks == tuple(mondays) and all(m.weekday() == 0 for m in mondays)
    assert mondays[0] >= FIRST and mondays[-1] > LAST - days(7)
    for monday in mondays:
        late = T - days(105) <= monday  # start + 15
        held = T - days(60) <= monday
        expected = 0 if not late else (2 + 3 if held else 12 + 3)
        assert _open(history, monday, "START_MISSING") == expected, monday
        assert _open(history, monday, "NO_SUPERVISOR") == (6 if monday >= T - days(120) else 0)
    # Ten stopped firing on the first Monday on or after T - 60; five are still open.
    first_after = next(m for m in mondays if m >= T - days(60))
    row = history.duration.set_index("code").loc["START_MISSING"]
    assert row["ended"] == 10
    assert row["median_days"] == (first_after - (T - days(105))).days
    assert row["still_open"] == 5


def test_each_week_counts_what_the_one_day_engine_finds_that_monday(school):
    history = signal_history(school, ADMIN, FIRST, LAST)
    for monday in history.weeks[::4]:
        found = signals.open_signals(signals.evaluate(school, monday))
        expected = found.groupby("code").size()
        got = history.open[history.open["week"] == monday].set_index("code")["open"]
        for code in signals.CODES:
            count = int(expected.get(code, 0))
            if 0 < count < 5:
                assert got[code] is pd.NA, (monday, code)
            elif got[code] is not pd.NA:  # else hidden as a complement
                assert got[code] == count, (monday, code)


def test_small_cells_are_hidden_with_their_complement_in_the_scope_of_a_coordinator(school):
    """Zuid only: START_MISSING rests on 3 students (hidden), so the other shown part of the
    high total (NO_SUPERVISOR, 6) is hidden too; the total (9) stays."""
    history = signal_history(school, ZUID, FIRST, LAST)
    monday = next(m for m in history.weeks if m >= T - days(100))
    assert _open(history, monday, "START_MISSING") is pd.NA
    assert _open(history, monday, "NO_SUPERVISOR") is pd.NA
    high = history.open_by_severity
    assert high[(high["week"] == monday) & (high["severity"] == "high")]["open"].iloc[0] == 9
    # A location filter narrows an admin's view the same way; it never widens a scope.
    filtered = signal_history(school, ADMIN, FIRST, LAST, TrendFilters(locations=("Zuid",)))
    pd.testing.assert_frame_equal(filtered.open, history.open)
    outside = signal_history(school, ZUID, FIRST, LAST, TrendFilters(locations=("Noord",)))
    assert outside.open["open"].fillna(0).sum() == 0


def test_medians_need_ten_ended_signals_and_no_student_leaves_the_service(school):
    history = signal_history(school, ADMIN, FIRST, LAST)
    table = history.duration.set_index("code")
    assert table.loc["NO_SUPERVISOR", "still_open"] == 6
    assert table.loc["NO_SUPERVISOR", "median_days"] is pd.NA  # none ended
    frames = (history.open, history.open_by_severity, history.duration)
    assert {c for f in frames for c in f.columns} == {
        "week", "severity", "code", "open", "ended", "median_days", "still_open"
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["care_worker", "guide", "workplace"])
def test_only_admins_managers_and_care_coordinators(school, kind):
    with pytest.raises(NotAllowed):
        signal_history(school, access.User("u", kind, "P-X"), FIRST, LAST)
