"""Settings stored in the `settings` table, with defaults. The signal thresholds come from the
signal catalogue (dashboard/signals/catalogue.toml), whose defaults are those of docs/flags.md
and must stay exactly these; an admin may change them per school."""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.errors import Invalid
from dashboard.problem import Problem
from dashboard.security import access, audit
from dashboard.signals.catalogue import THRESHOLDS
from dashboard.store import Store

# key -> (default, minimum, maximum). All whole numbers of days / hours / people.
DEFAULTS: dict[str, tuple[int, int, int]] = {
    **THRESHOLDS,
    "upcoming_days": (14, 1, 90),  # caseload: fixed moments due within
    "retention_years": (2, 1, 30),  # erase/anonymise students who left before
    "idle_timeout_minutes": (30, 1, 24 * 60),  # sign-in: idle session ends
    "session_max_hours": (12, 1, 24 * 7),  # sign-in: absolute session lifetime
    "lockout_attempts": (5, 2, 100),  # sign-in: free failures before growing delays
    "lockout_minutes": (15, 1, 24 * 60),  # sign-in: failures remembered; a client's longest wait
}


def current(store: Store) -> dict[str, int]:
    """Every setting: the stored value where one was set, else the default."""
    values = {key: spec[0] for key, spec in DEFAULTS.items()}
    with store.read() as cur:
        for key, value in cur.execute("SELECT key, value FROM settings").fetchall():
            if key in values:
                values[key] = int(value)
    return values


def save(store: Store, user: access.User, values: Mapping[str, int | str]) -> dict[str, int]:
    """Store a form of settings (admins only) in one transaction: all of it or nothing.

    Every value must be a whole number within its key's minimum and maximum. All values are
    checked before anything is written; any refusal raises Invalid with every problem at once
    (each naming the setting, the value and the allowed range) and nothing is stored. Values
    equal to the stored one are left alone; each changed one is audited with the old and the
    new value. Returns every given setting's value as stored.
    """
    access.ensure(user, "manage_settings")
    numbers: dict[str, int] = {}
    problems: list[Problem] = []
    for key, value in values.items():
        checked = _checked(key, value)
        if isinstance(checked, Problem):
            problems.append(checked)
        else:
            numbers[key] = checked
    if problems:
        raise Invalid(problems)
    old = current(store)
    changed = {key: number for key, number in numbers.items() if number != old[key]}
    if not changed:
        return numbers
    with store.write() as tx:
        tx.touch_all()  # thresholds apply to every student
        for key, number in changed.items():
            tx.execute(
                "INSERT OR REPLACE INTO settings (key, value, changed_by, changed_at) "
                "VALUES ($key, $value, $by, current_timestamp::TIMESTAMP)",
                {"key": key, "value": str(number), "by": user.username},
            )
            audit.record(
                tx,
                audit.Write(
                    user.actor, "settings", key, old={"value": old[key]}, new={"value": number}
                ),
            )
    return numbers


def _checked(key: str, value: int | str) -> int | Problem:
    """The value as a whole number, or why it is refused."""
    if key not in DEFAULTS:
        return Problem("settings_update.unknown_key", {"setting": key})
    number = _whole_number(value)
    if number is None:
        return Problem("settings_update.not_integer", {"setting": key, "value": value})
    _, minimum, maximum = DEFAULTS[key]
    if not minimum <= number <= maximum:
        return Problem(
            "settings_update.out_of_range",
            {"setting": key, "value": number, "minimum": minimum, "maximum": maximum},
        )
    return number


def _whole_number(value: int | str) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    if text.lstrip("+-").isdigit():
        return int(text)
    return None
