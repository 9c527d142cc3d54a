"""Import and export of the interchange files (docs/interchange.md).

Import is all or nothing, inside one write transaction. DuckDB reads each CSV file and
converts its rows to their stored types as it reads (a temporary table clean_<table>, with
spreadsheet row numbers); a .xlsx sheet is read by openpyxl into an Arrow table first. The
text never sits in Python, so the import's memory stays within the store's limit (DuckDB
spills to disk beyond REGIEBORD_MEMORY_LIMIT). In a second thread every cell is checked by
the table's pandera schema (validation/), CHUNK_ROWS rows at a time, on rows that thread
reads from the file itself with a small DuckDB of its own; meanwhile the main thread checks
duplicate keys and every reference between the files and to the store, set-based in SQL. When the SQL checks find nothing, the rows are written before the
cell checks end (the two slowest steps overlap); any problem at all rolls the transaction
back, so nothing is written, and raises `Invalid` with the problems (the first MAX_SHOWN in
file/row/column order; the message gives the total). Rows are upserts by key: new keys are
inserted, changed rows updated, equal rows left alone, so importing the same files twice
changes nothing. One audit event per table holds the counts, not the data.

Row numbers are what a spreadsheet shows: the header is row 1, the first data row row 2.
A cell's problem reads e.g. `contacts.csv rij 14, kolom date: '2025-13-01' is geen datum
(JJJJ-MM-DD)`; the texts come from i18n (Dutch by default, `lang="en"` for English).

Deliberate leniencies: a ';'-separated CSV (what Dutch Excel writes) is read as such; a
header-only file is a table with no rows (so an export of an empty table imports again);
rows whose cells are all empty and blank lines are ignored; codes and yes/no words are read
case-insensitively; spaces around ids, codes, dates and numbers are ignored; a column
without a name is allowed when all its cells are empty. A missing optional column means empty
for every row: the file is the truth for the rows it holds.

Export writes every table as the spec says, byte-stable, so export -> import into an empty
store -> export gives identical files. The export is a lossless data format: cells starting
with `=`, `+`, `-` or `@` are written as they are, NOT neutralised against formula
injection (docs/security.md); lists meant for people do that, this format must round-trip.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pandera.errors
import pyarrow as pa
import pyarrow.compute as pc

from dashboard import i18n
from dashboard.codes import TABLES
from dashboard.errors import Invalid
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import Store
from validation.core import FALSE_WORDS, TRUE_WORDS, WS, Col, TableSpec
from validation.tables import SPECS

MAX_SHOWN = 200  # problems listed; the message gives the total
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # per uploaded file
MAX_XLSX_UNPACKED = 1024 * 1024 * 1024  # a workbook is a zip: refuse one that unpacks huge
CHUNK_ROWS = 200_000  # rows per pandera validation step (bounds memory)
CHECKER_MEMORY = "256MB"  # DuckDB memory of the cell checks' own CSV reader
_READ_BLOCK = 16 * 1024 * 1024


# -- problems and results ---------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One located problem. `reason` is in `lang`; `text(lang)` renders in another language."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    lang: str = field(default=i18n.DEFAULT_LANGUAGE, compare=False)
    key: str = field(default="", compare=False, repr=False)
    params: tuple = field(default=(), compare=False, repr=False)

    def text(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        reason = _reason(self.key, lang, dict(self.params)) if self.key else self.reason
        what = (
            reason
            if self.value is None or not str(self.value).strip(WS)
            else _t("value", lang, value=_show(self.value), reason=reason)
        )
        if self.row is not None and self.column:
            return _t("at_cell", lang, file=self.file, row=self.row, column=self.column, what=what)
        if self.row is not None:
            return _t("at_row", lang, file=self.file, row=self.row, what=what)
        if self.column:
            return _t("at_column", lang, file=self.file, column=self.column, what=what)
        return _t("at_file", lang, file=self.file, what=what)

    def __str__(self) -> str:
        return self.text()


def _t(key: str, lang: str, **kw) -> str:
    return i18n.t(f"interchange.problem.{key}", lang, **kw)


def _reason(key: str, lang: str, params: dict) -> str:
    return i18n.t(f"interchange.reason.{key}", lang, **params)


def _problem(
    file: str, key: str, lang: str, row=None, column=None, value=None, **params
) -> Problem:
    items = tuple(sorted((k, str(v)) for k, v in params.items()))
    return Problem(file, row, column, value, _reason(key, lang, dict(items)), lang, key, items)


def _show(value: str) -> str:
    text = str(value).replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass(frozen=True)
class TableCount:
    file: str
    rows: int
    new: int
    changed: int

    @property
    def unchanged(self) -> int:
        return self.rows - self.new - self.changed


@dataclass(frozen=True)
class ImportResult:
    tables: dict[str, TableCount]
    lang: str = i18n.DEFAULT_LANGUAGE

    def summary(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        lines = [i18n.t("interchange.summary.done", lang, tables=len(self.tables))]
        for table, c in self.tables.items():
            lines.append(
                i18n.t(
                    "interchange.summary.table",
                    lang,
                    table=table,
                    file=c.file,
                    rows=c.rows,
                    new=c.new,
                    changed=c.changed,
                    unchanged=c.unchanged,
                )
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class ValidationReport:
    problems: list[Problem]  # the first MAX_SHOWN
    total_problems: int
    counts: dict[str, int]  # data rows per table found in the files

    @property
    def ok(self) -> bool:
        return self.total_problems == 0


# -- sources: which file or sheet holds which table -------------------------------------------


@dataclass
class _Source:
    table: str
    label: str  # as named in problems: "students.csv" or "data.xlsx, blad students"
    path: Path | None = None  # a CSV file
    rows: list[tuple] | None = None  # an xlsx sheet: (row number, cells...) incl. header row 1


def _table_for(name: str) -> str | None:
    stem = name.strip().lower().removesuffix(".csv")
    return stem if stem in TABLES else None


def _sources(files: list[tuple[Path, str]], lang: str) -> tuple[list[_Source], list[Problem]]:
    """The tables in `files` (path, name shown in problems), and the problems found so far."""
    sources: list[_Source] = []
    problems: list[Problem] = []
    known = ", ".join(f"{t}.csv" for t in TABLES)
    for path, label in files:
        suffix = Path(label).suffix.lower()
        if not path.is_file():
            problems.append(_problem(label, "not_found", lang))
        elif suffix == ".csv":
            table = _table_for(Path(label).name)
            if table is None:
                problems.append(_problem(label, "unknown_table", lang, known=known))
            else:
                sources.append(_Source(table, Path(label).name, path=path))
        elif suffix == ".xlsx":
            found, trouble = _xlsx_sources(path, Path(label).name, lang)
            sources += found
            problems += trouble
        else:
            problems.append(_problem(label, "unsupported_file", lang))
    seen: dict[str, str] = {}
    unique = []
    for src in sources:
        if src.table in seen:
            problems.append(
                _problem(src.label, "table_twice", lang, table=src.table, other=seen[src.table])
            )
        else:
            seen[src.table] = src.label
            unique.append(src)
    return unique, problems


# What a damaged or fake workbook raises in zipfile, openpyxl or the XML parser.
_XLSX_ERRORS = (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError, SyntaxError)


def _xlsx_sources(path: Path, label: str, lang: str) -> tuple[list[_Source], list[Problem]]:
    import openpyxl  # only needed for workbooks

    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
        if unpacked > MAX_XLSX_UNPACKED:
            return [], [_problem(label, "xlsx_too_large", lang)]
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except _XLSX_ERRORS as exc:
        return [], [_problem(label, "not_xlsx", lang, detail=type(exc).__name__)]
    sources, problems = [], []
    known = ", ".join(TABLES)
    try:
        for ws in wb.worksheets:
            sheet_label = i18n.t("interchange.sheet_label", lang, file=label, sheet=ws.title)
            table = _table_for(ws.title)
            if table is None:
                problems.append(_problem(sheet_label, "unknown_sheet", lang, known=known))
                continue
            rows = [
                (n, *(_cell_text(v) for v in values))
                for n, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)
            ]
            sources.append(_Source(table, sheet_label, rows=rows))
    except _XLSX_ERRORS as exc:
        return [], [_problem(label, "not_xlsx", lang, detail=type(exc).__name__)]
    finally:
        wb.close()
    return sources, problems


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


# -- staging: each source into clean_<table> ---------------------------------------------------


_NO_NAME = "rb_unnamed_"


def _check_header(
    src: _Source, cells: list[str], lang: str
) -> tuple[list[str] | None, list[Problem]]:
    """The normalised column names of a header (unnamed ones as rb_unnamed_<position>), or
    None with the problems that make the file unreadable."""
    spec = SPECS[src.table]
    names = [c.strip(WS).lower() for c in cells]
    if not any(names):
        return None, [_problem(src.label, "no_header", lang)]
    problems = []
    allowed = ", ".join(spec.names)
    for i, name in enumerate(names):
        if name and names.index(name) != i:
            problems.append(_problem(src.label, "duplicate_column", lang, column=name))
        elif name and name not in spec.names:
            problems.append(
                _problem(
                    src.label, "unknown_column", lang, column=cells[i].strip(WS), allowed=allowed
                )
            )
    for name in spec.required:
        if name not in names:
            problems.append(_problem(src.label, "missing_column", lang, column=name))
    if problems:
        return None, problems
    return [n or f"{_NO_NAME}{i + 1}" for i, n in enumerate(names)], []


@dataclass
class _CsvScan:
    delimiter: str
    header: list[str]
    may_have_blank_lines: bool


def _scan_csv(src: _Source, lang: str) -> tuple[_CsvScan | None, list[Problem]]:
    """Check the file is UTF-8 and find its header and separator, reading it once in blocks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = b""
    newlines = 0
    blank_hint = False
    tail = b""
    try:
        with open(src.path, "rb") as f:
            while block := f.read(_READ_BLOCK):
                if not first:
                    first = block[:1_048_576]
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    line = newlines + block.count(b"\n", 0, exc.start) + 1
                    return None, [_problem(src.label, "not_utf8", lang, line=line)]
                joined = tail + block
                blank_hint = blank_hint or b"\n\n" in joined or b"\n\r\n" in joined
                tail = block[-2:]
                newlines += block.count(b"\n")
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None, [_problem(src.label, "not_utf8", lang, line=newlines + 1)]
    except OSError as exc:
        return None, [
            _problem(src.label, "unreadable", lang, detail=exc.strerror or type(exc).__name__)
        ]
    text = first.decode("utf-8", errors="ignore").removeprefix("\ufeff")
    if not text.strip(WS):
        return None, [_problem(src.label, "empty_file", lang)]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return _CsvScan(delimiter, header, blank_hint), []


