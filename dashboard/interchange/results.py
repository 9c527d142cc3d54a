"""Problems and results of the import: a located problem, the counts of an import, the report
of a dry-run check.

A cell's problem reads e.g. `contacts.csv rij 14, kolom date: '2025-13-01' is geen datum
(JJJJ-MM-DD)`; the texts come from i18n (Dutch by default, `lang="en"` for English). Row
numbers are what a spreadsheet shows: the header is row 1, the first data row row 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboard import i18n
from validation.core import WS

MAX_SHOWN = 200  # problems listed; the message gives the total


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


def problem_at(
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
