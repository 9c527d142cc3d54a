"""The caseload page over the demo store, signed in as the demo care coordinator."""

from __future__ import annotations

from dashboard import access, i18n, signals

from .conftest import TODAY, app_store, texts


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def frame_with(at, column: str):
    """The first table on the page that has `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def shown_open_counts(at) -> dict[str, int]:
    table = frame_with(at, "Open")
    titles = {i18n.t(f"signals.{code}.title"): code for code in signals.CODES}
    return {titles[label]: int(n) for label, n in zip(table["Signaal"], table["Open"])}


def expected_open_counts(user) -> dict[str, int]:
    store = app_store()
    with store.read() as cur:
        ids = access.visible_student_ids(cur, user, TODAY)
    found = signals.evaluate(store, TODAY, student_ids=ids)
    return found[~found["acknowledged"]].groupby("code").size().to_dict()


def test_counts_per_signal_match_signals_evaluate(signed_in):
    at = signed_in("zorgcoordinator")
    assert not at.exception
    user = at.session_state["user"]
    expected = expected_open_counts(user)
    assert expected, "the demo should give the coordinator some signals"
    assert shown_open_counts(at) == expected
    students = frame_with(at, "open_signals")
    assert students["open_signals"].sum() == sum(expected.values())
    # Worst first: the first student has a high signal when any exists.
    if any(signals.CODES[c] == "high" for c in expected):
        assert students["worst"].iloc[0] == "hoog"


def test_location_filter_and_my_students(signed_in):
    at = signed_in("zorgcoordinator")
    user = at.session_state["user"]
    location = at.multiselect(key="caseload_locations").options[0]
    at.multiselect(key="caseload_locations").select(location).run()
    assert set(frame_with(at, "open_signals")["location"]) == {location}

    at.multiselect(key="caseload_locations").unselect(location).run()
    at.toggle(key="caseload_mine").set_value(True).run()
    with app_store().read() as cur:
        mine = {
            r[0]
            for r in cur.execute(
                "SELECT student_id FROM roles WHERE person_id = $p AND role <> 'parent' "
                "AND start_date <= $t AND (end_date IS NULL OR end_date >= $t)",
                {"p": user.person_id, "t": TODAY},
            ).fetchall()
        }
    shown = set(frame_with(at, "open_signals")["student_id"])
    assert shown and shown <= mine


def test_severity_filter(signed_in):
    at = signed_in("zorgcoordinator")
    at.multiselect(key="caseload_severities").select("low").run()
    counts = frame_with(at, "Open")
    assert set(counts["Ernst"]) <= {"laag"}


def test_acknowledge_a_signal(signed_in):
    at = signed_in("zorgcoordinator")
    before = shown_open_counts(at)
    picked = at.selectbox(key="caseload_ack_pick")
    label = picked.format_func(picked.value)
    at.text_input(key="caseload_ack_reason").input("Afgestemd in het zorgoverleg")
    button(at, "Vastleggen").click().run()
    assert not at.exception
    assert "Vastgelegd" in texts(at)
    after = shown_open_counts(at)
    assert sum(after.values()) == sum(before.values()) - 1
    states = frame_with(at, "Status")["Status"].tolist()
    assert sum(s.startswith("bewust afgeweken tot") for s in states) == 1  # still listed
    with app_store().read() as cur:
        row = cur.execute("SELECT reason, acknowledged_by FROM acknowledgements").fetchall()
    assert row == [("Afgestemd in het zorgoverleg", "zorgcoordinator")]
    assert label  # the signal picked was named in the list


def test_acknowledge_without_reason_is_refused(signed_in):
    at = signed_in("zorgcoordinator")
    button(at, "Vastleggen").click().run()
    assert at.error, texts(at)
    with app_store().read() as cur:
        assert cur.execute("SELECT count(*) FROM acknowledgements").fetchone()[0] == 0


def test_clicking_a_student_opens_the_file(signed_in):
    at = signed_in("zorgcoordinator")
    first = frame_with(at, "open_signals")["student_id"].iloc[0]
    at.session_state["caseload_students"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.query_params.get("student") == first


def test_another_evaluation_day(signed_in):
    at = signed_in("zorgcoordinator")
    # Ten years back nobody was enrolled yet: no active students, no signals.
    at.date_input(key="caseload_as_of").set_value(TODAY.replace(year=TODAY.year - 10)).run()
    assert not at.exception
    assert "0 leerlingen · 0 open signalen" in texts(at)
    assert "Geen leerlingen bij deze filters." in texts(at)


def test_guide_filter(signed_in):
    at = signed_in("zorgcoordinator")
    person = at.session_state["user"].person_id  # the coordinator guides some students too
    at.selectbox(key="caseload_guide").set_value(person).run()
    with app_store().read() as cur:
        guided = {
            r[0]
            for r in cur.execute(
                "SELECT student_id FROM roles WHERE person_id = $p AND role <> 'parent' "
                "AND start_date <= $t AND (end_date IS NULL OR end_date >= $t)",
                {"p": person, "t": TODAY},
            ).fetchall()
        }
    shown = set(frame_with(at, "open_signals")["student_id"])
    assert shown and shown <= guided
