"""ACTION_OVERDUE as docs/flags.md defines it: an action about the student, agreed in a
caseload meeting held on or before T, not marked done or cancelled on or before T, due before
T; since = the earliest such due date + 1. In the caseload, the day cache and the command line
like every other signal; never in the interchange files."""

from __future__ import annotations

import pytest
from factories import days
from meeting_world import COORD, T, build, create

from dashboard import interchange, signals
from dashboard.meetings import run
from dashboard.security.access import CLI_USER
from dashboard.signals import caseload, day_cache


@pytest.fixture
def school(store):
    return store, build(store)  # S-OVER: meeting T-30, action due T-10, open


def overdue(store, day, student_id="S-OVER"):
    found = signals.evaluate(store, day, [student_id])
    rows = found[found["code"] == "ACTION_OVERDUE"]
    return [(r.since, r.severity, r.person_id) for r in rows.itertuples()]


def test_fires_the_day_after_the_due_date_until_marked_done(school):
    store, ids = school
    assert overdue(store, T - days(10)) == []  # due on T-10: not before T yet
    assert overdue(store, T - days(9)) == [(T - days(9), "medium", "M-S-OVER")]
    run.set_action_status(store, COORD, ids["action"], "done", T - days(3), T)
    assert overdue(store, T - days(4)) == [(T - days(9), "medium", "M-S-OVER")]
    assert overdue(store, T - days(3)) == []  # marked done on or before T
    assert overdue(store, T) == []


def test_cancelled_counts_as_marked(school):
    store, ids = school
    run.set_action_status(store, COORD, ids["action"], "cancelled", T - days(1), T)
    assert overdue(store, T - days(2)) != [] and overdue(store, T - days(1)) == []


def test_since_is_the_earliest_due_date_plus_one(school):
    store, ids = school
    run.add_action(
        store, COORD, ids["earlier"], "S-OVER", "Later", "M-S-OVER", T - days(20), T - days(30)
    )
    assert overdue(store, T) == [(T - days(19), "medium", "M-S-OVER")]


def test_only_meetings_held_on_or_before_the_day_count(school):
    store, _ = school
    later = create(store, ["S-MED"], held_on=T + days(5))
    run.add_action(store, COORD, later, "S-MED", "Bellen", "M-S-MED", T + days(5), T + days(5))
    # On T+10 it is overdue; on a day before the meeting it does not exist yet.
    assert overdue(store, T + days(10), "S-MED") == [(T + days(6), "medium", "M-S-MED")]
    assert overdue(store, T + days(4), "S-MED") == []


def test_only_active_students_get_it(school):
    store, _ = school
    with store.write() as tx:
        tx.touch(["S-OVER"])
        tx.execute(
            "UPDATE students SET status = 'graduated', status_date = $d WHERE student_id = 'S-OVER'",
            {"d": T - days(5)},
        )
    assert overdue(store, T - days(6)) != [] and overdue(store, T) == []


def test_the_day_cache_and_the_caseload_follow_the_status(school):
    store, ids = school
    day_cache.clear(store)
    found = day_cache.evaluate(store, T, ["S-OVER"])
    assert list(found["code"]) == ["ACTION_OVERDUE"]
    load = caseload.caseload(store, COORD, T, caseload.CaseloadFilters())
    assert "ACTION_OVERDUE" in set(load.signals["code"])
    text = load.signals.set_index("code").loc["ACTION_OVERDUE", "next_step"]
    assert "Mentor S-OVER" in text
    run.set_action_status(store, COORD, ids["action"], "done", T, T)
    assert day_cache.evaluate(store, T, ["S-OVER"]).empty


def test_the_command_line_lists_it_and_the_export_never_carries_actions(school, tmp_path):
    store, _ = school
    report = signals.flags_report(store, CLI_USER, T)
    assert f"ACTION_OVERDUE,medium,S-OVER,,{(T - days(9)).isoformat()},no" in report
    written = interchange.export_all(store, CLI_USER, tmp_path)
    assert not any("meeting" in p.name for p in written)
    assert all("Bel de leerling" not in p.read_text("utf-8") for p in written)