def _blank_records(path: Path, delimiter: str) -> list[int]:
    """Record numbers (header = 1) of blank lines, which DuckDB's reader skips silently."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 26))
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [n for n, rec in enumerate(csv.reader(f, delimiter=delimiter), start=1) if not rec]


_REJECT_REASONS = {
    "MISSING COLUMNS": "missing_fields",
    "TOO MANY COLUMNS": "too_many_fields",
    "UNQUOTED VALUE": "bad_quotes",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "INVALID ENCODING": "not_utf8_row",
    "INVALID UNICODE": "not_utf8_row",
}


@dataclass
class _Staged:
    """A staged table. DuckDB holds it as clean_<table>: row_no and the stored values of
    every row that has a filled cell (see _define_clean); `batches(reader)`
    gives the same rows as text, Arrow tables of at most CHUNK_ROWS rows (row_no and the
    spec's columns), for the cell checks in the second thread."""

    batches: Callable[[duckdb.DuckDBPyConnection], Iterator[pa.Table]]  # given the reader


def _read_csv_sql(scan: _CsvScan) -> str:
    return (
        "SELECT * FROM read_csv($path, header = true, delim = $delim, quote = '\"',"
        " escape = '\"', columns = $columns, auto_detect = false, store_rejects = true,"
        " rejects_table = $rejects, rejects_scan = $scans)"
    )


def _read_csv_params(src: _Source, scan: _CsvScan, header: list[str]) -> dict:
    return {
        "path": str(src.path),
        "delim": scan.delimiter,
        "columns": {name: "VARCHAR" for name in header},
        "rejects": f"rb_rejects_{src.table}",
        "scans": f"rb_scans_{src.table}",
    }


def _stage_csv(
    cur, src: _Source, order: int, lang: str, with_store: bool
) -> tuple[_Staged | None, list[Problem]]:
    """Read a CSV file with DuckDB, converting as it reads, into clean_<table>.

    The text never sits in Python, and DuckDB keeps the rows within the store's memory limit
    (spilling to disk). The reader runs in parallel and keeps the file's order, so a row's
    position among the rows it kept is its rowid's offset; rows after a skipped line (blank or
    unreadable) get their numbers moved on by the skipped lines before them (_row_numbers).
    """
    scan, problems = _scan_csv(src, lang)
    if scan is None:
        return None, problems
    header, problems = _check_header(src, scan.header, lang)
    if header is None:
        return None, problems
    params = _read_csv_params(src, scan, header)
    spec = SPECS[src.table]
    cells = [n if n in header else f"NULL::VARCHAR AS {n}" for n in spec.names]
    unnamed = [n for n in header if n.startswith(_NO_NAME)]
    filled = " OR ".join(f"{n} IS NOT NULL" for n in header)
    source = (
        f"SELECT {', '.join(cells + unnamed)}, {filled} AS rb_filled FROM ({_read_csv_sql(scan)})"
    )
    try:
        _read_rows(cur, src.table, source, params, unnamed)
    except duckdb.Error as exc:
        return None, [_problem(src.label, "unreadable", lang, detail=str(exc).splitlines()[0])]
    rejects = params["rejects"]
    cur.execute(
        "INSERT INTO rb_problems SELECT $order, $file, line, NULL, NULL, NULL,"
        " CASE error_type "
        + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _REJECT_REASONS.items())
        + " ELSE 'unreadable_row' END, min(error_message)"
        f" FROM {rejects} GROUP BY line, error_type",
        {"order": order, "file": src.label},
    )
    skipped = {r[0] for r in cur.execute(f"SELECT DISTINCT line FROM {rejects}").fetchall()}
    if scan.may_have_blank_lines:
        skipped |= set(_blank_records(src.path, scan.delimiter))
    _define_clean(cur, src.table, _numbering(cur, src.table, skipped), with_store)
    for name in unnamed:
        row = cur.execute(
            f"SELECT min(row_no) FROM clean_{src.table} WHERE trim({name}, '{WS}') <> ''"
        ).fetchone()[0]
        if row is not None:
            position = int(name.removeprefix(_NO_NAME))
            problems.append(_problem(src.label, "unnamed_column", lang, row=row, position=position))
    return _Staged(lambda con: _csv_batches(con, src, scan, header, skipped)), problems


