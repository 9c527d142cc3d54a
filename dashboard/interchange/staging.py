"""Staging: each source into a temporary table clean_<table> of stored values.

DuckDB reads each CSV file and converts its rows to their stored types as it reads (with
spreadsheet row numbers); a .xlsx sheet becomes an Arrow table first. The text never sits in
Python, so the import's memory stays within the store's limit (DuckDB spills to disk beyond
REGIEBORD_MEMORY_LIMIT). The header is checked first: extra, doubled or missing columns make
the file unreadable, and its rows are not checked.

Deliberate leniencies: a ';'-separated CSV (what Dutch Excel writes) is read as such; a
header-only file is a table with no rows (so an export of an empty table imports again);
rows whose cells are all empty and blank lines are ignored; a column without a name is
allowed when all its cells are empty. A missing optional column means empty for every row:
the file is the truth for the rows it holds.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.interchange.conversion import define_clean, read_rows
from dashboard.interchange.sources import Source
from dashboard.problem import Problem
from validation.core import WS
from validation.tables import SPECS

CHUNK_ROWS = 200_000  # rows per pandera validation step (bounds memory)
_READ_BLOCK = 16 * 1024 * 1024


_NO_NAME = "rb_unnamed_"


def _unnamed_column(src: Source, name: str, row: int) -> Problem:
    """A column without a name that holds something, first at `row`."""
    position = int(name.removeprefix(_NO_NAME))
    return Problem(
        "interchange.reason.unnamed_column", {"position": position}, src.where.at(row=row)
    )


def _check_header(src: Source, cells: list[str]) -> tuple[list[str] | None, list[Problem]]:
    """The normalised column names of a header (unnamed ones as rb_unnamed_<position>), or
    None with the problems that make the file unreadable."""
    spec = SPECS[src.table]
    names = [c.strip(WS).lower() for c in cells]
    if not any(names):
        return None, [Problem("interchange.reason.no_header", where=src.where)]
    problems = []
    allowed = ", ".join(spec.names)
    for i, name in enumerate(names):
        if name and names.index(name) != i:
            problems.append(
                Problem("interchange.reason.duplicate_column", where=src.where.at(column=name))
            )
        elif name and name not in spec.names:
            problems.append(
                Problem(
                    "interchange.reason.unknown_column",
                    {"allowed": allowed},
                    src.where.at(column=cells[i].strip(WS)),
                )
            )
    for name in spec.required:
        if name not in names:
            problems.append(
                Problem("interchange.reason.missing_column", where=src.where.at(column=name))
            )
    if problems:
        return None, problems
    return [n or f"{_NO_NAME}{i + 1}" for i, n in enumerate(names)], []


@dataclass
class _CsvScan:
    delimiter: str
    header: list[str]
    may_have_blank_lines: bool


def _scan_csv(src: Source, path: Path) -> tuple[_CsvScan | None, list[Problem]]:
    """Check the file is UTF-8 and find its header and separator, reading it once in blocks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = b""
    newlines = 0
    blank_hint = False
    tail = b""
    try:
        with open(path, "rb") as f:
            while block := f.read(_READ_BLOCK):
                if not first:
                    first = block[:1_048_576]
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    line = newlines + block.count(b"\n", 0, exc.start) + 1
                    return None, [Problem("interchange.reason.not_utf8", {"line": line}, src.where)]
                joined = tail + block
                blank_hint = blank_hint or b"\n\n" in joined or b"\n\r\n" in joined
                tail = block[-2:]
                newlines += block.count(b"\n")
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None, [Problem("interchange.reason.not_utf8", {"line": newlines + 1}, src.where)]
    except OSError as exc:
        return None, [
            Problem(
                "interchange.reason.unreadable",
                {"detail": exc.strerror or type(exc).__name__},
                src.where,
            )
        ]
    text = first.decode("utf-8", errors="ignore").removeprefix("\ufeff")
    if not text.strip(WS):
        return None, [Problem("interchange.reason.empty_file", where=src.where)]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return _CsvScan(delimiter, header, blank_hint), []


