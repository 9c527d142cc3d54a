"""Sources: which file or workbook sheet holds which table.

A CSV file is named after its table (`students.csv`); an .xlsx workbook holds tables as
sheets named after them. A workbook is read by openpyxl into rows of text, as a CSV would
hold them; a CSV file is left for DuckDB to read (staging).

A workbook is a zip, and a small one can unpack to a huge sheet: so a sheet's header is read
first and the rest only when the header names the table's columns (staging explains a wrong
header), and no sheet is read beyond MAX_SHEET_ROWS rows (larger tables go as CSV files).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dashboard.codes import TABLES
from dashboard.problem import Problem, Where
from validation.core import WS
from validation.tables import SPECS

MAX_XLSX_UNPACKED = 1024 * 1024 * 1024  # a workbook is a zip: refuse one that unpacks huge
MAX_SHEET_ROWS = 200_000  # rows read from one sheet, header included


@dataclass
class Source:
    table: str
    where: Where  # the file (and sheet) as named in problems
    path: Path | None = None  # a CSV file
    rows: list[tuple] | None = None  # an xlsx sheet: (row number, cells...) incl. header row 1


def _table_for(name: str) -> str | None:
    stem = name.strip().lower().removesuffix(".csv")
    return stem if stem in TABLES else None


def find_sources(files: list[tuple[Path, str]]) -> tuple[list[Source], list[Problem]]:
    """The tables in `files` (path, name shown in problems), and the problems found so far."""
    sources: list[Source] = []
    problems: list[Problem] = []
    known = ", ".join(f"{t}.csv" for t in TABLES)
    for path, label in files:
        suffix = Path(label).suffix.lower()
        if not path.is_file():
            problems.append(Problem("interchange.reason.not_found", where=Where(label)))
        elif suffix == ".csv":
            table = _table_for(Path(label).name)
            if table is None:
                problems.append(
                    Problem("interchange.reason.unknown_table", {"known": known}, Where(label))
                )
            else:
                sources.append(Source(table, Where(Path(label).name), path=path))
        elif suffix == ".xlsx":
            found, trouble = _xlsx_sources(path, Path(label).name)
            sources += found
            problems += trouble
        else:
            problems.append(Problem("interchange.reason.unsupported_file", where=Where(label)))
    seen: dict[str, Where] = {}
    unique = []
    for src in sources:
        if src.table in seen:
            problems.append(
                Problem(
                    "interchange.reason.table_twice",
                    {"table": src.table, "other": seen[src.table]},
                    src.where,
                )
            )
        else:
            seen[src.table] = src.where
            unique.append(src)
    return unique, problems


# What a damaged or fake workbook raises in zipfile, openpyxl or the XML parser.
_XLSX_ERRORS = (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError, SyntaxError)


def _xlsx_sources(path: Path, label: str) -> tuple[list[Source], list[Problem]]:
    import openpyxl  # only needed for workbooks

    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
        if unpacked > MAX_XLSX_UNPACKED:
            return [], [Problem("interchange.reason.xlsx_too_large", where=Where(label))]
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except _XLSX_ERRORS as exc:
        return [], [
            Problem("interchange.reason.not_xlsx", {"detail": type(exc).__name__}, Where(label))
        ]
    sources, problems = [], []
    known = ", ".join(TABLES)
    try:
        for ws in wb.worksheets:
            sheet = Where(label, ws.title)
            table = _table_for(ws.title)
            if table is None:
                problems.append(
                    Problem("interchange.reason.unknown_sheet", {"known": known}, sheet)
                )
                continue
            rows = _sheet_rows(ws, table)
            if rows is None:
                problems.append(
                    Problem("interchange.reason.too_many_rows", {"max": MAX_SHEET_ROWS}, sheet)
                )
                continue
            sources.append(Source(table, sheet, rows=rows))
    except _XLSX_ERRORS as exc:
        return [], [
            Problem("interchange.reason.not_xlsx", {"detail": type(exc).__name__}, Where(label))
        ]
    finally:
        wb.close()
    return sources, problems


def _sheet_rows(ws, table: str) -> list[tuple] | None:
    """(row number, cells as text...) of a sheet: the header alone when it does not name the
    table's columns, None when the sheet has more than MAX_SHEET_ROWS rows."""
    values = ws.iter_rows(min_row=1, values_only=True)
    first = next(values, None)
    if first is None:
        return []
    rows = [(1, *(_cell_text(v) for v in first))]
    names = {str(c).strip(WS).lower() for c in rows[0][1:]} - {""}
    if not names <= set(TABLES[table]) or not set(SPECS[table].required) <= names:
        return rows  # staging says what is wrong with the header; the rows are not read
    for n, row in enumerate(values, start=2):
        if n > MAX_SHEET_ROWS:
            return None
        rows.append((n, *(_cell_text(v) for v in row)))
    return rows


def _cell_text(value) -> str:
    """An xlsx cell as the text a CSV would hold (dates ISO, whole numbers without '.0')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
