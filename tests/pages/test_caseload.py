"""The caseload page over the demo store, signed in as the demo care coordinator."""

from __future__ import annotations

from listed import listed_student_ids

from dashboard import i18n, signals

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
    ids = listed_student_ids(store, user, TODAY)
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


def shown_choice(at) -> str:
    picker = at.selectbox(key="caseload_ack_pick")
    return picker.format_func(picker.value)


def test_the_acknowledge_picker_follows_the_signal_not_its_place_in_the_list(signed_in):
    at = signed_in("zorgcoordinator")
    titles = {i18n.t(f"signals.{code}.title"): code for code in signals.CODES}
    options = at.selectbox(key="caseload_ack_pick").options
    first_code = titles[options[0].split(" — ")[0]]
    # A signal further down, of another kind than the first: a filter on its kind moves it up.
    index, label = next(
        (i, o) for i, o in enumerate(options) if titles[o.split(" — ")[0]] != first_code
    )
    code = titles[label.split(" — ")[0]]
    at.selectbox(key="caseload_ack_pick").select_index(index).run()
    assert shown_choice(at) == label
    at.multiselect(key="caseload_codes").select(code).run()
    assert not at.exception
    assert at.selectbox(key="caseload_ack_pick").options.index(label) < index
    assert shown_choice(at) == label  # still the same signal
    at.text_input(key="caseload_ack_reason").input("Besproken met de mentor")
    button(at, "Vastleggen").click().run()
    with app_store().read() as cur:
        acknowledged = cur.execute("SELECT code, student_id FROM acknowledgements").fetchall()
    student_id = label.split("(")[-1].split(",")[0]
    assert acknowledged == [(code, student_id)]  # exactly the signal that was shown
    assert "Besproken met de mentor" in texts(at)  # the picked signal's acknowledgement

    # A filter that drops the chosen signal resets the choice to the first one listed.
    assert shown_choice(at) == label
    at.multiselect(key="caseload_codes").unselect(code).select(first_code).run()
    picker = at.selectbox(key="caseload_ack_pick")
    assert label not in picker.options
    assert shown_choice(at) == picker.options[0]


def test_students_without_open_signals_have_an_empty_severity(signed_in):
    at = signed_in("zorgcoordinator")
    students = frame_with(at, "open_signals")
    calm = students[students["open_signals"] == 0]
    assert len(calm), "the demo should give the coordinator a student without open signals"
    assert set(calm["worst"]) == {""}
    assert not students["worst"].str.startswith("codes.").any()


def test_code_label_treats_missing_values_as_empty():
    for missing in (None, "", float("nan")):
        assert i18n.code_label("severity", missing) == ""
    assert i18n.code_label("severity", "high") == "hoog"


def test_the_acknowledge_form_does_not_submit_on_enter(signed_in):
    at = signed_in("zorgcoordinator")
    (ack_form,) = [f for f in at.get("form") if f.proto.form.form_id == "caseload_ack"]
    assert ack_form.proto.form.enter_to_submit is False  # no English "Press Enter" hint
