"""One kind of problem (dashboard/problem.py): every refusal a service raises is a `Problem`
with an i18n key both catalogues hold, rendered only when shown, and dates in texts come from
one formatter."""

from __future__ import annotations

import ast
import datetime as dt
import string
from pathlib import Path

import pytest

from dashboard import i18n
from dashboard.errors import Invalid
from dashboard.problem import Problem, Where

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    p
    for folder in ("dashboard", "validation", "pages")
    for p in sorted((ROOT / folder).rglob("*.py"))
] + [ROOT / "streamlit_app.py"]


def calls_named(name: str):
    """(path, call) for every call of `name` (or `x.name`) in the code."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if called == name:
                    yield path.relative_to(ROOT).as_posix(), node


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def literal_problems() -> list[tuple[str, str, set[str] | None]]:
    """(file, key, parameter names or None when not written out) of every Problem(...) whose
    key is a literal."""
    found = []
    for path, call in calls_named("Problem"):
        key = call.args[0] if call.args else None
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            continue
        params = call.args[1] if len(call.args) > 1 else None
        params = next((k.value for k in call.keywords if k.arg == "params"), params)
        if params is None:
            names = set()
        elif isinstance(params, ast.Dict) and all(isinstance(k, ast.Constant) for k in params.keys):
            names = {k.value for k in params.keys}
        else:
            names = None
        found.append((path, key.value, names))
    return found


def test_every_problem_key_in_the_code_is_in_both_catalogues_with_its_parameters():
    found = literal_problems()
    assert len(found) > 60  # the walk still finds the calls
    for lang in i18n.LANGUAGES:
        catalogue = i18n.catalogue(lang)
        missing = sorted({(path, key) for path, key, _ in found if key not in catalogue})
        assert missing == [], lang
        unfilled = sorted(
            (path, key, placeholders(catalogue[key]) - names)
            for path, key, names in found
            if names is not None and placeholders(catalogue[key]) - names
        )
        assert unfilled == [], lang


def test_a_problem_key_built_in_the_code_has_a_family_in_both_catalogues():
    """Keys built from a prefix (f"interchange.reason.{reason}") name a real family; the
    members are checked where they are made (tests/test_interchange.py)."""
    prefixes = set()
    for _, call in calls_named("Problem"):
        key = call.args[0] if call.args else None
        if isinstance(key, ast.JoinedStr):
            prefixes.add(key.values[0].value)
    assert prefixes
    for lang in i18n.LANGUAGES:
        for prefix in prefixes:
            assert any(k.startswith(prefix) for k in i18n.catalogue(lang)), (lang, prefix)


def test_invalid_is_raised_with_problems_never_with_texts():
    """Every Invalid(...) in the code gets Problems (a list of Problem(...) or a variable
    holding them), and Invalid refuses anything else when it runs."""
    sites = list(calls_named("Invalid"))
    assert len(sites) > 10
    for path, call in sites:
        (first, *_) = call.args
        items = first.elts if isinstance(first, ast.List | ast.Tuple) else []
        for item in items:
            assert isinstance(item, ast.Call | ast.Name), (path, call.lineno)
            if isinstance(item, ast.Call):
                assert getattr(item.func, "id", "") == "Problem", (path, call.lineno)
        assert not isinstance(first, ast.Constant | ast.JoinedStr), (path, call.lineno)
    with pytest.raises(TypeError):
        Invalid(["a text is not a problem"])


def test_services_never_translate_what_they_raise():
    """No module outside the interface renders a problem's text: `.text(`/`.reason(` on a
    problem and i18n.t inside an Invalid(...) happen only in the app, the pages and the CLI."""
    for path, call in calls_named("Invalid"):
        inner = {getattr(n.func, "attr", None) for n in ast.walk(call) if isinstance(n, ast.Call)}
        assert "t" not in inner, (path, call.lineno)


def test_a_problem_reads_the_same_in_its_three_places():
    cell = Problem(
        "interchange.reason.date", where=Where("contacts.csv", row=3, column="date"), value="x"
    )
    assert cell.text("en") == "contacts.csv row 3, column date: 'x' is not a date (YYYY-MM-DD)"
    assert (
        cell.text("nl")
        == str(cell)
        == ("contacts.csv rij 3, kolom date: 'x' is geen datum (JJJJ-MM-DD)")
    )
    sheet = Problem("interchange.reason.empty_file", where=Where("school.xlsx", "students"))
    assert sheet.text("nl").startswith("school.xlsx, blad students: is leeg")
    assert sheet.text("en").startswith("school.xlsx, sheet students: is empty")
    field = Problem("student.problem.required", where=Where(field="channel"))
    assert field.text("nl") == "Kanaal: " + field.short("nl")
    plain = Problem("access.password.too_short", {"min": 8})
    assert plain.text("en") == plain.reason("en") and "8" in plain.text("en")


def test_dates_in_problems_come_from_the_one_formatter():
    day = dt.date(2026, 1, 16)
    problem = Problem("student.problem.before_start", {"day": day})
    assert "16-01-2026" in problem.text("nl") and "2026-01-16" in problem.text("en")
    assert i18n.date_text(day, "nl") == "16-01-2026"
    assert i18n.date_text(dt.datetime(2026, 1, 16, 9, 30), "en") == "2026-01-16"
    assert i18n.date_text(None, "nl") == ""
    strftime = [
        p.relative_to(ROOT).as_posix()
        for p in SOURCES
        if "strftime(" in p.read_text("utf-8") and p != ROOT / "dashboard" / "i18n" / "__init__.py"
    ]
    assert strftime == []


def test_a_list_of_problems_as_a_parameter_reads_item_by_item():
    filled = [Problem("demo.table_rows", {"table": t, "rows": n}) for t, n in (("a", 1), ("b", 2))]
    problem = Problem("demo.store_not_empty", {"filled": filled})
    assert "a (1 rows), b (2 rows)" in problem.text("en")
    assert "a (1 rijen), b (2 rijen)" in problem.text("nl")


def test_a_typed_value_shows_as_typed_under_a_form_field():
    """st.error renders Markdown: the user's value is escaped, the rest of the text is not."""
    from dashboard.app import render

    typed = "[klik](https://evil.example) # kop <b>x</b>"
    problem = Problem("student.problem.required", {}, Where(field="summary"), typed)
    shown = problem.short("nl", escape=render.plain)
    assert "[klik](" not in shown and r"\[klik\]\(https\:" in shown
    assert problem.short("nl").count("[klik](https://evil.example)") == 1  # the CLI: as is
    assert r"\<b\>" in problem.text("nl", escape=render.plain)
