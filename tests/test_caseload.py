"""The caseload service: which students, which signals, counts, filters, order and the plan."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from factories import World, days, healthy_student

from dashboard import settings, signals
from dashboard.errors import NotAllowed
from dashboard.security import access
from dashboard.signals import caseload
from dashboard.signals.caseload import CaseloadFilters

T = dt.date(2025, 3, 3)
ADMIN = access.CLI_USER


@pytest.fixture
def world_store(store):
    """Five students on day T: S1 healthy, S2 without start meeting (high), S3 without mentor
    (high, several), S4 without pedagogy agreement (low), S5 healthy at another location."""
    world = World()
    healthy_student(world, T, "S1")
    s2 = healthy_student(world, T, "S2")
    s2.remove(s2.contact("start"))
    s3 = healthy_student(world, T, "S3")
    s3.remove(s3.role("mentor"))
    s4 = healthy_student(world, T, "S4")
    s4.remove(s4.agreement("pedagogy"))
    s5 = healthy_student(world, T, "S5")
    s5.student["location"] = "Den Haag"
    world.save(store)
    return store


def test_counts_match_signals_evaluate(world_store):
    result = caseload.caseload(world_store, ADMIN, T, CaseloadFilters())
    found = signals.evaluate(world_store, T)
    expected = found[~found["acknowledged"]].groupby("code").size().to_dict()
    assert dict(zip(result.counts["code"], result.counts["open"])) == expected
    assert len(result.signals) == len(found)
    assert set(result.signals["explanation"]) and all(result.signals["next_step"])


def test_students_sorted_by_worst_open_signal_then_since(world_store):
    rows = caseload.caseload(world_store, ADMIN, T, CaseloadFilters()).students
    # S3's NO_MENTOR began long before S2's START_MISSING; S4 has only a low one.
    assert rows["student_id"].tolist() == ["S3", "S2", "S4", "S1", "S5"]
    assert rows.set_index("student_id").loc["S2", "badges"] == [("START_MISSING", "high", False)]
    assert rows.set_index("student_id").loc["S1", "open_signals"] == 0


def test_location_and_guide_filters_run_on_the_student_set(world_store):
    by_location = caseload.caseload(
        world_store, ADMIN, T, CaseloadFilters(locations=("Den Haag",))
    ).students
    assert by_location["student_id"].tolist() == ["S5"]
    by_guide = caseload.caseload(world_store, ADMIN, T, CaseloadFilters(guide_id="M-S2"))
    assert by_guide.students["student_id"].tolist() == ["S2"]
    assert by_guide.counts["code"].tolist() == ["START_MISSING"]
    # The role of that guide: M-S2 is a mentor, not a workplace supervisor.
    wrong_role = CaseloadFilters(guide_id="M-S2", guide_role="workplace_supervisor")
    assert caseload.caseload(world_store, ADMIN, T, wrong_role).students.empty
    # A role alone: every student with an active mentor (S3 has none).
    mentored = caseload.caseload(world_store, ADMIN, T, CaseloadFilters(guide_role="mentor"))
    assert sorted(mentored.students["student_id"]) == ["S1", "S2", "S4", "S5"]


def test_severity_and_code_filters_keep_only_students_with_such_signals(world_store):
    low = caseload.caseload(world_store, ADMIN, T, CaseloadFilters(severities=("low",)))
    assert set(low.signals["severity"]) == {"low"}
    assert sorted(low.students["student_id"]) == ["S3", "S4"]
    code = CaseloadFilters(codes=("START_MISSING",))
    assert caseload.caseload(world_store, ADMIN, T, code).students["student_id"].tolist() == ["S2"]


def test_a_guide_sees_only_own_students_and_my_students_toggle(world_store):
    mentor = access.User("m2", "guide", person_id="M-S2")
    result = caseload.caseload(world_store, mentor, T, CaseloadFilters())
    assert result.students["student_id"].tolist() == ["S2"]
    assert set(result.signals["student_id"]) == {"S2"}
    coordinator = access.User("zc", "care_coordinator", person_id="M-S4", locations=("Den Haag",))
    everyone = caseload.caseload(world_store, coordinator, T, CaseloadFilters())
    assert sorted(everyone.students["student_id"]) == ["S4", "S5"]
    mine = caseload.caseload(world_store, coordinator, T, CaseloadFilters(mine=True))
    assert mine.students["student_id"].tolist() == ["S4"]


SCOPES = [
    ADMIN,
    access.User("m2", "guide", person_id="M-S2"),
    access.User("zc", "care_coordinator", person_id="M-S4", locations=("Den Haag",)),
    access.User("zw", "care_worker", person_id="NOBODY"),
]
FILTERS = [
    CaseloadFilters(),
    CaseloadFilters(mine=True),
    CaseloadFilters(locations=("Den Haag",)),
    CaseloadFilters(guide_id="M-S2", guide_role="mentor"),
    CaseloadFilters(guide_role="mentor"),
]


@pytest.mark.parametrize("user", SCOPES, ids=lambda u: u.username)
def test_a_caseload_as_bound_values_equals_the_scope_query(world_store, user, monkeypatch):
    """A small caseload goes to the database as bound values (an index lookup on PostgreSQL),
    a wide one as the scope query; both give the same students, mentors included."""
    with world_store.read() as cur:
        scope = caseload._scope(cur, user, T)
    assert scope.bound
    assert "$s0" in scope.in_scope or (scope.in_scope == "false" and user.username == "zw")
    small = [caseload.caseload_students(world_store, user, T, f) for f in FILTERS]
    monkeypatch.setattr(caseload, "BOUND_SCOPE_MAX", 0)
    with world_store.read() as cur:
        wide_scope = caseload._scope(cur, user, T)
    assert "$s0" not in wide_scope.in_scope
    assert not wide_scope.bound or user.username == "zw"  # nobody: nothing to read at all
    wide = [caseload.caseload_students(world_store, user, T, f) for f in FILTERS]
    for got, expected in zip(small, wide, strict=True):
        assert got.to_dict("records") == expected.to_dict("records")
    assert any(len(frame) for frame in small) or user.username == "zw"
    assert small[0]["mentor"].notna().any() or user.username == "zw"


def test_acknowledged_signal_stays_listed_but_is_not_open(world_store):
    row = caseload.caseload(world_store, ADMIN, T, CaseloadFilters(codes=("START_MISSING",)))
    signal = row.signals.iloc[0]
    signals.acknowledge(
        world_store,
        ADMIN,
        "START_MISSING",
        "S2",
        signal["placement_id"],
        signal["since"],
        "company closed for two weeks",
        T + days(10),
        today=T,
    )
    result = caseload.caseload(world_store, ADMIN, T, CaseloadFilters())
    counts = result.counts.set_index("code")
    assert counts.loc["START_MISSING", "open"] == 0
    assert counts.loc["START_MISSING", "acknowledged"] == 1
    s2 = result.students.set_index("student_id").loc["S2"]
    assert s2["open_signals"] == 0 and s2["acknowledged_signals"] == 1
    assert s2["badges"] == [("START_MISSING", "high", True)]
    # With no open signal left, S2 sorts among the students without open signals.
    assert result.students["student_id"].tolist()[:2] == ["S3", "S4"]


def test_upcoming_moments_within_the_setting(store):
    world = World()
    healthy = healthy_student(world, T, "S1")  # final meeting due T+20
    fresh = healthy_student(world, T, "S2")
    fresh.placement["start_date"] = T + days(5)  # a new placement: start meeting due T+5,
    fresh.placement["end_date"] = T + days(105)  # mid T+55, final T+105
    fresh.remove(fresh.contact("start"))
    fresh.remove(fresh.contact("mid"))
    world.save(store)
    plan = caseload.caseload(store, ADMIN, T, CaseloadFilters()).upcoming
    assert plan[["student_id", "kind"]].values.tolist() == [["S2", "start"]]
    assert plan["due"].dt.date.tolist() == [T + days(5)]
    settings.save(store, ADMIN, {"upcoming_days": 30})
    plan = caseload.caseload(store, ADMIN, T, CaseloadFilters()).upcoming
    assert ("S1", "final") in set(zip(plan["student_id"], plan["kind"]))
    assert healthy.placement_id in set(plan["placement_id"])


def test_only_caseload_users(world_store):
    for kind in ("manager", "workplace"):
        with pytest.raises(NotAllowed):
            caseload.caseload(
                world_store, access.User("x", kind, person_id="W-S1"), T, CaseloadFilters()
            )
        with pytest.raises(NotAllowed):
            caseload.filter_options(world_store, access.User("x", kind), T)


def test_filter_options_come_from_visible_students(world_store):
    mentor = access.User("m2", "guide", person_id="M-S2")
    options = caseload.filter_options(world_store, mentor, T)
    assert options.locations == ["Rotterdam Zuid"]
    assert dict(options.guides) == {"M-S2": "Mentor S2", "W-S2": "Praktijkbegeleider S2"}
    assert options.roles == ["mentor", "workplace_supervisor"]


@pytest.mark.parametrize("bound_max", [caseload.BOUND_SCOPE_MAX, 0], ids=["bound", "wide"])
def test_mentors_are_the_active_ones_by_name(store, bound_max, monkeypatch):
    """The mentor column: the names of the student's active mentors, each once, sorted; an
    ended mentor role and other roles do not count. The names are looked up apart from the
    caseload query (as bound values, or for many mentors as a list): both give the same."""
    world = World()
    s1 = healthy_student(world, T, "S1")
    world.staff[[p["person_id"] for p in world.staff].index(s1.mentor_id)]["name"] = "Zeger Post"
    world.add_person("M-A", "Anna de Vries")
    world.add_person("M-B", "Anna de Vries")  # another person of the same name
    world.add_person("M-OLD", "Oud Mentor")
    world.add_role("S1", "M-A", "mentor", T - dt.timedelta(days=30))
    world.add_role("S1", "M-B", "mentor", T - dt.timedelta(days=30))
    world.add_role("S1", "M-OLD", "mentor", T - dt.timedelta(days=90), T - dt.timedelta(days=1))
    s2 = healthy_student(world, T, "S2")
    s2.remove(s2.role("mentor"))
    world.save(store)
    monkeypatch.setattr(caseload, "BOUND_SCOPE_MAX", bound_max)
    got = caseload.caseload_students(store, ADMIN, T, CaseloadFilters())
    mentors = dict(zip(got["student_id"], got["mentor"], strict=True))
    assert mentors["S1"] == "Anna de Vries, Zeger Post"
    assert pd.isna(mentors["S2"])
    assert list(got.columns) == [
        "student_id",
        "name",
        "location",
        "programme",
        "class_code",
        "mentor",
        "is_active",
    ]