def _numbering(cur, table: str, skipped: set[int]) -> tuple[str, str]:
    """(row_no, FROM clause) numbering the rows of rb_rows_<table> as a spreadsheet does.

    A freshly filled table keeps the insertion order in consecutive rowids; that is checked,
    not assumed (DuckDB does not promise it in writing).
    """
    first, last, n = cur.execute(
        f"SELECT min(rowid), max(rowid), count(*) FROM rb_rows_{table}"
    ).fetchone()
    if n and last - first + 1 != n:
        raise RuntimeError(f"DuckDB did not keep the row order of {table}: import refused")
    position = f"(r.rowid - {first or 0})"
    if not skipped:
        return f"{position} + 2", f"rb_rows_{table} r"
    s = np.array(sorted(skipped), dtype=np.int64)
    thresholds = s - 2 - np.arange(len(s), dtype=np.int64)  # see _row_numbers
    values = np.unique(thresholds)
    shift = np.searchsorted(thresholds, values, side="right")
    cur.register(f"rb_skip_{table}", pa.table({"k": values, "shift": shift}))
    return (
        f"{position} + 2 + coalesce(s.shift, 0)",
        f"rb_rows_{table} r ASOF LEFT JOIN rb_skip_{table} s ON {position} >= s.k",
    )


def _csv_batches(con, src: _Source, scan: _CsvScan, header: list[str], skipped: set[int]):
    """The rows of clean_<table> again, as text, read from the file by `con`, the second
    thread's own small DuckDB (the same reader and options, so the same rows), CHUNK_ROWS at a
    time."""
    reader = con.execute(_read_csv_sql(scan), _read_csv_params(src, scan, header))
    done = 0
    for batch in reader.to_arrow_reader(CHUNK_ROWS):
        data = pa.Table.from_batches([batch])
        numbers = _row_numbers(done + data.num_rows, skipped, start=done)
        done += data.num_rows
        yield _spec_columns(src.table, header, data.append_column("row_no", pa.array(numbers)))


def _row_numbers(kept: int, skipped: set[int], start: int = 0) -> np.ndarray:
    """Spreadsheet row numbers of the rows the reader kept, in order (from kept row `start`).

    The reader skips blank lines and rejected rows; each one before a kept row moves that
    row's number on by one. With the skipped rows s_0 < s_1 < ..., kept row k (0-based) lies
    after skipped row i exactly when k >= s_i - 2 - i.
    """
    k = np.arange(start, kept, dtype=np.int64)
    if not skipped:
        return k + 2
    s = np.array(sorted(skipped), dtype=np.int64)
    thresholds = s - 2 - np.arange(len(s), dtype=np.int64)
    return k + 2 + np.searchsorted(thresholds, k, side="right")


