"""The signal catalogue: what each signal of docs/flags.md is, apart from its rule.

catalogue.toml (beside this module) holds one entry per signal — code, severity, who acts, the
thresholds it reads with their defaults, and its texts in both languages — so that everything
about a signal except its SQL is in one place. Everything else derives from it: CODES and
SEVERITY_ORDER here, the signal thresholds among dashboard.settings.DEFAULTS, who acts in the
texts of signals.describe, and the texts themselves (dashboard.i18n reads the `nl` and `en`
tables of the file as keys signals.CODE.title/explanation/next_step).

To add a signal (as ACTION_OVERDUE, the follow-up of caseload meetings, was added):
1. Add its entry to catalogue.toml, in the order of docs/flags.md: severity, needs, settings
   (thresholds with default, minimum, maximum) and the nl and en texts.
2. Add its rule to queries/signals.sql as a section marked `-- signal: CODE`, for every
   evaluation day at once: in interval form, the spans of days on which it fires
   (`span_rule`, `agreement_rule`), or per day (`placement_rule`, `student_rule`, `signal`);
   the header of signals.sql and docs/architecture.md say how. It reads its thresholds as
   `$key`.
tests/test_signal_catalogue.py checks that the two name the same codes and that docs/flags.md
does too. A new threshold also wants a label on the settings page
(settings_page.labels.<key> in i18n/{nl,en}/core.toml).

Only the standard library is imported: `regiebord flags` and dashboard.settings read this too.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

SEVERITY_ORDER = ("high", "medium", "low")
PEOPLE = ("mentor", "supervisor", "lead")  # who may act, as in `needs`
_FIELDS = {"severity", "needs", "settings", "nl", "en"}


@dataclass(frozen=True)
class Signal:
    code: str
    severity: str
    needs: tuple[str, ...]
    settings: dict[str, tuple[int, int, int]]  # key -> (default, minimum, maximum)


def _load() -> tuple[Signal, ...]:
    text = resources.files(__package__).joinpath("catalogue.toml").read_text("utf-8")
    found = []
    for code, entry in tomllib.loads(text).items():
        unknown = set(entry) - _FIELDS
        if unknown or entry["severity"] not in SEVERITY_ORDER or set(entry["needs"]) - set(PEOPLE):
            raise ValueError(f"catalogue.toml: {code} is not a valid entry")
        thresholds = {
            key: (spec["default"], spec["minimum"], spec["maximum"])
            for key, spec in entry.get("settings", {}).items()
        }
        found.append(Signal(code, entry["severity"], tuple(entry["needs"]), thresholds))
    return tuple(found)


def _thresholds(signals: tuple[Signal, ...]) -> dict[str, tuple[int, int, int]]:
    merged: dict[str, tuple[int, int, int]] = {}
    for signal in signals:
        for key, spec in signal.settings.items():
            if merged.setdefault(key, spec) != spec:
                raise ValueError(f"catalogue.toml: {key} differs between signals ({signal.code})")
    return merged


SIGNALS = _load()
# code -> severity, in the order of docs/flags.md.
CODES: dict[str, str] = {s.code: s.severity for s in SIGNALS}
# code -> who acts (the people its next step needs).
NEEDS: dict[str, tuple[str, ...]] = {s.code: s.needs for s in SIGNALS}
# Every signal threshold: key -> (default, minimum, maximum), in the order first read.
THRESHOLDS = _thresholds(SIGNALS)