def _blank_records(path: Path, delimiter: str) -> list[int]:
    """Record numbers (header = 1) of blank lines, which DuckDB's reader skips silently."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 26))
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [n for n, rec in enumerate(csv.reader(f, delimiter=delimiter), start=1) if not rec]


REJECT_REASONS = {
    "MISSING COLUMNS": "missing_fields",
    "TOO MANY COLUMNS": "too_many_fields",
    "UNQUOTED VALUE": "bad_quotes",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "INVALID ENCODING": "not_utf8_row",
    "INVALID UNICODE": "not_utf8_row",
}


@dataclass
class Staged:
    """A staged table. DuckDB holds it as clean_<table>: row_no and the stored values of
    every row that has a filled cell (see define_clean); `batches(reader)`
    gives the same rows as text, Arrow tables of at most CHUNK_ROWS rows (row_no and the
    spec's columns), for the cell checks in the second thread."""

    batches: Callable[[duckdb.DuckDBPyConnection], Iterator[pa.Table]]  # given the reader


def _read_csv_sql(scan: _CsvScan) -> str:
    return (
        "SELECT * FROM read_csv($path, header = true, delim = $delim, quote = '\"',"
        " escape = '\"', columns = $columns, auto_detect = false, store_rejects = true,"
        " rejects_table = $rejects, rejects_scan = $scans)"
    )


def _read_csv_params(src: Source, scan: _CsvScan, header: list[str]) -> dict:
    return {
        "path": str(src.path),
        "delim": scan.delimiter,
        "columns": {name: "VARCHAR" for name in header},
        "rejects": f"rb_rejects_{src.table}",
        "scans": f"rb_scans_{src.table}",
    }


def stage_csv(
    cur, src: Source, order: int, with_store: bool
) -> tuple[Staged | None, list[Problem]]:
    """Read a CSV file with DuckDB, converting as it reads, into clean_<table>.

    The text never sits in Python, and DuckDB keeps the rows within the store's memory limit
    (spilling to disk). The reader runs in parallel and keeps the file's order, so a row's
    position among the rows it kept is its rowid's offset; rows after a skipped line (blank or
    unreadable) get their numbers moved on by the skipped lines before them (_row_numbers).
    """
    path = src.path
    assert path is not None, "a CSV source has a path (an xlsx sheet goes to stage_rows)"
    scan, problems = _scan_csv(src, path)
    if scan is None:
        return None, problems
    header, problems = _check_header(src, scan.header)
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
        read_rows(cur, src.table, source, params, unnamed)
    except duckdb.Error as exc:
        return None, [
            Problem(
                "interchange.reason.unreadable", {"detail": str(exc).splitlines()[0]}, src.where
            )
        ]
    rejects = params["rejects"]
    cur.execute(
        "INSERT INTO rb_problems SELECT $order, $tbl, line, NULL, NULL, NULL,"
        " CASE error_type "
        + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in REJECT_REASONS.items())
        + " ELSE 'unreadable_row' END, min(error_message)"
        f" FROM {rejects} GROUP BY line, error_type",
        {"order": order, "tbl": src.table},
    )
    skipped = {r[0] for r in cur.execute(f"SELECT DISTINCT line FROM {rejects}").fetchall()}
    if scan.may_have_blank_lines:
        skipped |= set(_blank_records(path, scan.delimiter))
    define_clean(cur, src.table, _numbering(cur, src.table, skipped), with_store)
    for name in unnamed:
        row = cur.execute(
            f"SELECT min(row_no) FROM clean_{src.table} WHERE trim({name}, '{WS}') <> ''"
        ).fetchone()[0]
        if row is not None:
            problems.append(_unnamed_column(src, name, row))
    return Staged(lambda con: _csv_batches(con, src, scan, header, skipped)), problems


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


def _csv_batches(con, src: Source, scan: _CsvScan, header: list[str], skipped: set[int]):
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


def stage_rows(cur, src: Source, with_store: bool) -> tuple[Staged | None, list[Problem]]:
    """An xlsx sheet (small: uploads are limited): an Arrow table, then clean_<table>."""
    rows = src.rows or []
    if not rows or not any(rows[0][1:]):
        return None, [Problem("interchange.reason.empty_file", where=src.where)]
    header, problems = _check_header(src, list(rows[0][1:]))
    if header is None:
        return None, problems
    body = rows[1:]
    width = len(header)
    data = {"row_no": pa.array([r[0] for r in body], pa.int64())}
    for i, name in enumerate(header):
        data[name] = pa.array(
            [(r[i + 1] if i + 1 < len(r) else "") or None for r in body], pa.string()
        )
    raw, problems = _raw_table(src, header, pa.table(data))
    # Cells right of the header's last column belong to no column: refuse them when filled.
    stray = next((r[0] for r in body if any(v.strip(WS) for v in r[width + 1 :])), None)
    if stray is not None:
        problems.append(
            Problem("interchange.reason.cells_outside_header", where=src.where.at(row=stray))
        )
    cur.register(f"raw_{src.table}", raw)
    source = f"SELECT *, true AS rb_filled FROM raw_{src.table}"
    read_rows(cur, src.table, source, {}, [], numbered=True)
    cur.unregister(f"raw_{src.table}")
    define_clean(cur, src.table, ("r.row_no", f"rb_rows_{src.table} r"), with_store)
    return Staged(lambda _: iter(raw.to_batches(max_chunksize=CHUNK_ROWS))), problems


def _raw_table(src: Source, header: list[str], data: pa.Table) -> tuple[pa.Table, list[Problem]]:
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
            problems.append(_unnamed_column(src, name, row))
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
