"""The trends page's figures as files meant for people: a CSV per chart and one XLSX workbook
with a sheet per chart.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula; a location or programme name comes from the school's data,
so every such text cell is neutralised with a leading apostrophe (docs/security.md, promise 7:
only the interchange export stays lossless). Numbers stay numbers; a hidden cell is the text
"< 5" (the threshold).
"""

from __future__ import annotations

import io
import re

import pandas as pd
from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_MAX = 31  # Excel's limit
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def safe_cell(value: object) -> object:
    """A text that a spreadsheet would run as a formula, with an apostrophe before it."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its headers and text cells made safe, its NA cells empty."""
    out = frame.astype(object).where(frame.notna(), None)
    out = out.map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in frame.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as a UTF-8 CSV (with a byte-order mark, so Excel reads the accents)."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One XLSX workbook, a sheet per entry (names cut to Excel's 31 characters, made unique)."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for name, frame in sheets.items():
        title = _sheet_title(name, used)
        sheet = book.create_sheet(title)
        safe = safe_frame(frame)
        sheet.append(list(safe.columns))
        for row in safe.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: object) -> object:
    """A value openpyxl writes as it is (dates, numbers, text)."""
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()  # numpy scalars
    return value


def _sheet_title(name: str, used: set[str]) -> str:
    base = _SHEET_UNSAFE.sub(" ", name).strip("'")[:SHEET_NAME_MAX] or "Blad"
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title
