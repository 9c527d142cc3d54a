"""Building blocks of the interchange schemas (docs/interchange.md): column kinds, row rules and
the pandera schema built from them.

A schema validates one table as it comes out of a file: every column text ('' = empty), the
DataFrame index being the spreadsheet row number. Each pandera check is named after the i18n
reason it reports (`interchange.reason.<name>`), so the import can explain a failure in Dutch
or English. Checks are vectorised pandas (no row loops); references between tables and to the
store need the other tables and are checked set-based by dashboard.interchange.

Kinds of column and what a cell of each kind accepts (spaces around the value are ignored,
except in free text):
- id:        any text (ids are chosen by the school)
- text:      free text, kept exactly
- code:      one of the column's codes (case-insensitive)
- date:      ISO YYYY-MM-DD, a real day, between IMPORT_FIRST and IMPORT_LAST
- bool:      yes/no, ja/nee, true/false, 1/0 (case-insensitive)
- posint:    a whole number >= 1
- posnumber: a number > 0 (a decimal comma is read as a decimal point)
- ids:       person ids separated by ';' (spaces around ids ignored)
Free text, ids and person lists hold no control or bidirectional characters
(validation/characters.py; free text may hold line ends and tabs). An id is at most ID_MAX
characters: ids are keys, and PostgreSQL cannot index a key of some kilobytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pandera.pandas as pa

from validation import characters

# Spaces around a value: these characters (also the no-break space Excel pastes) are trimmed,
# the same set in pandas (here) and in SQL (dashboard.interchange).
WS = " \t\n\r\f\v\u00a0"
TRUE_WORDS = ("yes", "ja", "true", "1")
FALSE_WORDS = ("no", "nee", "false", "0")
KINDS = ("id", "text", "code", "date", "bool", "posint", "posnumber", "ids")
INT_MAX = 2**31 - 1  # the store keeps whole numbers as INTEGER
# A studentnummer or staff code is short; two ids of this length in one key (4 bytes a
# character at most) stay well under PostgreSQL's limit of 2,704 bytes for a B-tree entry.
ID_MAX = 200
# Every date of the import lies in this fixed window (ISO text compares as dates do): 0001-01-01
# or 9999-12-31 is a typing or export error, and a fixed window gives the same answer any day.
IMPORT_FIRST = "1900-01-01"
IMPORT_LAST = "2199-12-31"
_NUMBER = r"\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?"
_DATE = r"\d{4}-\d{2}-\d{2}"
_LIST_FILLED = "[^;" + re.escape(WS) + "]"


@dataclass(frozen=True)
class Col:
    """One column of an interchange table.

    `ref` names what a non-empty value must exist as: "student", "person",
    "person_or_student" (a person id or the word `student`) or "placement" (a placement of the
    row's own student). For kind `ids` the reference applies to every id in the list.
    """

    name: str
    kind: str
    required: bool = False
    codes: tuple[str, ...] = ()
    ref: str | None = None

    def __post_init__(self):
        assert self.kind in KINDS, self.kind
        assert (self.kind == "code") == bool(self.codes), self.name


@dataclass(frozen=True)
class Rule:
    """A rule across the cells of one row; `bad(df)` is True where a row breaks it.

    The problem is reported on `column`; `name` is the reason's i18n key.
    """

    name: str
    column: str
    bad: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...] = field(default=())

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)

    def rule(self, name: str) -> Rule:
        return next(r for r in self.rules if r.name == name)

    @cached_property
    def schema(self) -> pa.DataFrameSchema:
        return build_schema(self)

    @cached_property
    def row_schema(self) -> pa.DataFrameSchema:
        """The schema without the unique-key check, for validating a table in chunks."""
        return build_schema(self, key_check=False)


# -- reading cells (vectorised) ---------------------------------------------------------------


def cells(s: pd.Series) -> pd.Series:
    """The cells as text, empty for a missing value."""
    return s.fillna("").astype(str)


def present(s: pd.Series) -> pd.Series:
    """True where the cell holds something other than spaces."""
    return cells(s).str.strip(WS) != ""


def ids_present(s: pd.Series) -> pd.Series:
    """True where a person list names at least one id."""
    return cells(s).str.contains(_LIST_FILLED, regex=True)


def as_code(s: pd.Series) -> pd.Series:
    return cells(s).str.strip(WS).str.lower()


def as_date(s: pd.Series) -> pd.Series:
    """The cells as datetimes; NaT where empty or not an ISO date."""
    t = cells(s).str.strip(WS)
    iso = t.where(t.str.fullmatch(_DATE), "")
    return pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")


def as_number(s: pd.Series) -> pd.Series:
    """The cells as floats; NaN where empty or not a plain decimal number."""
    t = cells(s).str.strip(WS)
    t = t.where(t.str.fullmatch(_NUMBER), "").str.replace(",", ".", regex=False)
    return pd.to_numeric(t, errors="coerce").astype(float)


def _ok_kind(col: Col) -> Callable[[pd.Series], pd.Series] | None:
    """True where a cell is empty or well-formed for the column's kind."""
    if col.kind == "code":
        allowed = list(col.codes)
        return lambda s: ~present(s) | as_code(s).isin(allowed)
    if col.kind == "bool":
        words = [*TRUE_WORDS, *FALSE_WORDS]
        return lambda s: ~present(s) | as_code(s).isin(words)
    if col.kind == "date":
        return lambda s: ~present(s) | as_date(s).notna()
    if col.kind == "posint":

        def whole(s: pd.Series) -> pd.Series:
            t = cells(s).str.strip(WS)
            n = pd.to_numeric(t.where(t.str.fullmatch(r"\d{1,10}"), ""), errors="coerce")
            return ~present(s) | ((n >= 1) & (n <= INT_MAX))

        return whole
    if col.kind == "posnumber":

        def positive(s: pd.Series) -> pd.Series:
            n = as_number(s)
            return ~present(s) | (np.isfinite(n) & (n > 0))

        return positive
    return None


def _in_window(s: pd.Series) -> pd.Series:
    """True where a cell is empty, not a date (the `date` check says so) or a date in the
    import's window."""
    t = cells(s).str.strip(WS)
    return ~present(s) | as_date(s).isna() | t.between(IMPORT_FIRST, IMPORT_LAST)


def _clean_characters(col: Col) -> Callable[[pd.Series], pd.Series] | None:
    """True where a cell holds no control or bidirectional character (free text may hold line
    ends and tabs; an id, trimmed, none at all)."""
    if col.kind == "text":
        pattern = characters.FORBIDDEN_MULTILINE.pattern
        return lambda s: ~cells(s).str.contains(pattern, regex=True)
    if col.kind in ("id", "ids"):
        pattern = characters.FORBIDDEN_ONE_LINE.pattern
        return lambda s: ~cells(s).str.strip(WS).str.contains(pattern, regex=True)
    return None


def _short_ids(col: Col) -> Callable[[pd.Series], pd.Series] | None:
    """True where each id of the cell, trimmed, is at most ID_MAX characters."""
    if col.kind == "id":
        return lambda s: cells(s).str.strip(WS).str.len() <= ID_MAX
    if col.kind == "ids":
        edge = "[^;" + re.escape(WS) + "]"
        too_long = f"{edge}[^;]{{{ID_MAX - 1},}}{edge}"  # a trimmed id of ID_MAX + 1 or more
        return lambda s: ~cells(s).str.contains(too_long, regex=True)
    return None


def normalised_key(spec: TableSpec, df: pd.DataFrame) -> pd.DataFrame:
    """The key columns as compared for uniqueness (spaces trimmed, codes lower-case)."""
    out = {}
    for name in spec.key:
        col = spec.col(name)
        out[name] = as_code(df[name]) if col.kind == "code" else cells(df[name]).str.strip(WS)
    return pd.DataFrame(out, index=df.index)


def duplicates(spec: TableSpec, df: pd.DataFrame) -> pd.Series:
    """For each row whose key occurred on an earlier row: the row number (index) of that
    first row. Rows with an empty key cell are left to the `required` check."""
    keys = normalised_key(spec, df)
    complete = (keys != "").all(axis=1)
    later = keys.duplicated(keep="first") & complete
    if not later.any():
        return pd.Series([], dtype="int64")
    firsts = keys[complete & ~keys.duplicated(keep="first")]
    first_row = pd.Series(firsts.index, index=pd.MultiIndex.from_frame(firsts))
    found = first_row.reindex(pd.MultiIndex.from_frame(keys[later]))
    return pd.Series(found.to_numpy(), index=keys.index[later], dtype="int64")


# -- the schema -------------------------------------------------------------------------------


def build_schema(spec: TableSpec, key_check: bool = True) -> pa.DataFrameSchema:
    """The pandera schema of one table as read from its file (all cells text)."""
    columns = {}
    for col in spec.columns:
        checks = []
        if col.required:
            test = ids_present if col.kind == "ids" else present
            checks.append(pa.Check(test, name="required", ignore_na=False))
        ok = _ok_kind(col)
        if ok is not None:
            checks.append(pa.Check(ok, name=col.kind, ignore_na=False))
        if col.kind == "date":
            checks.append(pa.Check(_in_window, name="date_range", ignore_na=False))
        clean = _clean_characters(col)
        if clean is not None:
            checks.append(pa.Check(clean, name="control_character", ignore_na=False))
        short = _short_ids(col)
        if short is not None:
            checks.append(pa.Check(short, name="id_too_long", ignore_na=False))
        columns[col.name] = pa.Column(str, checks=checks, nullable=True)
    checks = [
        pa.Check(lambda df, r=r: ~r.bad(df), name=r.name, ignore_na=False) for r in spec.rules
    ]
    if key_check:
        checks.append(
            pa.Check(
                lambda df: pd.Series(~df.index.isin(duplicates(spec, df).index), index=df.index),
                name="duplicate_key",
                ignore_na=False,
            )
        )
    return pa.DataFrameSchema(columns, checks=checks, strict=True, name=spec.name)
