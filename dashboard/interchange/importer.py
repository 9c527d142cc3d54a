"""The import: all or nothing, inside one write transaction, and its dry run for uploads.

Every file is staged and checked (staging, checks). The cell checks run in a second thread
on rows that thread reads from the file itself with a small DuckDB of its own; meanwhile the
main thread checks duplicate keys and references in SQL. When the SQL checks find nothing,
the rows are written before the cell checks end (the two slowest steps overlap); any problem
at all rolls the transaction back, so nothing is written, and raises `Invalid` with the
problems (the first MAX_SHOWN in file/row/column order; the message gives the total). Rows
are upserts by key: new keys are inserted, changed rows updated, equal rows left alone, so
importing the same files twice changes nothing. One audit event per table holds the counts,
not the data.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from dashboard.codes import TABLES
from dashboard.interchange.checks import (
    as_problems,
    cell_problems,
    check_duplicates,
    check_references,
    merged,
    sql_problems,
)
from dashboard.interchange.conversion import create_work_tables
from dashboard.interchange.results import (
    MAX_SHOWN,
    ImportResult,
    TableCount,
    ValidationReport,
    refusal,
)
from dashboard.interchange.sources import find_sources
from dashboard.interchange.staging import stage_csv, stage_rows
from dashboard.problem import Problem, Where
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import Tx, aggregate_row
from validation.tables import SPECS

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # per uploaded file
CHECKER_MEMORY = "256MB"  # DuckDB memory of the cell checks' own CSV reader


# -- the check pipeline, shared by import and validate ----------------------------------------


@dataclass
class _Checked:
    labels: dict[str, Where]  # table -> file (or sheet) it came from, in table order
    problems: list[Problem]  # the first MAX_SHOWN
    total: int
    counts: dict[str, int]
    written: dict[str, TableCount] | None  # what `write` did, when it ran


def _check(cur, files: list[tuple[Path, str]], with_store: bool, write=None) -> _Checked:
    """Stage and check `files` on cursor `cur`; then, if the checks in SQL found nothing,
    run `write(cur, labels)` while the cell checks (pandas) finish in a second thread.

    Writing before the last check is safe because the caller holds one transaction and
    rolls it back when any problem turns up; it overlaps the two slowest steps.
    """
    create_work_tables(cur)
    sources, file_problems = find_sources(files)
    if not files:
        file_problems.append(Problem("interchange.reason.no_files", where=Where("-")))
    orders = {t: i for i, t in enumerate(TABLES)}
    labels: dict[str, Where] = {}
    broken: set[str] = set()
    written, write_error = None, None
    reader = duckdb.connect(config={"memory_limit": CHECKER_MEMORY, "threads": 1})
    with closing(reader), ThreadPoolExecutor(max_workers=1) as pool:
        cell_jobs = []
        for src in sorted(sources, key=lambda s: orders[s.table]):
            if src.path is not None:
                staged, found = stage_csv(cur, src, orders[src.table], with_store)
            else:
                staged, found = stage_rows(cur, src, with_store)
            file_problems += found
            if found or staged is None:
                broken.add(src.table)
            if staged is not None:
                labels[src.table] = src.where
                spec, order = SPECS[src.table], orders[src.table]
                job = pool.submit(cell_problems, spec, staged, order, reader)
                cell_jobs.append(job)
                check_duplicates(cur, src.table, order)
        counts = {t: cur.execute(f"SELECT count(*) FROM clean_{t}").fetchone()[0] for t in labels}
        if with_store:
            check_references(cur, labels, broken, orders)
        found_sql, sql_total = sql_problems(cur)
        if write is not None and not file_problems and not sql_total:
            try:
                written = write(cur, labels)
            # A bad cell (PostgreSQL refuses some values DuckDB holds, e.g. a NUL character);
            # the cell checks name it.
            except (duckdb.ConstraintException, duckdb.ConversionException) as exc:
                write_error = exc
        cell_frames = [f for f in (job.result() for job in cell_jobs) if len(f)]
    cell_rows = pd.concat(cell_frames, ignore_index=True) if cell_frames else found_sql.head(0)
    if write_error is not None and not len(cell_rows):
        raise write_error  # the store refused what the checks let through: a bug, not bad input
    first, total = merged(found_sql, cell_rows), sql_total + len(cell_rows)
    # File-level problems come first: they explain why a file's rows were not checked.
    problems = (file_problems + as_problems(first, labels))[:MAX_SHOWN]
    return _Checked(labels, problems, total + len(file_problems), counts, written)


# -- writing -------------------------------------------------------------------------------------


def _write_table(tx: Tx, table: str, source: Where) -> TableCount:
    """Insert the new rows of clean_<table> (a staged table on `tx.duckdb`) and update the
    changed ones."""
    spec = SPECS[table]
    cols = ", ".join(spec.names)
    rows, new, changed = aggregate_row(
        tx.duckdb,
        "SELECT count(*), count(*) FILTER (rb_state = 'new'),"
        f" count(*) FILTER (rb_state = 'changed') FROM clean_{table}",
    )
    if new:
        tx.insert_from(
            table,
            spec.names,
            # in key order: filling the key's index that way is faster
            f"SELECT {cols} FROM clean_{table} WHERE rb_state = 'new'"
            f" ORDER BY {', '.join(spec.key)}",
        )
    if changed:
        tx.update_from(
            table,
            spec.key,
            spec.names,
            f"SELECT {cols} FROM clean_{table} WHERE rb_state = 'changed'",
        )
    return TableCount(source.file or "", source.sheet, rows, new, changed)  # sources have a file


# -- public: import ------------------------------------------------------------------------------


def import_files(store: Store, user: User, paths: Iterable[Path | str]) -> ImportResult:
    """Import interchange CSV files and/or .xlsx workbooks (a folder stands for the files in it).

    All or nothing: raises Invalid(problems) and writes nothing when anything is wrong.
    """
    access.ensure(user, "import_export")
    files = [(p, p.name if p.exists() else str(p)) for p in _expand(paths)]
    return _import(store, files, user.actor)


def _expand(paths: Iterable[Path | str]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.iterdir() if q.suffix.lower() in (".csv", ".xlsx"))
        else:
            out.append(p)
    return out


def _import(store: Store, files: list[tuple[Path, str]], actor: str, refused=()) -> ImportResult:
    """Check and write `files` in one transaction; `refused` are problems found before."""

    with store.write() as tx:

        def write(cur, labels: dict[str, Where]) -> dict[str, TableCount]:
            return {t: _write_table(tx, t, source) for t, source in labels.items()}

        tx.touch_all()
        # Staging and merging files is DuckDB work (read_csv, temp tables): the Tx's escape hatch.
        checked = _check(tx.duckdb, files, with_store=True, write=None if refused else write)
        if checked.total or refused:
            problems = [*refused, *checked.problems][:MAX_SHOWN]
            raise refusal(problems, checked.total + len(refused))
        counts = checked.written
        assert counts is not None, "no problems were found, so `write` ran"
        audit.record_many(
            tx,
            [
                audit.Import(actor, t, c.file, c.sheet, c.rows, c.new, c.changed)
                for t, c in counts.items()
            ],
        )
    return ImportResult(counts)


def _upload_files(
    files: dict[str, bytes], folder: Path
) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Write uploads to `folder` under safe names; refuse oversized ones."""
    out, problems = [], []
    for i, (name, data) in enumerate(files.items()):
        label = Path(name.replace("\\", "/")).name or "?"
        if len(data) > MAX_UPLOAD_BYTES:
            mb = f"{len(data) / 1024 / 1024:.0f}"
            problems.append(
                Problem(
                    "interchange.reason.too_large",
                    {"size": mb, "limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
                    Where(label),
                )
            )
            continue
        suffix = Path(label).suffix.lower()
        path = folder / f"upload_{i}{suffix if suffix in ('.csv', '.xlsx') else '.bin'}"
        path.write_bytes(data)
        out.append((path, label))
    return out, problems


def validate_upload(store: Store | None, user: User, files: dict[str, bytes]) -> ValidationReport:
    """Check uploaded files (name -> bytes) without writing anything.

    With `store`, references to stored students, staff and placements are checked too (the
    full check the import does); without it only the files themselves are checked.
    """
    access.ensure(user, "import_export")
    with tempfile.TemporaryDirectory(prefix="regiebord-upload-") as tmp:
        paths, size_problems = _upload_files(files, Path(tmp))
        if size_problems and not paths:
            return ValidationReport(size_problems, len(size_problems), {})
        if store is None:
            con = duckdb.connect()
            try:
                checked = _check(con, paths, with_store=False)
            finally:
                con.close()
        else:
            with store.read() as cur:
                checked = _check(cur, paths, with_store=True)
    problems = (size_problems + checked.problems)[:MAX_SHOWN]
    return ValidationReport(problems, checked.total + len(size_problems), checked.counts)


def import_upload(store: Store, user: User, files: dict[str, bytes]) -> ImportResult:
    """The import of uploaded files (name -> bytes), with the same rules as import_files."""
    access.ensure(user, "import_export")
    with tempfile.TemporaryDirectory(prefix="regiebord-upload-") as tmp:
        paths, size_problems = _upload_files(files, Path(tmp))
        if size_problems and not paths:
            raise refusal(size_problems, len(size_problems))
        return _import(store, paths, user.actor, refused=size_problems)
