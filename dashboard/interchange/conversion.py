"""Conversion in SQL: text cells into stored values, and the staged tables that hold them.

Codes and yes/no words are read case-insensitively; spaces around ids, codes, dates and
numbers are ignored (the same set of spaces as validation.core.WS); free text is kept as it
is. A cell the schema refuses becomes NULL here: the cell checks name it.
"""

from __future__ import annotations

from validation.core import FALSE_WORDS, TRUE_WORDS, WS, Col, TableSpec
from validation.tables import SPECS

# What spaces around a value are, in SQL (the same set as validation.core.WS).
_EDGE = r"[\t\n\v\f\r \x{a0}]"


def create_work_tables(cur) -> None:
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
        "CREATE TEMP TABLE rb_problems (t_order INTEGER, tbl VARCHAR, row BIGINT,"
        " c_order INTEGER, col VARCHAR, value VARCHAR, reason VARCHAR, detail VARCHAR)"
    )


def _normalised_key(spec: TableSpec) -> list[str]:
    """SQL of the key cells as compared for uniqueness (validation.core.normalised_key: spaces
    trimmed, codes lower-case, empty for a missing cell)."""
    return [
        f"lower(rb_trim(coalesce(r.{k}, '')))"
        if spec.col(k).kind == "code"
        else f"rb_trim(coalesce(r.{k}, ''))"
        for k in spec.key
    ]


def to_value(col: Col) -> str:
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


def read_rows(
    cur, table: str, source: str, params: dict, extra: list[str], numbered: bool = False
) -> None:
    """rb_rows_<table> from `source` (a query of the spec's columns as text and rb_filled, in
    file order; and row_no when `numbered`): the stored values, the normalised
    key (rb_key_<i>) and the key as written (rb_shown) for the duplicate check, and the
    `extra` columns as they are."""
    spec = SPECS[table]
    values = ", ".join(f"{to_value(c)} AS {c.name}" for c in spec.columns)
    keys = ", ".join(f"{sql} AS rb_key_{i}" for i, sql in enumerate(_normalised_key(spec)))
    shown = " || ', ' || ".join(f"coalesce(r.{k}, '')" for k in spec.key)
    more = "".join(f", r.{name}" for name in extra)
    row_no = "r.row_no, " if numbered else ""
    cur.execute(
        f"CREATE TEMP TABLE rb_rows_{table} AS SELECT {row_no}{values}, {keys},"
        f" {shown} AS rb_shown{more}, r.rb_filled FROM ({source}) r",
        params,
    )


def define_clean(cur, table: str, numbering: tuple[str, str], with_store: bool) -> None:
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
