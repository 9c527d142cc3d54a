"""The export: every table as the interchange contract says (docs/interchange.md), byte-stable,
so export -> import into an empty store -> export gives identical files.

The export is a lossless data format: cells starting with `=`, `+`, `-` or `@` are written
as they are, NOT neutralised against formula injection; lists meant for people do that, this
format must round-trip.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

from dashboard.codes import TABLES
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import scalar
from validation.core import Col
from validation.tables import SPECS


def _to_text(col: Col) -> str:
    c = col.name
    if col.kind == "bool":
        return f"CASE WHEN {c} THEN 'yes' WHEN NOT {c} THEN 'no' END"
    if col.kind == "posnumber":
        return _number_text(c)
    if col.kind in ("date", "posint"):
        return f"CAST({c} AS VARCHAR)"
    if col.kind == "ids":
        return f"NULLIF(array_to_string({c}, ';'), '')"
    return f"NULLIF({c}, '')"


def _number_text(c: str) -> str:
    """SQL writing the DOUBLE column `c` in its shortest exact decimal form: 4, 4.5, 0.0001.

    DuckDB's cast gives the shortest digits that read back as the same number, but writes
    `4.0` for 4 and an exponent for very small or large numbers (`1e-07`); a school's `4`
    must come back as `4`, so the '.0' goes and an exponent becomes a shifted decimal point.
    """
    s = f"CAST({c} AS VARCHAR)"
    mantissa = f"split_part({s}, 'e', 1)"
    digits = f"replace({mantissa}, '.', '')"
    point = (
        f"(length(split_part({mantissa}, '.', 1)) + TRY_CAST(split_part({s}, 'e', 2) AS INTEGER))"
    )
    return (
        f"CASE WHEN {c} IS NULL THEN NULL"
        f" WHEN NOT contains({s}, 'e') THEN regexp_replace({s}, '\\.0$', '')"
        f" WHEN {point} <= 0 THEN '0.' || repeat('0', -{point}) || {digits}"
        f" WHEN {point} >= length({digits})"
        f" THEN {digits} || repeat('0', {point} - length({digits}))"
        f" ELSE left({digits}, {point}) || '.' || substr({digits}, {point} + 1) END"
    )


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
                counts[table] = scalar(cur, f"SELECT count(*) FROM {table}")
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
