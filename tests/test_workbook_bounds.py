"""A small workbook that unpacks large is not read row by row before its header is checked,
its sheets are read up to a bound, and the admin page checks an upload once (issue 21,
finding 6)."""

from __future__ import annotations

import openpyxl
import pytest

from dashboard import interchange
from dashboard.codes import TABLES
from dashboard.errors import Invalid
from dashboard.interchange import sources
from dashboard.security.access import User

ADMIN = User("boss", "admin", name="Beheer")
GOOD_ROW = ["T1", "Noor", "Amrani", "2008-04-02", "Entree", "Zuid", "E1", "2024-08-26", "active"]


def workbook(path, header, rows: int):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("students")
    ws.append(header)
    for i in range(rows):
        ws.append([f"T{i}", *GOOD_ROW[1:]])
    wb.save(path)
    return path


def test_a_sheet_with_a_wrong_header_is_not_read_further(tmp_path, store):
    path = workbook(tmp_path / "school.xlsx", ["foo", "bar"], 20_000)
    found, problems = sources.find_sources([(path, "school.xlsx")])
    assert problems == []
    (source,) = found
    assert len(source.rows) == 1  # the header only: the rows are never read
    with pytest.raises(Invalid) as caught:
        interchange.import_files(store, ADMIN, [path])
    assert "unknown_column" in " ".join(p.key for p in caught.value.problems)


def test_a_sheet_is_read_up_to_a_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_SHEET_ROWS", 10)
    path = workbook(tmp_path / "school.xlsx", list(TABLES["students"]), 50)
    found, problems = sources.find_sources([(path, "school.xlsx")])
    assert found == []
    (problem,) = problems
    assert problem.key == "interchange.reason.too_many_rows"
    assert problem.params == {"max": 10}
    assert "10" in problem.text("en")