def _stage_rows(
    cur, src: _Source, lang: str, with_store: bool
) -> tuple[_Staged | None, list[Problem]]:
    """An xlsx sheet (small: uploads are limited): an Arrow table, then clean_<table>."""
    rows = src.rows or []
    if not rows or not any(rows[0][1:]):
        return None, [_problem(src.label, "empty_file", lang)]
    header, problems = _check_header(src, list(rows[0][1:]), lang)
    if header is None:
        return None, problems
    body = rows[1:]
    width = len(header)
    data = {"row_no": pa.array([r[0] for r in body], pa.int64())}
    for i, name in enumerate(header):
        data[name] = pa.array(
            [(r[i + 1] if i + 1 < len(r) else "") or None for r in body], pa.string()
        )
    raw, problems = _raw_table(src, header, pa.table(data), lang)
    # Cells right of the header's last column belong to no column: refuse them when filled.
    stray = next((r[0] for r in body if any(v.strip(WS) for v in r[width + 1 :])), None)
    if stray is not None:
        problems.append(_problem(src.label, "cells_outside_header", lang, row=stray))
    cur.register(f"raw_{src.table}", raw)
    source = f"SELECT *, true AS rb_filled FROM raw_{src.table}"
    _read_rows(cur, src.table, source, {}, [], numbered=True)
    cur.unregister(f"raw_{src.table}")
    _define_clean(cur, src.table, ("r.row_no", f"rb_rows_{src.table} r"), with_store)
    return _Staged(lambda _: iter(raw.to_batches(max_chunksize=CHUNK_ROWS))), problems


def _raw_table(
    src: _Source, header: list[str], data: pa.Table, lang: str
) -> tuple[pa.Table, list[Problem]]:
    """row_no plus every spec column as text (null = empty; absent columns all null), in file
    order, without the rows whose cells are all empty."""
    filled = functools.reduce(pc.or_, [pc.is_valid(data[n]) for n in header])
    if not pc.all(filled).as_py():
        data = data.filter(filled)
    problems = []
    for name in (n for n in header if n.startswith(_NO_NAME)):
        text = pc.utf8_trim(data[name], WS)
        used = pc.and_(pc.is_valid(text), pc.not_equal(text, ""))
        if pc.any(used).as_py():
            row = pc.min(pc.filter(data["row_no"], used)).as_py()
            position = int(name.removeprefix(_NO_NAME))
            problems.append(_problem(src.label, "unnamed_column", lang, row=row, position=position))
    return _spec_columns(src.table, header, data), problems


def _spec_columns(table: str, header: list[str], data: pa.Table) -> pa.Table:
    """row_no and the spec's columns in spec order (absent columns all null), without the
    rows whose cells (those of the header) are all empty."""
    filled = functools.reduce(pc.or_, [pc.is_valid(data[n]) for n in header])
    if not pc.all(filled).as_py():
        data = data.filter(filled)
    columns = [data["row_no"]]
    for name in SPECS[table].names:
        columns.append(data[name] if name in header else pa.nulls(data.num_rows, pa.string()))
    return pa.table(columns, names=["row_no", *SPECS[table].names])


# -- checks ------------------------------------------------------------------------------------

# The columns of a problem row, as in the rb_problems table.
_PROBLEM_COLUMNS = ("t_order", "file", "row", "c_order", "col", "value", "reason", "detail")
# What spaces around a value are, in SQL (the same set as validation.core.WS).
_EDGE = r"[\t\n\v\f\r \x{a0}]"


def _create_work_tables(cur) -> None:
    # Trimming is the hot path of the import; only values with spaces at an edge pay for it.
    cur.execute(
        "CREATE OR REPLACE TEMP MACRO rb_trim(x) AS"
        f" CASE WHEN regexp_matches(x, '^{_EDGE}|{_EDGE}$') THEN trim(x, '{WS}') ELSE x END"
    )
    # A person list: ';'-separated ids, spaces around ids and empty items ignored. Lists
    # without any of those (nearly all) take the fast plain split.
    edge = _EDGE[1:-1]
    cur.execute(
        "CREATE OR REPLACE TEMP MACRO rb_ids_slow(x) AS"
        f" CASE WHEN regexp_replace(x, '^[;{edge}]+|[;{edge}]+$', '', 'g') <> ''"
        f" THEN regexp_split_to_array(regexp_replace(x, '^[;{edge}]+|[;{edge}]+$', '', 'g'),"
        f" '{_EDGE}*;[;{edge}]*') END"
    )
    cur.execute(
        "CREATE OR REPLACE TEMP MACRO rb_ids(x) AS CASE WHEN x IS NULL OR x = '' THEN NULL"
        f" WHEN regexp_matches(x, '^[;{edge}]|[;{edge}]$|{_EDGE};|;{_EDGE}|;;') THEN rb_ids_slow(x)"
        " ELSE string_split(x, ';') END"
    )
    cur.execute(
        "CREATE TEMP TABLE rb_problems (t_order INTEGER, file VARCHAR, row BIGINT,"
        " c_order INTEGER, col VARCHAR, value VARCHAR, reason VARCHAR, detail VARCHAR)"
    )


def _cell_problems(
    spec: TableSpec, label: str, staged: _Staged, order: int, reader
) -> pd.DataFrame:
    """The table's pandera schema over the staged text, CHUNK_ROWS rows at a time: one
    problem row per failure (columns as rb_problems). Duplicate keys are checked in SQL."""
    found = []
    for batch in staged.batches(reader):
        failures = _schema_failures(spec, batch.to_pandas().set_index("row_no"))
        if len(failures):
            found.append(failures)
    if not found:
        return pd.DataFrame(columns=_PROBLEM_COLUMNS)
    out = pd.concat(found, ignore_index=True)
    positions = {name: i for i, name in enumerate(spec.names)}
    out["t_order"] = order
    out["file"] = label
    out["c_order"] = [positions[c.split(",")[0]] for c in out["col"]]
    out["value"] = out["value"].fillna("")
    return out[list(_PROBLEM_COLUMNS)]


