"""The student list service: search, filters, paging, and list equals detail."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import World, days, healthy_student

from dashboard.errors import NotAllowed
from dashboard.security import access
from dashboard.students import listing
from dashboard.students.listing import StudentFilters

T = dt.date(2025, 3, 3)
ADMIN = access.CLI_USER


@pytest.fixture
def world_store(store):
    world = World()
    for i in range(1, 8):
        healthy_student(world, T, f"S{i}")
    rows = {s["student_id"]: s for s in world.students}
    rows["S1"].update(first_name="Aylin", last_name="Yilmaz", class_code="E1B")
    rows["S2"].update(first_name="Bram", last_name="de Vries", programme="Niveau 2")
    rows["S3"].update(location="Den Haag", status="dropped_out", status_date=T - days(10))
    world.save(store)
    return store


def ids(page: listing.StudentPage) -> list[str]:
    return page.rows["student_id"].tolist()


def test_search_by_name_or_id(world_store):
    assert ids(listing.list_students(world_store, ADMIN, T, StudentFilters(search="yilm"))) == [
        "S1"
    ]
    assert ids(listing.list_students(world_store, ADMIN, T, StudentFilters(search="aylin y"))) == [
        "S1"
    ]
    assert ids(listing.list_students(world_store, ADMIN, T, StudentFilters(search=" s2 "))) == [
        "S2"
    ]
    # Wildcards are plain text, not patterns.
    assert listing.list_students(world_store, ADMIN, T, StudentFilters(search="%")).total == 0


def test_filters(world_store):
    def only(**kw):
        return ids(listing.list_students(world_store, ADMIN, T, StudentFilters(**kw)))

    assert only(locations=("Den Haag",)) == ["S3"]
    assert only(programmes=("Niveau 2",)) == ["S2"]
    assert only(classes=("E1B",)) == ["S1"]
    assert only(statuses=("dropped_out",)) == ["S3"]
    assert len(only(statuses=("active",))) == 6
    assert only(locations=("Den Haag",), statuses=("active",)) == []


def test_paging_and_total(world_store):
    first = listing.list_students(world_store, ADMIN, T, StudentFilters(), limit=3)
    second = listing.list_students(world_store, ADMIN, T, StudentFilters(), limit=3, offset=3)
    assert first.total == second.total == 7
    assert len(first.rows) == 3 and not set(ids(first)) & set(ids(second))
    assert first.rows["mentor"].iloc[0].startswith("Mentor ")


def test_filter_options(world_store):
    options = listing.filter_options(world_store, ADMIN, T)
    assert options.locations == ["Den Haag", "Rotterdam Zuid"]
    assert options.statuses == ["active", "dropped_out"]
    mentor = access.User("m", "guide", person_id="M-S3")
    assert listing.filter_options(world_store, mentor, T).locations == ["Den Haag"]


USERS = [
    access.User("m1", "guide", person_id="M-S1"),
    access.User("w2", "workplace", person_id="W-S2"),
    access.User("zc", "care_coordinator", person_id="M-S1", locations=("Den Haag",)),
    access.User("nobody", "care_worker", person_id="X"),
    ADMIN,
]


@pytest.mark.parametrize("user", USERS, ids=["guide", "workplace", "coordinator", "none", "admin"])
def test_list_equals_detail(world_store, user):
    listed = set(ids(listing.list_students(world_store, user, T, StudentFilters(), limit=100)))
    with world_store.read() as cur:
        everyone = [r[0] for r in cur.execute("SELECT student_id FROM students").fetchall()]
        openable = {s for s in everyone if access.may_see_student(cur, user, s, T)}
    assert listed == openable


def test_list_of_a_guide(world_store):
    guide = access.User("m1", "guide", person_id="M-S1")
    listed = ids(listing.list_students(world_store, guide, T, StudentFilters()))
    assert listed == ["S1"]


def test_manager_sees_no_students(world_store):
    with pytest.raises(NotAllowed):
        listing.list_students(world_store, access.User("m", "manager"), T, StudentFilters())
    with pytest.raises(NotAllowed):
        listing.filter_options(world_store, access.User("m", "manager"), T)
