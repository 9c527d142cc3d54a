"""Checks of the staged tables: cells (the pandera schemas, in a second thread), duplicate
keys and every reference between the files and to the store (set-based, in SQL).

Problems found in SQL are rows of the temporary table rb_problems; the cell checks give
frames of the same columns; both are listed in file/row/column order, the first MAX_SHOWN.
"""

from __future__ import annotations

import pandas as pd
import pandera.errors

from dashboard.interchange.results import MAX_SHOWN
from dashboard.interchange.staging import Staged
from dashboard.problem import Problem, Where
from validation.core import Col, TableSpec
from validation.tables import SPECS

# The columns of a problem row, as in the rb_problems table.
_PROBLEM_COLUMNS = ("t_order", "tbl", "row", "c_order", "col", "value", "reason", "detail")


def cell_problems(spec: TableSpec, staged: Staged, order: int, reader) -> pd.DataFrame:
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
    out["tbl"] = spec.name
    out["c_order"] = [positions[c.split(",")[0]] for c in out["col"]]
    out["value"] = out["value"].fillna("")
    return out[list(_PROBLEM_COLUMNS)]


def check_duplicates(cur, table: str, order: int) -> None:
    """Rows whose key occurred on an earlier row, with the row number of that first row (as
    validation.core.duplicates; rows with an empty key cell are left to the `required`
    check), set-based over the whole table: only keys that occur twice are joined back."""
    spec = SPECS[table]
    keys = [f"rb_key_{i}" for i in range(len(spec.key))]
    complete = " AND ".join(f"{k} <> ''" for k in keys)
    cur.execute(
        "INSERT INTO rb_problems SELECT $order, $tbl, c.row_no, $c_order, $col, c.rb_shown,"
        " 'duplicate_key', CAST(d.first AS VARCHAR)"
        f" FROM clean_{table} c JOIN (SELECT {', '.join(keys)}, min(row_no) AS first"
        f"  FROM clean_{table} WHERE {complete} GROUP BY ALL HAVING count(*) > 1) d"
        f" USING ({', '.join(keys)}) WHERE c.row_no > d.first",
        {
            "order": order,
            "tbl": table,
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


def check_references(
    cur, labels: dict[str, Where], broken: set[str], orders: dict[str, int]
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
    for table in labels:
        spec = SPECS[table]
        for c_order, col in enumerate(spec.columns):
            if col.ref is None or universes[col.ref] in broken:
                continue
            params = {"t_order": orders[table], "tbl": table, "c_order": c_order, "col": col.name}
            cur.execute(_reference_sql(table, col), params)
    if "placements" in labels and "placements" not in broken:
        _check_moved_placements(cur, labels, orders)


def _reference_sql(table: str, col: Col) -> str:
    """INSERT of the problems of one referring column (values already trimmed in clean_*)."""
    head = "INSERT INTO rb_problems SELECT $t_order, $tbl, r.row_no, $c_order, $col, "
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


def _check_moved_placements(cur, labels: dict[str, Where], orders: dict[str, int]) -> None:
    """A re-imported placement may not move to another student while stored contacts or
    agreements (not re-imported now) of the old student still point at it."""
    for table, key in (("contacts", "contact_id"), ("agreements", "agreement_id")):
        exclude = (
            f" AND s.{key} NOT IN (SELECT {key} FROM clean_{table} WHERE {key} IS NOT NULL)"
            if table in labels
            else ""
        )
        cur.execute(
            "INSERT INTO rb_problems SELECT DISTINCT $t_order, $tbl, r.row_no, 1, 'student_id',"
            " r.student_id, 'placement_moved', s.student_id"
            f" FROM clean_placements r JOIN {table} s ON s.placement_id = r.placement_id"
            " WHERE s.student_id <> r.student_id" + exclude,
            {"t_order": orders["placements"], "tbl": "placements"},
        )


_ORDER = ["t_order", "row", "c_order", "reason", "detail"]  # how problems are listed


def sql_problems(cur) -> tuple[pd.DataFrame, int]:
    """The first MAX_SHOWN problems found in SQL (rb_problems), and how many there are."""
    total = cur.execute("SELECT count(*) FROM rb_problems").fetchone()[0]
    first = cur.execute(
        "SELECT * FROM rb_problems ORDER BY t_order, row NULLS FIRST, c_order, reason, detail"
        " LIMIT $n",
        {"n": MAX_SHOWN},
    ).df()
    return first, total


def merged(first: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """The first MAX_SHOWN of two sets of problem rows together, in listing order."""
    cells = cells.sort_values(_ORDER).head(MAX_SHOWN)
    both = pd.concat([df for df in (first, cells) if len(df)]) if len(first) + len(cells) else first
    return both.sort_values(_ORDER, na_position="first", kind="stable").head(MAX_SHOWN)


def as_problems(rows: pd.DataFrame, labels: dict[str, Where]) -> list[Problem]:
    """Problem rows as Problems, located in the file (or sheet) each table came from."""
    return [
        Problem(
            f"interchange.reason.{r.reason}",
            {"detail": "" if pd.isna(r.detail) else r.detail},
            labels[r.tbl].at(
                row=None if pd.isna(r.row) else int(r.row),
                column=None if pd.isna(r.col) else r.col,
            ),
            None if pd.isna(r.value) else r.value,
        )
        for r in rows.itertuples()
    ]
