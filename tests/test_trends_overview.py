"""The trends page's figures (trends/overview.py, queries/trends_overview.sql) on a small
hand-made school whose answers are worked out by hand, the small-cell rule across groups, and
the scope by location.

The school, period: school year 2024-2025 up to T (1 October 2024 .. 12 March 2025):
- P1..P10 (Noord, Entree): enrolled 2024-09-02; mentor M-Pi and supervisor W-Pi; a direction
  agreement from Monday 2024-11-04; a placement from that day with its start moment held on
  2024-11-06 by all three parties and an information agreement from 2025-01-06; a contact
  frequency agreement (14 days, from 2024-10-01) met only by a contact on 2025-02-20.
- Q1..Q6 (Zuid, Niveau 2 Retail): enrolled 2024-09-02, a mentor, nothing agreed, dropped out
  on 2025-02-10.
- R1, R2 (Zuid, Niveau 2 Retail): the same, dropped out on 2025-01-15 (two: a small cell).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from factories import World

from dashboard.security import access
from dashboard.trends import TrendFilters, overview, privacy
from dashboard.trends.period import Period

T = dt.date(2025, 3, 12)
YEAR = Period(2024)
ADMIN = access.CLI_USER
NA = pd.NA


def d(y: int, m: int, day: int) -> dt.date:
    return dt.date(y, m, day)


@pytest.fixture
def school(store):
    world = World()
    for i in range(1, 11):
        sid, mentor, supervisor = f"P{i}", f"M-P{i}", f"W-P{i}"
        world.add_student(sid, d(2024, 9, 2), location="Noord", programme="Entree")
        world.add_person(mentor)
        world.add_person(supervisor, kind="workplace")
        world.add_role(sid, mentor, "mentor", d(2024, 9, 2))
        world.add_role(sid, supervisor, "workplace_supervisor", d(2024, 11, 4))
        world.add_agreement(sid, "direction", mentor, d(2024, 11, 4))
        world.add_agreement(sid, "contact_frequency", mentor, d(2024, 10, 1), frequency_days=14)
        pid = world.add_placement(sid, d(2024, 11, 4), d(2025, 6, 30), supervisor_id=supervisor)[
            "placement_id"
        ]
        world.add_agreement(sid, "information", mentor, d(2025, 1, 6), placement_id=pid)
        world.add_contact(sid, d(2024, 11, 6), [mentor, supervisor], kind="start", placement_id=pid)
        world.add_contact(sid, d(2025, 2, 20), [mentor])
    for prefix, n, left in (("Q", 6, d(2025, 2, 10)), ("R", 2, d(2025, 1, 15))):
        for i in range(1, n + 1):
            sid = f"{prefix}{i}"
            world.add_student(
                sid,
                d(2024, 9, 2),
                location="Zuid",
                programme="Niveau 2 Retail",
                status="dropped_out",
                status_date=left,
            )
            world.add_person(f"M-{sid}")
            world.add_role(sid, f"M-{sid}", "mentor", d(2024, 9, 2))
    world.save(store)
    return store


def row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    found = frame[mask]
    assert len(found) == 1, (where, found)
    return found.iloc[0]


def values(series: pd.Series, columns: list[str]) -> list:
    return [None if series[c] is NA else series[c] for c in columns]


def test_direction_and_information_per_week(school):
    weekly = overview.overview(school, ADMIN, T, TrendFilters(), YEAR).weekly
    assert weekly["day"].iloc[0] == d(2024, 10, 7) and weekly["day"].iloc[-1] == d(2025, 3, 10)
    columns = ["active_students", "with_direction", "without_direction", "placements", "informed"]
    assert values(row(weekly, day=d(2024, 10, 7)), columns) == [18, 0, 18, 0, 0]
    assert values(row(weekly, day=d(2024, 11, 4)), columns) == [18, 10, 8, 10, 0]
    assert values(row(weekly, day=d(2025, 1, 6)), columns) == [18, 10, 8, 10, 10]
    assert values(row(weekly, day=d(2025, 1, 20)), columns) == [16, 10, 6, 10, 10]  # R left
    assert values(row(weekly, day=d(2025, 2, 10)), columns) == [10, 10, 0, 10, 10]  # Q left
    nov = row(weekly, day=d(2024, 11, 4))
    assert nov["direction_share"] == pytest.approx(10 / 18)
    assert nov["final_responsibility_share"] == 0 and nov["information_share"] == 0
    assert row(weekly, day=d(2024, 10, 7))["information_share"] is NA  # no placements


def test_contacts_by_kind_and_frequency_met(school):
    result = overview.overview(school, ADMIN, T, TrendFilters(), YEAR)
    split = result.contact_split
    start = row(split, month=d(2024, 11, 1), by="kind", group="start")
    assert start["contacts"] == 10 and start["per_active_student"] == pytest.approx(10 / 18)
    feb = row(split, month=d(2025, 2, 1), by="initiator", group="unknown")
    assert feb["contacts"] == 10 and feb["per_active_student"] == pytest.approx(10 / 10)
    frequency = result.frequency.set_index("month")
    assert list(frequency["met"]) == [0, 0, 0, 0, 10, 0]  # October .. March: February only
    assert list(frequency["agreements"]) == [10] * 6
    assert frequency.loc[d(2025, 2, 1), "met_share"] == 1.0
    assert frequency.loc[d(2024, 10, 1), "met_share"] == 0.0


def test_dropout_per_school_year_destinations_and_cohort_curve(school):
    result = overview.overview(school, ADMIN, T, TrendFilters(), YEAR)
    years = result.school_years
    columns = ["start_population", "dropouts", "dropout_rate"]
    assert values(row(years, school_year=2024, by="school"), columns) == [
        18, 8, pytest.approx(8 / 18)
    ]  # fmt: skip
    assert values(row(years, school_year=2024, by="location", group="Noord"), columns) == [
        10, 0, 0.0
    ]  # fmt: skip
    # Zuid: 8 of 8 dropped out, but a rate over a base of 8 is not shown
    assert values(row(years, school_year=2024, by="location", group="Zuid"), columns) == [
        8, 8, None
    ]  # fmt: skip
    destinations = result.destinations
    assert row(destinations, month=d(2025, 1, 1), destination="dropped_out")["students"] is NA
    assert row(destinations, month=d(2025, 2, 1), destination="dropped_out")["students"] == 6
    cohorts = result.cohorts
    assert list(cohorts["cohort"]) == [2023, 2023]  # enrolled in September: 2023-2024
    columns = ["students", "enrolled", "diploma", "left_without", "share"]
    assert values(row(cohorts, months=3), columns) == [18, 18, 0, 0, 1.0]
    assert values(row(cohorts, months=6), columns) == [18, 10, 0, 8, pytest.approx(10 / 18)]


def test_dropout_beside_coordination(school):
    c = overview.overview(school, ADMIN, T, TrendFilters(), YEAR).coordination
    columns = ["students", "dropouts", "stayed", "dropout_rate"]
    assert values(row(c, factor="direction", group="with"), columns) == [10, 0, 10, 0.0]
    assert values(row(c, factor="direction", group="without"), columns) == [8, 8, 0, None]
    assert values(row(c, factor="information", group="with"), columns) == [10, 0, 10, 0.0]
    assert values(row(c, factor="start_moment", group="with"), columns) == [10, 0, 10, 0.0]
    assert "without" not in set(c[c["factor"] == "start_moment"]["group"])  # no placement: out
    assert values(row(c, factor="guides", group="1-2"), columns) == [
        18, 8, 10, pytest.approx(8 / 18)
    ]  # fmt: skip


def test_moments_with_all_three_parties_per_location(school):
    result = overview.overview(school, ADMIN, T, TrendFilters(), YEAR)
    start = row(result.moments, month=d(2024, 11, 1), kind="start")
    assert values(start, ["due", "on_time", "all_three", "partial", "not_held"]) == [
        10,
        10,
        10,
        0,
        0,
    ]
    noord = row(result.moment_groups, by="location", group="Noord")
    assert values(noord, ["due", "on_time", "late", "not_held"]) == [10, 10, 0, 0]


def test_a_manager_of_zuid_sees_zuid_only_and_filters_narrow(school):
    zuid = access.User("m", "manager", locations=("Zuid",))
    result = overview.overview(school, zuid, T, TrendFilters(), YEAR)
    assert result.weekly["active_students"].iloc[0] == 8
    assert set(result.school_years["group"]) == {"", "Zuid", "Niveau 2 Retail"}
    assert overview.filter_options(school, zuid, T).locations == ("Zuid",)
    cohort = overview.overview(school, ADMIN, T, TrendFilters(cohort=2024), YEAR)
    assert cohort.weekly["active_students"].sum() == 0  # nobody enrolled in 2024-2025


def test_the_threshold_setting_hides_more(school):
    from dashboard import settings

    settings.save(school, ADMIN, {"trends_min_students": 7})
    result = overview.overview(school, ADMIN, T, TrendFilters(), YEAR)
    assert result.threshold == 7
    # Q's six dropouts in February now rest on too few students
    assert (
        row(result.destinations, month=d(2025, 2, 1), destination="dropped_out")["students"] is NA
    )


def test_the_threshold_never_goes_below_five(store):
    from dashboard import settings
    from dashboard.errors import Invalid

    with pytest.raises(Invalid):
        settings.save(store, ADMIN, {"trends_min_students": 4})


# -- the small-cell rule across groups ---------------------------------------------------------


def test_a_small_group_is_hidden_with_the_smallest_other_group():
    """Three locations of 12, 3 and 7 students: the 3 is hidden, and the 7 with it, else the
    3 would follow from the total (the sum) minus the others."""
    raw = pd.DataFrame({"year": [2024] * 3, "group": ["A", "B", "C"], "n": [12, 3, 7]})
    out = privacy.suppress(raw, columns=["n"], keys=("year",), group="group")
    assert [None if v is NA else v for v in out["n"]] == [12, None, None]


def test_both_ways_run_until_nothing_changes():
    """Within a row students = dropouts + stayed; across rows the groups add up. Group B's 2
    dropouts are hidden, so its stayed (8) too; across, A's dropouts (the smallest other shown
    part) must go; and then A's stayed, as its row's complement."""
    raw = pd.DataFrame(
        {
            "factor": ["f", "f"],
            "group": ["A", "B"],
            "students": [20, 10],
            "dropouts": [6, 2],
            "stayed": [14, 8],
        }
    )
    out = privacy.suppress(
        raw,
        columns=["students", "dropouts", "stayed"],
        keys=("factor",),
        group="group",
        partitions=(("students", ("dropouts", "stayed")),),
    )
    shown = (
        out[["students", "dropouts", "stayed"]].astype(object).map(lambda v: None if v is NA else v)
    )
    assert shown.values.tolist() == [[20, None, None], [10, None, None]]


# -- the cache ---------------------------------------------------------------------------------


def test_warm_fills_the_whole_schools_default_view_until_the_next_write(school, monkeypatch):
    from dashboard import settings

    overview.warm(school, T)
    warmed = overview._compute
    monkeypatch.setattr(overview, "_compute", lambda *a: pytest.fail("computed again"))
    manager = access.User("m", "manager")  # no locations: the whole school, as the warm-up
    found = overview.overview(school, manager, T, TrendFilters(), Period())
    assert found.weekly["active_students"].iloc[-1] == 10
    settings.save(school, ADMIN, {"trends_min_students": 6})  # a write: the store moves on
    monkeypatch.setattr(overview, "_compute", warmed)
    assert overview.overview(school, manager, T, TrendFilters(), Period()).threshold == 6


def test_a_form_keeps_the_figures_for_a_while_and_an_import_at_once(school, monkeypatch):
    """A write to some students (a form) leaves the kept figures in use for FRESH_SECONDS, so a
    busy school's saves do not each recompute the year's signal history in the background; a
    store-wide write (the settings, as an import) makes them computed again at once."""
    from dashboard import settings
    from dashboard.students import records
    from validation.forms import ContactForm

    def feb_incidental(result) -> int:
        split = result.contact_split
        return row(split, month=d(2025, 2, 1), by="kind", group="incidental")["contacts"]

    first = overview.overview(school, ADMIN, T, TrendFilters(), YEAR)
    assert feb_incidental(first) == 10
    form = ContactForm(
        kind="incidental",
        date=d(2025, 2, 21),
        channel="phone",
        participants=["M-P1"],
        student_present=True,
        reason="question",
    )
    records.log_contact(school, ADMIN, "P1", form, T)
    computed = overview._compute
    monkeypatch.setattr(overview, "_compute", lambda *a: pytest.fail("computed again"))
    assert overview.overview(school, ADMIN, T, TrendFilters(), YEAR) is first
    later = overview.time.monotonic() + overview.FRESH_SECONDS
    monkeypatch.setattr(overview.time, "monotonic", lambda: later)
    monkeypatch.setattr(overview, "_compute", computed)
    second = overview.overview(school, ADMIN, T, TrendFilters(), YEAR)
    assert feb_incidental(second) == 11 and second.computed_at >= first.computed_at
    # kept again at the time it was computed; a store-wide write makes it stale at once
    monkeypatch.setattr(overview, "_compute", lambda *a: pytest.fail("computed again"))
    assert overview.overview(school, ADMIN, T, TrendFilters(), YEAR) is second
    settings.save(school, ADMIN, {"trends_min_students": 6})
    monkeypatch.setattr(overview, "_compute", computed)
    assert overview.overview(school, ADMIN, T, TrendFilters(), YEAR).threshold == 6
