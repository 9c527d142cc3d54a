"""settings.save: admins only, whole numbers within range, audited with old and new value."""

from __future__ import annotations

import json

import pytest

from dashboard import settings
from dashboard.errors import Invalid, NotAllowed
from dashboard.security import access, audit

ADMIN = access.User(username="beheer", kind="admin")


def test_defaults_are_the_spec_numbers(store):
    values = settings.current(store)
    assert {k: values[k] for k in ("start_grace_days", "mid_grace_days", "final_grace_days")} == {
        "start_grace_days": 14,
        "mid_grace_days": 14,
        "final_grace_days": 14,
    }
    assert values["final_window_days"] == 90 and values["no_contact_days"] == 28
    assert values["many_guides"] == 7 and values["direction_min_guides"] == 2
    assert values["stop_inform_days"] == 5 and values["stop_window_days"] == 60
    assert values["absence_window_days"] == 28 and values["absence_hours"] == 8


@pytest.mark.parametrize("value", [21, "21", " 21 "])
def test_admin_updates_a_setting_and_it_is_audited(store, value):
    assert settings.save(store, ADMIN, {"start_grace_days": value})["start_grace_days"] == 21
    assert settings.current(store)["start_grace_days"] == 21
    settings.save(store, ADMIN, {"start_grace_days": 10})
    with store.read() as cur:
        events = audit.search(cur, action="write")
        stored = cur.execute(
            "SELECT value, changed_by FROM settings WHERE key = 'start_grace_days'"
        ).fetchone()
    assert stored == ("10", "beheer")
    assert [(e["entity"], e["entity_key"], e["actor"]) for e in events] == [
        ("settings", "start_grace_days", "beheer")
    ] * 2
    assert json.loads(events[0]["old_value"]) == {"value": 21}
    assert json.loads(events[0]["new_value"]) == {"value": 10}
    assert json.loads(events[1]["old_value"]) == {"value": 14}


@pytest.mark.parametrize(
    "key, value, fragment",
    [
        ("many_guides", 1, "ligt niet tussen 2 en 100"),
        ("many_guides", 101, "ligt niet tussen 2 en 100"),
        ("no_contact_days", "veel", "geen geheel getal"),
        ("no_contact_days", 2.5, "geen geheel getal"),
        ("no_contact_days", True, "geen geheel getal"),
        ("bogus", 3, "Onbekende instelling"),
    ],
)
def test_bad_values_are_refused_in_dutch_and_nothing_is_written(store, key, value, fragment):
    with pytest.raises(Invalid) as err:
        settings.save(store, ADMIN, {key: value})
    text = err.value.problems[0].text("nl")
    assert fragment in text and key in text
    with store.read() as cur:
        assert cur.execute("SELECT count(*) FROM settings").fetchone()[0] == 0
        assert cur.execute("SELECT count(*) FROM audit").fetchone()[0] == 0


def test_edges_of_the_range_are_allowed(store):
    assert settings.save(store, ADMIN, {"many_guides": 2})["many_guides"] == 2
    assert settings.save(store, ADMIN, {"many_guides": 100})["many_guides"] == 100


@pytest.mark.parametrize("kind", ["manager", "care_coordinator", "guide", "workplace"])
def test_only_admins_change_settings(store, kind):
    with pytest.raises(NotAllowed):
        settings.save(store, access.User(username="u", kind=kind), {"many_guides": 5})
    assert settings.current(store)["many_guides"] == 7


def test_a_form_with_bad_fields_keeps_nothing_and_names_every_problem(store):
    form = {"many_guides": 3, "no_contact_days": "veel", "upcoming_days": 0, "absence_hours": 9}
    with pytest.raises(Invalid) as err:
        settings.save(store, ADMIN, form)
    problems = err.value.problems
    assert len(problems) == 2
    first, second = problems[0].text("nl"), problems[1].text("nl")
    assert "no_contact_days" in first and "geen geheel getal" in first
    assert "upcoming_days" in second and "ligt niet tussen 1 en 90" in second
    assert settings.current(store)["many_guides"] == 7
    with store.read() as cur:
        assert cur.execute("SELECT count(*) FROM settings").fetchone()[0] == 0
        assert cur.execute("SELECT count(*) FROM audit").fetchone()[0] == 0


def test_a_form_is_saved_in_one_write_auditing_each_changed_setting(store):
    values = settings.current(store) | {"many_guides": 3, "absence_hours": "9"}
    assert settings.save(store, ADMIN, values)["absence_hours"] == 9
    assert store.version == 1  # one transaction for the whole form
    now = settings.current(store)
    assert (now["many_guides"], now["absence_hours"]) == (3, 9)
    with store.read() as cur:
        keys = {e["entity_key"] for e in audit.search(cur, action="write")}
    assert keys == {"many_guides", "absence_hours"}  # unchanged settings are left alone