def _normalised_key(spec: TableSpec) -> list[str]:
    """SQL of the key cells as compared for uniqueness (validation.core.normalised_key: spaces
    trimmed, codes lower-case, empty for a missing cell)."""
    return [
        f"lower(rb_trim(coalesce(r.{k}, '')))"
        if spec.col(k).kind == "code"
        else f"rb_trim(coalesce(r.{k}, ''))"
        for k in spec.key
    ]


def _check_duplicates(cur, table: str, label: str, order: int) -> None:
    """Rows whose key occurred on an earlier row, with the row number of that first row (as
    validation.core.duplicates; rows with an empty key cell are left to the `required`
    check), set-based over the whole table: only keys that occur twice are joined back."""
    spec = SPECS[table]
    keys = [f"rb_key_{i}" for i in range(len(spec.key))]
    complete = " AND ".join(f"{k} <> ''" for k in keys)
    cur.execute(
        "INSERT INTO rb_problems SELECT $order, $file, c.row_no, $c_order, $col, c.rb_shown,"
        " 'duplicate_key', CAST(d.first AS VARCHAR)"
        f" FROM clean_{table} c JOIN (SELECT {', '.join(keys)}, min(row_no) AS first"
        f"  FROM clean_{table} WHERE {complete} GROUP BY ALL HAVING count(*) > 1) d"
        f" USING ({', '.join(keys)}) WHERE c.row_no > d.first",
        {
            "order": order,
            "file": label,
            "c_order": spec.names.index(spec.key[0]),
            "col": ", ".join(spec.key),
        },
    )


def _schema_failures(spec: TableSpec, df: pd.DataFrame) -> pd.DataFrame:
    """Problem rows (row, col, value, reason, detail) of the pandera schema without the key check."""
    try:
        spec.row_schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    else:
        return pd.DataFrame()
    cells = fc[fc["schema_context"] == "Column"]
    out = pd.DataFrame(
        {
            "row": cells["index"].astype("int64"),
            "col": cells["column"].astype(str),
            # an empty cell is shown as empty, whatever spaces or ';' it held
            "value": cells["failure_case"].astype(str).where(cells["check"] != "required", ""),
            "reason": cells["check"].astype(str),
        }
    )
    wide = fc[fc["schema_context"] == "DataFrameSchema"].drop_duplicates(["check", "index"])
    if len(wide):
        cols = wide["check"].map(lambda name: spec.rule(name).column)
        rows = wide["index"].astype("int64")
        values = [df.at[r, c] for r, c in zip(rows, cols)]
        rules = pd.DataFrame({"row": rows, "col": cols, "value": values, "reason": wide["check"]})
        out = pd.concat([out, rules])
    out["detail"] = [
        ", ".join(spec.col(c).codes) if reason == "code" else None
        for c, reason in zip(out["col"], out["reason"])
    ]
    return out


def _to_value(col: Col) -> str:
    """SQL turning a text cell into its stored value; NULL where the schema refused it."""
    c = f"r.{col.name}"
    if col.kind == "text":
        return f"NULLIF({c}, '')"
    if col.ref == "person_or_student":  # the word `student` in any case, else a person id
        word = f"lower(rb_trim({c}))"
        return f"CASE WHEN {word} = 'student' THEN 'student' ELSE NULLIF(rb_trim({c}), '') END"
    if col.kind == "id":
        return f"NULLIF(rb_trim({c}), '')"
    if col.kind == "code":
        return f"NULLIF(lower(rb_trim({c})), '')"
    if col.kind == "date":
        return f"TRY_CAST(rb_trim({c}) AS DATE)"
    if col.kind == "bool":
        yes = ", ".join(f"'{w}'" for w in TRUE_WORDS)
        no = ", ".join(f"'{w}'" for w in FALSE_WORDS)
        word = f"lower(rb_trim({c}))"
        return f"CASE WHEN {word} IN ({yes}) THEN true WHEN {word} IN ({no}) THEN false END"
    if col.kind == "posint":
        return f"TRY_CAST(rb_trim({c}) AS INTEGER)"
    if col.kind == "posnumber":
        return f"TRY_CAST(replace(rb_trim({c}), ',', '.') AS DOUBLE)"
    return f"rb_ids({c})"  # ids


def _read_rows(
    cur, table: str, source: str, params: dict, extra: list[str], numbered: bool = False
) -> None:
    """rb_rows_<table> from `source` (a query of the spec's columns as text and rb_filled, in
    file order; and row_no when `numbered`): the stored values, the normalised
    key (rb_key_<i>) and the key as written (rb_shown) for the duplicate check, and the
    `extra` columns as they are."""
    spec = SPECS[table]
    values = ", ".join(f"{_to_value(c)} AS {c.name}" for c in spec.columns)
    keys = ", ".join(f"{sql} AS rb_key_{i}" for i, sql in enumerate(_normalised_key(spec)))
    shown = " || ', ' || ".join(f"coalesce(r.{k}, '')" for k in spec.key)
    more = "".join(f", r.{name}" for name in extra)
    row_no = "r.row_no, " if numbered else ""
    cur.execute(
        f"CREATE TEMP TABLE rb_rows_{table} AS SELECT {row_no}{values}, {keys},"
        f" {shown} AS rb_shown{more}, r.rb_filled FROM ({source}) r",
        params,
    )


