"""What an import reports: the counts per table, the report of a dry-run check, and the
refusal that lists the problems (each a dashboard.problem.Problem located in its file).

Nothing here is translated until it is shown: `summary(lang)` and `Problem.text(lang)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import i18n
from dashboard.errors import Invalid
from dashboard.problem import Problem, Where

MAX_SHOWN = 200  # problems listed; the message gives the total


@dataclass(frozen=True)
class TableCount:
    file: str
    sheet: str | None  # the workbook sheet the table came from, if any
    rows: int
    new: int
    changed: int

    @property
    def unchanged(self) -> int:
        return self.rows - self.new - self.changed

    def label(self, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
        return Where(self.file, self.sheet).file_text(lang)


@dataclass(frozen=True)
class ImportResult:
    tables: dict[str, TableCount]

    def summary(self, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
        lines = [i18n.t("interchange.summary.done", lang, tables=len(self.tables))]
        for table, c in self.tables.items():
            lines.append(
                i18n.t(
                    "interchange.summary.table",
                    lang,
                    table=table,
                    file=c.label(lang),
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


def refusal(problems: list[Problem], total: int) -> Invalid:
    """The Invalid of a refused import: the first problems and how many there were."""
    key = "refused_more" if total > len(problems) else "refused_one" if total == 1 else "refused"
    summary = Problem(f"interchange.{key}", {"total": total, "shown": len(problems)})
    return Invalid(problems, summary, total)
