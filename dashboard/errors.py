"""Domain errors. Services raise these; the UI turns them into messages, the CLI into exit codes."""

from __future__ import annotations


class RegiebordError(Exception):
    """Base of every error a user may see (never a traceback)."""


class NotFound(RegiebordError):
    """Also raised when the user may not see the thing: no existence oracle."""


class NotAllowed(RegiebordError):
    """The user may not perform this action (used for actions, never for reads of a record)."""


class Invalid(RegiebordError):
    """Input was refused; `problems` lists every problem found, each located."""

    def __init__(self, problems: list, message: str | None = None):
        self.problems = list(problems)
        super().__init__(message or f"{len(self.problems)} problem(s) found")


class StoreLocked(RegiebordError):
    """Another process (usually the running app) holds the DuckDB file."""
