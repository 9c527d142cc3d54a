"""One kind of problem: what `Invalid` carries, from forms, the import and every service.

A service never translates: it raises `Invalid([Problem(key, params, where, value)])` with the
i18n key of the reason and its parameters. The interface (`ui.problem_text`) and the command
line render problems in their user's language with `problem.text(lang)`; `str(problem)` is
the Dutch text (Dutch is the default language).

`where` says where the problem is: a file (or a sheet of a workbook) with its row and/or
column, as a spreadsheet numbers them (the header is row 1), or a field of a student-file
form (named as in the `student.field` catalogue). Parameters are rendered for the language
too: a date as `i18n.date_text` writes it, a Problem as its text, a list item by item.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard import i18n
from validation import characters

_SHOWN_CHARS = 60  # a longer value is cut in a problem's text


@dataclass(frozen=True)
class Where:
    """A place in an interchange file (file, sheet, row, column) or a form field."""

    file: str | None = None
    sheet: str | None = None  # a sheet of the workbook `file`
    row: int | None = None
    column: str | None = None
    field: str | None = None

    def at(self, row: int | None = None, column: str | None = None) -> Where:
        """The same file, at a row and/or column."""
        return dataclasses.replace(self, row=row, column=column)

    def file_text(self, lang: str) -> str:
        """The file as named in texts: `students.csv`, or `school.xlsx, blad students`."""
        if self.sheet is None:
            return self.file or ""
        return i18n.t("problem.in_sheet", lang, file=self.file, sheet=self.sheet)


Escape = Callable[[str], str]


def _as_is(text: str) -> str:
    return text


@dataclass(frozen=True)
class Problem:
    """One refused thing: `key` is the i18n key of why, `params` fill its placeholders."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    where: Where | None = None
    value: Any = None  # the refused value as the user gave it (shown, never formatted)

    def reason(self, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
        """Why, in `lang`."""
        return i18n.t(self.key, lang, **{k: param_text(v, lang) for k, v in self.params.items()})

    @property
    def has_value(self) -> bool:
        return _shown(self.value) != ""

    def short(self, lang: str = i18n.DEFAULT_LANGUAGE, escape: Escape = _as_is) -> str:
        """`'value' why` without the place (under a form field, the field is clear).

        `escape` is applied to the user's value only: a page that renders Markdown passes its
        escaper, so a typed link or heading shows as typed."""
        if not self.has_value:
            return self.reason(lang)
        template = "problem.field_value" if self._at_field else "problem.value"
        value = escape(_shown(self.value))
        return i18n.t(template, lang, value=value, reason=self.reason(lang))

    def text(self, lang: str = i18n.DEFAULT_LANGUAGE, escape: Escape = _as_is) -> str:
        """The whole sentence: where, the value and why (`escape`: as for `short`)."""
        where = self.where
        if where is None or (where.file is None and where.field is None):
            return self.short(lang, escape)
        if self._at_field:
            return i18n.t(
                "problem.at_field",
                lang,
                field=i18n.t(f"student.field.{where.field}", lang),
                what=self.short(lang, escape),
            )
        kw = {"file": where.file_text(lang), "what": self.short(lang, escape)}
        if where.row is not None and where.column:
            return i18n.t("problem.at_cell", lang, row=where.row, column=where.column, **kw)
        if where.row is not None:
            return i18n.t("problem.at_row", lang, row=where.row, **kw)
        if where.column:
            return i18n.t("problem.at_column", lang, column=where.column, **kw)
        return i18n.t("problem.at_file", lang, **kw)

    @property
    def _at_field(self) -> bool:
        return self.where is not None and self.where.field is not None

    def __str__(self) -> str:
        return self.text()


def param_text(value: Any, lang: str) -> Any:
    """A parameter as the text of `lang` shows it (numbers and text stay as they are)."""
    if isinstance(value, dt.date):
        return i18n.date_text(value, lang)
    if isinstance(value, Problem):
        return value.text(lang)
    if isinstance(value, Where):
        return value.file_text(lang)
    if isinstance(value, list | tuple):
        return ", ".join(str(param_text(v, lang)) for v in value)
    return value


def _shown(value: Any) -> str:
    """A refused value as quoted in a text: lists joined, line ends and control characters
    visible (validation/characters.visible: an escape never reaches a terminal), long ones cut;
    "" when there is nothing to show (no value, only spaces, an empty list)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    if not text.strip():
        return ""
    text = characters.visible(text.replace("\r", "\\r").replace("\n", "\\n"))
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "…"
