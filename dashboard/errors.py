"""Domain errors. Services raise these; the UI turns them into messages, the CLI into exit codes."""

from __future__ import annotations

from dashboard import i18n
from dashboard.problem import Problem


class RegiebordError(Exception):
    """Base of every error a user may see (never a traceback)."""


class NotFound(RegiebordError):
    """Also raised when the user may not see the thing: no existence oracle."""


class NotAllowed(RegiebordError):
    """The user may not perform this action (used for actions, never for reads of a record)."""


class Invalid(RegiebordError):
    """Input was refused. `problems` lists the problems found (each a located `Problem`; the
    first ones when there were many), `total` how many there were, `summary` the headline (a
    Problem too: nothing here is translated until the UI or the CLI renders it)."""

    def __init__(
        self, problems: list[Problem], summary: Problem | None = None, total: int | None = None
    ):
        self.problems = list(problems)
        if not all(isinstance(p, Problem) for p in self.problems):
            raise TypeError("Invalid takes Problem objects, not texts")
        self.total = len(self.problems) if total is None else total
        self.summary = summary or Problem("errors.problems_found", {"total": self.total})
        super().__init__(self.summary.key)

    def text(self, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
        return self.summary.text(lang)

    def __str__(self) -> str:
        return self.text()


class StoreLocked(RegiebordError):
    """Another process (usually the running app) holds the DuckDB file."""


class StoreUnavailable(RegiebordError):
    """The PostgreSQL server of the store cannot be reached (down, restarting, or the URL is
    wrong). Nothing was written; trying again later is safe."""
