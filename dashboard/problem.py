"""A located, translatable problem for `Invalid(problems)` raised by services.

The command line prints `str(problem)` (English); pages show `problem.text(lang)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboard import i18n


@dataclass(frozen=True)
class Problem:
    key: str  # an i18n key
    params: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return i18n.t(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.text("en")