def _define_clean(cur, table: str, numbering: tuple[str, str], with_store: bool) -> None:
    """clean_<table>: row_no and the columns of rb_rows_<table> for the rows with a filled
    cell, and each row's state against the stored row with the same key: 'new', 'changed' or
    NULL (equal); all 'new' without a store or with an empty table (then a view: nothing is
    copied)."""
    spec = SPECS[table]
    row_no, source = numbering
    rows = (
        f"SELECT {row_no} AS row_no, r.* EXCLUDE (rb_filled"
        + (", row_no" if row_no == "r.row_no" else "")
        + f") FROM {source} WHERE r.rb_filled"
    )
    if (
        not with_store
        or not cur.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchone()[0]
    ):
        cur.execute(f"CREATE TEMP VIEW clean_{table} AS SELECT *, 'new' AS rb_state FROM ({rows})")
        return
    on_key = " AND ".join(f"s.{k} = n.{k}" for k in spec.key)
    differs = " OR ".join(f"s.{c} IS DISTINCT FROM n.{c}" for c in spec.names if c not in spec.key)
    cur.execute(
        f"CREATE TEMP TABLE clean_{table} AS SELECT n.*, CASE WHEN s.{spec.key[0]} IS NULL"
        f" THEN 'new' WHEN {differs} THEN 'changed' END AS rb_state"
        f" FROM ({rows}) n LEFT JOIN {table} s ON {on_key}"
    )


def _check_references(
    cur, labels: dict[str, str], broken: set[str], orders: dict[str, int]
) -> None:
    """Every reference of the staged tables, set-based, against the files and the store.

    A table whose file could not be read (`broken`) is no reference: checking against it
    would only repeat that problem for every row.
    """
    if "students" not in broken:
        cur.execute(
            "CREATE TEMP TABLE rb_students AS SELECT student_id AS id FROM students"
            + (" UNION SELECT student_id FROM clean_students" if "students" in labels else "")
        )
    if "staff" not in broken:
        cur.execute(
            "CREATE TEMP TABLE rb_persons AS SELECT person_id AS id FROM staff"
            + (" UNION SELECT person_id FROM clean_staff" if "staff" in labels else "")
        )
    if "placements" not in broken:
        cur.execute(
            "CREATE TEMP TABLE rb_placements AS SELECT placement_id AS id, student_id FROM placements"
            + (
                " WHERE placement_id NOT IN (SELECT placement_id FROM clean_placements"
                "  WHERE placement_id IS NOT NULL)"
                " UNION ALL SELECT placement_id, student_id FROM clean_placements"
                if "placements" in labels
                else ""
            )
        )
    universes = {
        "student": "students",
        "person": "staff",
        "person_or_student": "staff",
        "placement": "placements",
    }
    for table, label in labels.items():
        spec = SPECS[table]
        for c_order, col in enumerate(spec.columns):
            if col.ref is None or universes[col.ref] in broken:
                continue
            params = {"t_order": orders[table], "file": label, "c_order": c_order, "col": col.name}
            cur.execute(_reference_sql(table, col), params)
    if "placements" in labels and "placements" not in broken:
        _check_moved_placements(cur, labels, orders)


def _reference_sql(table: str, col: Col) -> str:
    """INSERT of the problems of one referring column (values already trimmed in clean_*)."""
    head = "INSERT INTO rb_problems SELECT $t_order, $file, r.row_no, $c_order, $col, "
    c = col.name
    if col.ref == "placement":
        return (
            head + f"r.{c}, CASE WHEN p.id IS NULL THEN 'unknown_placement'"
            " ELSE 'placement_other_student' END, p.student_id"
            f" FROM clean_{table} r LEFT JOIN rb_placements p ON p.id = r.{c}"
            f" WHERE r.{c} IS NOT NULL AND (p.id IS NULL OR p.student_id <> r.student_id)"
        )
    universe = "rb_students" if col.ref == "student" else "rb_persons"
    if col.kind == "ids":
        return (
            head + "r.cell, 'unknown_person_in_list', r.id"
            f" FROM (SELECT row_no, array_to_string({c}, ';') AS cell, unnest({c}) AS id"
            f" FROM clean_{table}) r"
            f" ANTI JOIN {universe} u ON u.id = r.id"
        )
    reason = "unknown_student" if col.ref == "student" else "unknown_person"
    student = f" AND r.{c} <> 'student'" if col.ref == "person_or_student" else ""
    return (
        head + f"r.{c}, '{reason}', NULL FROM clean_{table} r"
        f" ANTI JOIN {universe} u ON u.id = r.{c} WHERE r.{c} IS NOT NULL{student}"
    )


def _check_moved_placements(cur, labels: dict[str, str], orders: dict[str, int]) -> None:
    """A re-imported placement may not move to another student while stored contacts or
    agreements (not re-imported now) of the old student still point at it."""
    for table, key in (("contacts", "contact_id"), ("agreements", "agreement_id")):
        exclude = (
            f" AND s.{key} NOT IN (SELECT {key} FROM clean_{table} WHERE {key} IS NOT NULL)"
            if table in labels
            else ""
        )
        cur.execute(
            "INSERT INTO rb_problems SELECT DISTINCT $t_order, $file, r.row_no, 1, 'student_id',"
            " r.student_id, 'placement_moved', s.student_id"
            f" FROM clean_placements r JOIN {table} s ON s.placement_id = r.placement_id"
            " WHERE s.student_id <> r.student_id" + exclude,
            {"t_order": orders["placements"], "file": labels["placements"]},
        )


_ORDER = ["t_order", "row", "c_order", "reason", "detail"]  # how problems are listed


def _sql_problems(cur) -> tuple[pd.DataFrame, int]:
    """The first MAX_SHOWN problems found in SQL (rb_problems), and how many there are."""
    total = cur.execute("SELECT count(*) FROM rb_problems").fetchone()[0]
    first = cur.execute(
        "SELECT * FROM rb_problems ORDER BY t_order, row NULLS FIRST, c_order, reason, detail"
        " LIMIT $n",
        {"n": MAX_SHOWN},
    ).df()
    return first, total


