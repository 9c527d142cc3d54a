"""The query loader (dashboard.queries): headers, declared switches, markers, comments; and that
every query file of dashboard/queries follows its rules."""

from __future__ import annotations

import re

import pytest

from dashboard import queries
from dashboard.queries import QueryError

HEADER = "-- name: {name}\n-- What the query is for.\n"


@pytest.fixture
def files(tmp_path, monkeypatch):
    """Write query files into a directory of our own; returns write(name, text)."""
    monkeypatch.setattr(queries, "_FILES", tmp_path)
    queries._parse.cache_clear()
    yield lambda name, text: (tmp_path / f"{name}.sql").write_text(text, encoding="utf-8")
    queries._parse.cache_clear()


def test_fills_every_declared_switch_and_drops_comments(files):
    files(
        "q",
        HEADER.format(name="q")
        + "-- switch: scope  which students\n"
        + "-- switch: active_role  the role row is active\n"
        + "-- $unused is named in a comment only, /*:scope*/ too\n"
        + "SELECT * FROM roles r -- about $also_unused\n"
        + "WHERE /*:scope*/ AND /*:active_role*/ AND r.day = $today AND /*:scope*/\n",
    )
    sql = queries.load("q", scope="s.x = 1", active_role="r.on")
    assert "--" not in sql
    assert set(re.findall(r"\$(\w+)", sql)) == {"today"}
    assert (
        sql.strip()
        == "SELECT * FROM roles r \nWHERE s.x = 1 AND r.on AND r.day = $today AND s.x = 1"
    )
    assert queries.switches("q") == {
        "scope": "which students",
        "active_role": "the role row is active",
    }


def test_a_file_without_switches_loads_as_it_is_without_comments(files):
    files("plain", HEADER.format(name="plain") + "SELECT 1 -- one\n")
    assert queries.load("plain").strip() == "SELECT 1"


@pytest.mark.parametrize(
    ("body", "switches", "message"),
    [
        ("SELECT 1\n", {"scope": "true"}, "declares no switch scope"),
        ("-- switch: scope  which\nSELECT 1 WHERE /*:scope*/\n", {}, "needs switch scope"),
        (
            "-- switch: a  one\nSELECT 1 WHERE /*:a*/ AND /*:b*/\n",
            {"a": "true"},
            "marker b left unfilled",
        ),
        (
            "-- switch: a  one\nSELECT 1 -- /*:a*/\n",
            {"a": "true"},
            "declares switch a but marks no place",
        ),
    ],
    ids=["undeclared", "missing", "unfilled", "no place"],
)
def test_refuses_a_switch_that_does_not_fit(files, body, switches, message):
    files("q", HEADER.format(name="q") + body)
    with pytest.raises(QueryError, match=message):
        queries.load("q", **switches)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT 1\n",  # no header
        "-- name: other\n-- What it is for.\nSELECT 1\n",  # another name
        "-- name: q\nSELECT 1\n",  # no purpose
        "-- name: q\n-- switch: a  one\nSELECT /*:a*/\n",  # a switch where the purpose goes
        "-- name: q\n-- What it is for, and then\n-- more.\nSELECT 1\n",  # not one line
    ],
)
def test_refuses_a_file_without_a_name_and_one_line_of_purpose(files, text):
    files("q", text)
    with pytest.raises(QueryError, match="q.sql"):
        queries.load("q")


def test_every_query_file_has_a_header_and_loads_with_its_declared_switches():
    names = queries.names()
    assert "signals" in names and "student_list" in names
    for name in names:
        declared = queries.switches(name)
        assert all(declared.values()), name  # each switch says what it is
        fragments = {switch: f"(fragment_{switch})" for switch in declared}
        sql = queries.load(name, **fragments)
        assert "/*:" not in sql and not re.search(r"--[^\n]*", sql), name
        assert all(fragment in sql for fragment in fragments.values()), name
