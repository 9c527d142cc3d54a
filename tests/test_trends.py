"""The trends service: per month, contacts, fixed moments held and dropout beside direction, for
the students in scope; small cells hidden. The numbers are worked out by hand from cohorts of
students that share the same history (five or more, so that nothing is hidden unless a test
wants it)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from factories import World
from test_performance_shape import queries, school

from dashboard import settings, trends
from dashboard.errors import NotAllowed
from dashboard.security import access, accounts, sign_in
from dashboard.trends import TrendFilters, privacy

T = dt.date(2025, 3, 12)  # the window: April 2024 .. March 2025 (up to the 12th)
ADMIN = access.CLI_USER
MONTHS = [dt.date(2024, m, 1) for m in range(4, 13)] + [dt.date(2025, m, 1) for m in (1, 2, 3)]
NA = pd.NA


def d(y: int, m: int, day: int) -> dt.date:
    return dt.date(y, m, day)


def cohort(
    world: World,
    prefix: str,
    n: int,
    *,
    location: str = "Noord",
    programme: str = "Entree",
    enrolled: dt.date = dt.date(2024, 9, 1),
    status: str = "active",
    status_date: dt.date | None = None,
    direction: tuple[dt.date, dt.date | None] | None = None,  # (agreed_on, ended_on)
    incidental: tuple[dt.date, ...] = (),
    placement: tuple[dt.date, dt.date] | None = None,
    held: dict[str, dt.date] | None = None,  # moment kind -> the day its contact was held
) -> list[str]:
    """`n` students with the same history; their ids."""
    ids = []
    for i in range(1, n + 1):
        sid = f"{prefix}{i}"
        ids.append(sid)
        world.add_student(
            sid,
            enrolled,
            location=location,
            programme=programme,
            status=status,
            status_date=status_date,
        )
        if direction:
            world.add_agreement(sid, "direction", f"M-{sid}", direction[0], ended_on=direction[1])
        for day in incidental:
            world.add_contact(sid, day, [f"M-{sid}"])
        if placement:
            pid = world.add_placement(sid, *placement)["placement_id"]
            for kind, day in (held or {}).items():
                world.add_contact(sid, day, [f"M-{sid}"], kind=kind, placement_id=pid)
    return ids


# A placement of 2024-11-04 .. 2025-03-03: mid = start + 119 // 2 = 2025-01-02, so the start
# moment is due on 2024-11-18, the mid one on 2025-01-16, the final one on 2025-03-17 (after T).
PLACEMENT = (d(2024, 11, 4), d(2025, 3, 3))


@pytest.fixture
def school_store(store):
    """Noord: A (5, direction, start held on time, mid held late, incidental contacts in
    October and February) and B (5, no direction, no moments held, dropped out 2025-02-10).
    Zuid: C (6, other programme), to check scope and filters."""
    world = World()
    cohort(
        world,
        "A",
        5,
        direction=(d(2024, 9, 1), None),
        incidental=(d(2024, 10, 15), d(2025, 2, 3), d(2025, 2, 17)),
        placement=PLACEMENT,
        held={"start": d(2024, 11, 6), "mid": d(2025, 1, 20)},
    )
    cohort(
        world,
        "B",
        5,
        status="dropped_out",
        status_date=d(2025, 2, 10),
        incidental=(d(2024, 10, 15),),
        placement=PLACEMENT,
    )
    cohort(
        world,
        "C",
        6,
        location="Zuid",
        programme="Niveau 2 Retail",
        enrolled=d(2025, 1, 6),
        direction=(d(2025, 1, 6), None),
        incidental=(d(2025, 3, 3),),
    )
    world.save(store)
    return store


def by_month(frame: pd.DataFrame, columns: list[str]) -> dict:
    """{month: (values...)} with pd.NA kept, for comparing with a table written out by hand."""
    return {month: tuple(frame.loc[i, c] for c in columns) for i, month in frame["month"].items()}


def same(actual: dict, expected: dict) -> None:
    """Compare month tables: NA only where NA is expected, floats approximately."""
    assert actual.keys() == expected.keys()
    for month, values in expected.items():
        got = actual[month]
        for a, e in zip(got, values, strict=True):
            if e is NA:
                assert a is NA, (month, got, values)
            else:
                assert a is not NA and a == pytest.approx(e), (month, got, values)


NOORD = access.User("m-noord", "manager", locations=("Noord",))
ZUID = access.User("m-zuid", "manager", locations=("Zuid",))


def test_contacts_per_month_and_per_active_student(school_store):
    result = trends.trends(school_store, NOORD, T, TrendFilters())
    assert list(result.contacts["month"]) == MONTHS
    columns = [
        "active_students",
        "contacts",
        "fixed_contacts",
        "incidental_contacts",
        "contacts_per_active_student",
        "fixed_per_active_student",
        "incidental_per_active_student",
    ]
    expected = {m: (0, 0, 0, 0, NA, NA, NA) for m in MONTHS[:5]}  # nobody enrolled yet
    expected |= {
        d(2024, 9, 1): (10, 0, 0, 0, 0.0, 0.0, 0.0),
        d(2024, 10, 1): (10, 10, 0, 10, 1.0, 0.0, 1.0),
        d(2024, 11, 1): (10, 5, 5, 0, 0.5, 0.5, 0.0),  # A's start moments
        d(2024, 12, 1): (10, 0, 0, 0, 0.0, 0.0, 0.0),
        d(2025, 1, 1): (10, 5, 5, 0, 0.5, 0.5, 0.0),  # A's mid moments
        d(2025, 2, 1): (5, 10, 0, 10, 2.0, 0.0, 2.0),  # B left on the 10th: 5 active
        d(2025, 3, 1): (5, 0, 0, 0, 0.0, 0.0, 0.0),
    }
    same(by_month(result.contacts, columns), expected)


def test_fixed_moments_by_due_month_held_on_time_late_or_not(school_store):
    moments = trends.trends(school_store, NOORD, T, TrendFilters()).moments
    assert len(moments) == 36 and list(moments["kind"][:3]) == ["start", "mid", "final"]
    nonzero = moments[moments["due"] > 0]
    columns = ["due", "on_time", "late", "not_held"]
    assert {
        (row["month"], row["kind"]): tuple(row[c] for c in columns)
        for row in nonzero.to_dict("records")
    } == {
        # start due 2024-11-18: A held it on the 6th, B never
        (d(2024, 11, 1), "start"): (10, 5, 0, 5),
        # mid due 2025-01-16: A held it on the 20th (late), B never; final due after T
        (d(2025, 1, 1), "mid"): (10, 0, 5, 5),
    }


def test_moments_fall_due_after_the_grace_days_of_the_settings(school_store):
    settings.save(school_store, ADMIN, {"start_grace_days": 1})  # start due 2024-11-05
    moments = trends.trends(school_store, NOORD, T, TrendFilters()).moments
    start = moments.set_index(["month", "kind"]).loc[(d(2024, 11, 1), "start")]
    assert (start["due"], start["on_time"], start["late"], start["not_held"]) == (10, 0, 5, 5)


def test_dropout_beside_direction(school_store):
    dropout = trends.trends(school_store, NOORD, T, TrendFilters()).dropout
    columns = [
        "students",
        "dropouts",
        "dropout_rate",
        "students_with_direction",
        "dropouts_with_direction",
        "dropout_rate_with_direction",
        "students_without_direction",
        "dropouts_without_direction",
        "dropout_rate_without_direction",
    ]
    expected = {m: (0, 0, NA, 0, 0, NA, 0, 0, NA) for m in MONTHS[:5]}
    on_rolls = (10, 0, 0.0, 5, 0, 0.0, 5, 0, 0.0)  # A with direction, B without
    expected |= {m: on_rolls for m in MONTHS[5:10]}
    expected |= {
        d(2025, 2, 1): (10, 5, 0.5, 5, 0, 0.0, 5, 5, 1.0),  # B dropped out on the 10th
        d(2025, 3, 1): (5, 0, 0.0, 5, 0, 0.0, 0, 0, NA),
    }
    same(by_month(dropout, columns), expected)


def test_direction_counts_on_the_last_day_a_student_was_active(store):
    """An agreement that ends on the day the student leaves still counts for that month."""
    world = World()
    cohort(
        world,
        "D",
        5,
        status="dropped_out",
        status_date=d(2025, 1, 20),
        direction=(d(2024, 9, 1), d(2025, 1, 19)),
    )
    cohort(world, "E", 5, direction=(d(2024, 9, 1), d(2025, 1, 15)))  # ended mid-January
    world.save(store)
    dropout = trends.trends(store, ADMIN, T, TrendFilters()).dropout.set_index("month")
    january = dropout.loc[d(2025, 1, 1)]
    assert january["dropouts_with_direction"] == 5 and january["dropout_rate_with_direction"] == 1
    assert january["students_without_direction"] == 5  # E: no agreement on 31 January
    assert dropout.loc[d(2024, 12, 1), "students_with_direction"] == 10


def test_a_manager_sees_the_figures_of_their_locations_only(school_store):
    zuid = trends.trends(school_store, ZUID, T, TrendFilters())
    assert zuid.contacts["active_students"].tolist() == [0] * 9 + [6, 6, 6]
    assert zuid.contacts["contacts"].tolist() == [0] * 11 + [6]
    assert zuid.moments["due"].sum() == 0
    assert zuid.dropout["dropouts"].sum() == 0
    # A manager without locations, and an admin, see the whole school.
    for user in (access.User("m", "manager"), ADMIN):
        everyone = trends.trends(school_store, user, T, TrendFilters())
        assert everyone.contacts["active_students"].tolist() == [0] * 5 + [10] * 4 + [16, 11, 11]


def test_location_and_programme_filters(school_store):
    by_location = trends.trends(school_store, ADMIN, T, TrendFilters(locations=("Zuid",)))
    by_programme = trends.trends(
        school_store, ADMIN, T, TrendFilters(programmes=("Niveau 2 Retail",))
    )
    zuid = trends.trends(school_store, ZUID, T, TrendFilters())
    for result in (by_location, by_programme):
        pd.testing.assert_frame_equal(result.contacts, zuid.contacts)
        pd.testing.assert_frame_equal(result.dropout, zuid.dropout)
    # A filter cannot widen the scope: Zuid's manager asking for Noord gets nobody.
    outside = trends.trends(school_store, ZUID, T, TrendFilters(locations=("Noord",)))
    assert outside.contacts["active_students"].sum() == 0


@pytest.mark.parametrize("kind", ["care_worker", "guide", "workplace"])
def test_only_managers_coordinators_and_admins_may_see_trends(school_store, kind):
    user = access.User("u", kind, person_id="M-A1", locations=("Noord",))
    with pytest.raises(NotAllowed):
        trends.trends(school_store, user, T, TrendFilters())


def test_a_care_coordinator_sees_the_figures_of_their_locations(school_store):
    """Issue 17: care coordinators get the trends of their own locations (not of the students
    they hold a role for elsewhere), and nothing without locations."""
    coordinator = access.User("c", "care_coordinator", person_id="M-A1", locations=("Zuid",))
    zuid = trends.trends(school_store, ZUID, T, TrendFilters())
    theirs = trends.trends(school_store, coordinator, T, TrendFilters())
    pd.testing.assert_frame_equal(theirs.contacts, zuid.contacts)
    nowhere = access.User("c", "care_coordinator", person_id="M-A1")
    assert trends.trends(school_store, nowhere, T, TrendFilters()).contacts["contacts"].sum() == 0


def test_a_manager_account_may_have_locations(store):
    accounts.add_user(store, ADMIN, "baas", "manager", "een-lang-wachtwoord-1", locations=["Noord"])
    assert sign_in.load_user(store, "baas").locations == ("Noord",)


# -- small cells --------------------------------------------------------------------------


def test_small_cells_are_hidden_with_their_complement(store):
    """F: 5 students who held their start moment and kept direction; G: 2 who did not hold it,
    had an incidental contact in November instead, and dropped out in February."""
    world = World()
    start = (d(2024, 11, 4), d(2025, 3, 3))
    cohort(world, "F", 5, direction=(d(2024, 9, 1), None), placement=start,
           held={"start": d(2024, 11, 6)})  # fmt: skip
    cohort(world, "G", 2, status="dropped_out", status_date=d(2025, 2, 10),
           incidental=(d(2024, 11, 20),), placement=start)  # fmt: skip
    world.save(store)
    result = trends.trends(store, ADMIN, T, TrendFilters())

    november = result.contacts.set_index("month").loc[d(2024, 11, 1)]
    assert november["contacts"] == 7  # 7 students
    # 2 students' incidental contacts are hidden, and so the fixed ones (7 - 5 would tell)
    assert november["fixed_contacts"] is NA and november["incidental_contacts"] is NA
    assert (
        november["fixed_per_active_student"] is NA
        and november["contacts_per_active_student"] == 1.0
    )

    start_moments = result.moments.set_index(["month", "kind"]).loc[(d(2024, 11, 1), "start")]
    # not held by 2 students: hidden, and with it the on-time count; a zero stays
    assert start_moments["due"] == 7 and start_moments["late"] == 0
    assert start_moments["not_held"] is NA and start_moments["on_time"] is NA

    february = result.dropout.set_index("month").loc[d(2025, 2, 1)]
    assert february["students"] == 7 and february["dropouts"] is NA
    assert february["dropout_rate"] is NA
    assert february["students_without_direction"] is NA
    assert february["students_with_direction"] is NA  # 7 - 5 would tell
    assert february["dropouts_with_direction"] == 0
    assert february["dropout_rate_with_direction"] is NA  # over a hidden count
    december = result.dropout.set_index("month").loc[d(2024, 12, 1)]
    assert december["dropouts"] == 0 and december["dropout_rate"] == 0.0


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ((60, 48, 10, 2), (60, 48, NA, NA)),  # 2 hidden, so the smallest shown part too
        ((20, 10, 5, 5), (20, 10, 5, 5)),
        ((9, 2, 3, 4), (9, NA, NA, NA)),  # the hidden parts add up to 9: the total stays
        ((12, 2, 10, 0), (12, NA, NA, 0)),  # a zero is never hidden
        ((3, 3, 0, 0), (NA, NA, 0, 0)),
        ((0, 0, 0, 0), (0, 0, 0, 0)),
    ],
)
def test_hiding_rule_for_a_total_and_its_parts(counts, shown):
    """Counts of students (no separate _students columns): total, then three parts."""
    columns = ["total", "a", "b", "c"]
    raw = pd.DataFrame({"month": [d(2025, 1, 1)], **{c: [v] for c, v in zip(columns, counts)}})
    hidden = privacy.hidden(raw, "total", ("a", "b", "c"))
    row = privacy.counts(raw, hidden, columns).iloc[0]
    assert [row[c] is NA for c in columns] == [s is NA for s in shown]
    assert [row[c] for c, s in zip(columns, shown) if s is not NA] == [
        s for s in shown if s is not NA
    ]


# -- shape ----------------------------------------------------------------------------------


def test_trends_queries_do_not_grow_with_students(tmp_path):
    counts = []
    for n in (3, 12):
        store, counter = school(tmp_path, n)
        try:
            counts.append(
                queries(counter, lambda s=store: trends.trends(s, ADMIN, T, TrendFilters()))
            )
        finally:
            store.close()
    assert counts[0] == counts[1] <= 2  # the settings and the one trends query
