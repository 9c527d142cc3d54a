"""The student list page: search, filters, scope and opening a file."""

from __future__ import annotations

from listed import listed_student_ids

from .conftest import TODAY, app_store, texts


def student_table(at):
    return next(d.value for d in at.dataframe if "student_id" in d.value.columns)


def open_students_page(signed_in, username: str):
    at = signed_in(username)
    at.switch_page("pages/students.py").run()
    assert not at.exception
    return at


def test_lists_exactly_the_visible_students(signed_in):
    at = open_students_page(signed_in, "mentor")
    user = at.session_state["user"]
    visible = set(listed_student_ids(app_store(), user, TODAY))
    assert set(student_table(at)["student_id"]) == visible


def test_search_by_name_and_by_id(signed_in):
    at = open_students_page(signed_in, "zorgcoordinator")
    first = student_table(at).iloc[0]
    at.text_input(key="students_search").input(first["name"].split()[-1].lower()).run()
    assert first["student_id"] in set(student_table(at)["student_id"])
    at.text_input(key="students_search").input(first["student_id"]).run()
    assert student_table(at)["student_id"].tolist() == [first["student_id"]]
    at.text_input(key="students_search").input("zzz-no-such-student").run()
    assert "Geen leerlingen gevonden." in texts(at)


def test_filters(signed_in):
    at = open_students_page(signed_in, "zorgcoordinator")
    programme = at.multiselect(key="students_programme").options[0]
    at.multiselect(key="students_programme").select(programme).run()
    assert set(student_table(at)["programme"]) == {programme}
    at.multiselect(key="students_status").select("active").run()
    assert set(student_table(at)["status"]) == {"actief"}


def test_paging(signed_in):
    at = open_students_page(signed_in, "beheerder")  # sees all 60 demo students: two pages
    first_page = set(student_table(at)["student_id"])
    assert len(first_page) == 50
    at.number_input(key="students_page").set_value(2).run()
    second_page = set(student_table(at)["student_id"])
    assert len(second_page) == 10 and not second_page & first_page


def test_click_opens_the_student_file(signed_in):
    at = open_students_page(signed_in, "zorgcoordinator")
    first = student_table(at)["student_id"].iloc[0]
    at.session_state["students_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.query_params.get("student") == first