def _merged(first: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """The first MAX_SHOWN of two sets of problem rows together, in listing order."""
    cells = cells.sort_values(_ORDER).head(MAX_SHOWN)
    both = pd.concat([df for df in (first, cells) if len(df)]) if len(first) + len(cells) else first
    return both.sort_values(_ORDER, na_position="first", kind="stable").head(MAX_SHOWN)


def _as_problems(rows: pd.DataFrame, lang: str) -> list[Problem]:
    return [
        _problem(
            r.file,
            r.reason,
            lang,
            row=None if pd.isna(r.row) else int(r.row),
            column=None if pd.isna(r.col) else r.col,
            value=None if pd.isna(r.value) else r.value,
            detail="" if pd.isna(r.detail) else r.detail,
        )
        for r in rows.itertuples()
    ]


# -- the check pipeline, shared by import and validate ----------------------------------------


@dataclass
class _Checked:
    labels: dict[str, str]  # table -> file (or sheet) it came from, in table order
    problems: list[Problem]  # the first MAX_SHOWN
    total: int
    counts: dict[str, int]
    written: dict[str, TableCount] | None  # what `write` did, when it ran


def _check(cur, files: list[tuple[Path, str]], lang: str, with_store: bool, write=None) -> _Checked:
    """Stage and check `files` on cursor `cur`; then, if the checks in SQL found nothing,
    run `write(cur, labels)` while the cell checks (pandas) finish in a second thread.

    Writing before the last check is safe because the caller holds one transaction and
    rolls it back when any problem turns up; it overlaps the two slowest steps.
    """
    _create_work_tables(cur)
    sources, file_problems = _sources(files, lang)
    if not files:
        file_problems.append(_problem("-", "no_files", lang))
    orders = {t: i for i, t in enumerate(TABLES)}
    labels: dict[str, str] = {}
    broken: set[str] = set()
    written, write_error = None, None
    reader = duckdb.connect(config={"memory_limit": CHECKER_MEMORY, "threads": 1})
    with closing(reader), ThreadPoolExecutor(max_workers=1) as pool:
        cell_jobs = []
        for src in sorted(sources, key=lambda s: orders[s.table]):
            if src.path is not None:
                staged, found = _stage_csv(cur, src, orders[src.table], lang, with_store)
            else:
                staged, found = _stage_rows(cur, src, lang, with_store)
            file_problems += found
            if found or staged is None:
                broken.add(src.table)
            if staged is not None:
                labels[src.table] = src.label
                spec, order = SPECS[src.table], orders[src.table]
                job = pool.submit(_cell_problems, spec, src.label, staged, order, reader)
                cell_jobs.append(job)
                _check_duplicates(cur, src.table, src.label, order)
        counts = {t: cur.execute(f"SELECT count(*) FROM clean_{t}").fetchone()[0] for t in labels}
        if with_store:
            _check_references(cur, labels, broken, orders)
        found_sql, sql_total = _sql_problems(cur)
        if write is not None and not file_problems and not sql_total:
            try:
                written = write(cur, labels)
            except duckdb.ConstraintException as exc:  # a bad cell; the cell checks name it
                write_error = exc
        cell_frames = [f for f in (job.result() for job in cell_jobs) if len(f)]
    cell_rows = pd.concat(cell_frames, ignore_index=True) if cell_frames else found_sql.head(0)
    if write_error is not None and not len(cell_rows):
        raise write_error  # the store refused what the checks let through: a bug, not bad input
    first, total = _merged(found_sql, cell_rows), sql_total + len(cell_rows)
    # File-level problems come first: they explain why a file's rows were not checked.
    problems = (file_problems + _as_problems(first, lang))[:MAX_SHOWN]
    return _Checked(labels, problems, total + len(file_problems), counts, written)


def _refused(problems: list[Problem], total: int, lang: str) -> Invalid:
    more = total > len(problems)
    key = "refused_more" if more else "refused_one" if total == 1 else "refused"
    return Invalid(problems, i18n.t(f"interchange.{key}", lang, total=total, shown=len(problems)))


# -- writing -------------------------------------------------------------------------------------


def _write_table(cur, table: str, label: str) -> TableCount:
    """Insert the new rows of clean_<table> and update the changed ones."""
    spec = SPECS[table]
    cols = ", ".join(spec.names)
    rows, new, changed = cur.execute(
        "SELECT count(*), count(*) FILTER (rb_state = 'new'),"
        f" count(*) FILTER (rb_state = 'changed') FROM clean_{table}"
    ).fetchone()
    if new:
        cur.execute(
            # in key order: filling the key's index that way is faster
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM clean_{table}"
            f" WHERE rb_state = 'new' ORDER BY {', '.join(spec.key)}"
        )
    if changed:
        sets = ", ".join(f"{c} = n.{c}" for c in spec.names if c not in spec.key)
        on_key = " AND ".join(f"{table}.{k} = n.{k}" for k in spec.key)
        cur.execute(
            f"UPDATE {table} SET {sets} FROM clean_{table} n WHERE n.rb_state = 'changed' AND {on_key}"
        )
    return TableCount(label, rows, new, changed)


# -- public: import ------------------------------------------------------------------------------


def import_files(
    store: Store, user: User, paths: Iterable[Path | str], lang: str = i18n.DEFAULT_LANGUAGE
) -> ImportResult:
    """Import interchange CSV files and/or .xlsx workbooks (a folder stands for the files in it).

    All or nothing: raises Invalid(problems) and writes nothing when anything is wrong.
    """
    access.ensure(user, "import_export")
    files = [(p, p.name if p.exists() else str(p)) for p in _expand(paths)]
    return _import(store, files, user.actor, lang)


def _expand(paths: Iterable[Path | str]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.iterdir() if q.suffix.lower() in (".csv", ".xlsx"))
        else:
            out.append(p)
    return out


def _import(
    store: Store, files: list[tuple[Path, str]], actor: str, lang: str, refused=()
) -> ImportResult:
    """Check and write `files` in one transaction; `refused` are problems found before."""

    def write(cur, labels: dict[str, str]) -> dict[str, TableCount]:
        return {t: _write_table(cur, t, label) for t, label in labels.items()}

    with store.write() as tx:
        tx.touch_all()
        # Staging and merging files is DuckDB work (read_csv, temp tables): the Tx's escape hatch.
        checked = _check(tx.duckdb, files, lang, with_store=True, write=None if refused else write)
        if checked.total or refused:
            problems = [*refused, *checked.problems][:MAX_SHOWN]
            raise _refused(problems, checked.total + len(refused), lang)
        counts = checked.written
        audit.record_many(
            tx,
            [audit.Import(actor, t, c.file, c.rows, c.new, c.changed) for t, c in counts.items()],
        )
    return ImportResult(counts, lang)


def _upload_files(
    files: dict[str, bytes], folder: Path, lang: str
) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Write uploads to `folder` under safe names; refuse oversized ones."""
    out, problems = [], []
    for i, (name, data) in enumerate(files.items()):
        label = Path(name.replace("\\", "/")).name or "?"
        if len(data) > MAX_UPLOAD_BYTES:
            mb = f"{len(data) / 1024 / 1024:.0f}"
            problems.append(
                _problem(label, "too_large", lang, size=mb, limit=MAX_UPLOAD_BYTES // (1024 * 1024))
            )
            continue
        suffix = Path(label).suffix.lower()
        path = folder / f"upload_{i}{suffix if suffix in ('.csv', '.xlsx') else '.bin'}"
        path.write_bytes(data)
        out.append((path, label))
    return out, problems


def validate_upload(
    store: Store | None, user: User, files: dict[str, bytes], lang: str = i18n.DEFAULT_LANGUAGE
) -> ValidationReport:
    """Check uploaded files (name -> bytes) without writing anything.

    With `store`, references to stored students, staff and placements are checked too (the
    full check the import does); without it only the files themselves are checked.
    """
    access.ensure(user, "import_export")
    with tempfile.TemporaryDirectory(prefix="regiebord-upload-") as tmp:
        paths, size_problems = _upload_files(files, Path(tmp), lang)
        if size_problems and not paths:
            return ValidationReport(size_problems, len(size_problems), {})
        if store is None:
            con = duckdb.connect()
            try:
                checked = _check(con, paths, lang, with_store=False)
            finally:
                con.close()
        else:
            with store.read() as cur:
                checked = _check(cur, paths, lang, with_store=True)
    problems = (size_problems + checked.problems)[:MAX_SHOWN]
    return ValidationReport(problems, checked.total + len(size_problems), checked.counts)


def import_upload(
    store: Store, user: User, files: dict[str, bytes], lang: str = i18n.DEFAULT_LANGUAGE
) -> ImportResult:
    """The import of uploaded files (name -> bytes), with the same rules as import_files."""
    access.ensure(user, "import_export")
    with tempfile.TemporaryDirectory(prefix="regiebord-upload-") as tmp:
        paths, size_problems = _upload_files(files, Path(tmp), lang)
        if size_problems and not paths:
            raise _refused(size_problems, len(size_problems), lang)
        return _import(store, paths, user.actor, lang, refused=size_problems)


# -- public: export ------------------------------------------------------------------------------


def _to_text(col: Col) -> str:
    c = col.name
    if col.kind == "bool":
        return f"CASE WHEN {c} THEN 'yes' WHEN NOT {c} THEN 'no' END"
    if col.kind in ("date", "posint", "posnumber"):
        return f"CAST({c} AS VARCHAR)"
    if col.kind == "ids":
        return f"NULLIF(array_to_string({c}, ';'), '')"
    return f"NULLIF({c}, '')"


def export_query(table: str) -> str:
    """SELECT of one table as its interchange file holds it (columns in spec order, key order)."""
    spec = SPECS[table]
    cols = ", ".join(f"{_to_text(c)} AS {c.name}" for c in spec.columns)
    return f"SELECT {cols} FROM {table} ORDER BY {', '.join(spec.key)}"


def _write_exports(store: Store, out_dir: Path) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    with store.read() as cur:
        cur.execute("BEGIN TRANSACTION")  # one snapshot for every table
        try:
            for table in TABLES:
                final = out_dir / f"{table}.csv"
                part = out_dir / f".{table}.csv.part"
                cur.execute(
                    f"COPY ({export_query(table)}) TO $path (FORMAT csv, HEADER true,"
                    " DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULLSTR '')",
                    {"path": str(part)},
                )
                os.replace(part, final)
                counts[table] = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            cur.execute("COMMIT")
    return counts


def _audit_export(store: Store, actor: str, counts: dict[str, int], form: str) -> None:
    with store.write(audit_only=True) as tx:
        audit.record(tx, audit.Export(actor, counts, form))


def export_all(store: Store, user: User, out_dir: Path | str) -> list[Path]:
    """Write every table as <out_dir>/<table>.csv (docs/interchange.md, export rules).

    Byte-stable: the same data gives the same bytes. Lossless on purpose: text that looks like
    a formula (`=SUM(`) is written as is, because this is a data format, not a list for people.
    """
    access.ensure(user, "import_export")
    out_dir = Path(out_dir)
    counts = _write_exports(store, out_dir)
    _audit_export(store, user.actor, counts, "csv")
    return [out_dir / f"{t}.csv" for t in TABLES]


def export_zip(store: Store, user: User) -> bytes:
    """The same files as export_all, zipped (fixed timestamps, so equal data gives equal bytes)."""
    access.ensure(user, "import_export")
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="regiebord-export-") as tmp:
        counts = _write_exports(store, Path(tmp))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for table in TABLES:
                info = zipfile.ZipInfo(f"{table}.csv", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, (Path(tmp) / f"{table}.csv").read_bytes())
    _audit_export(store, user.actor, counts, "zip")
    return buffer.getvalue()
