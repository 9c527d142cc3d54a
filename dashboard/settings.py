"""Settings stored in the `settings` table, with defaults. The signal thresholds come from the
signal catalogue (dashboard/signals/catalogue.toml), whose defaults are those of docs/flags.md
and must stay exactly these; an admin may change them per school."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

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
    "backup_hour": (2, 0, 23),  # the app's daily backup: at this hour (dashboard/backups.py)
    "backup_keep": (7, 1, 365),  # ... keeping this many
    # trends: a count resting on fewer students (but more than none) is hidden; never below 5
    "trends_min_students": (5, 5, 100),
}

# key -> default, for the settings that are text: the backup folder, an absolute path on the
# server ("" = the folder `backups` beside the store file).
TEXTS: dict[str, str] = {"backup_folder": ""}
MAX_TEXT = 400


def current(store: Store) -> dict[str, int]:
    """Every setting: the stored value where one was set, else the default."""
    values = {key: spec[0] for key, spec in DEFAULTS.items()}
    with store.read() as cur:
        for key, value in cur.execute("SELECT key, value FROM settings").fetchall():
            if key in values:
                values[key] = int(value)
    return values


def texts(store: Store) -> dict[str, str]:
    """Every text setting: the stored value where one was set, else the default."""
    values = dict(TEXTS)
    with store.read() as cur:
        for key, value in cur.execute("SELECT key, value FROM settings").fetchall():
            if key in values:
                values[key] = value
    return values


def save(store: Store, user: access.User, values: Mapping[str, int | str]) -> dict[str, int | str]:
    """Store a form of settings (admins only) in one transaction: all of it or nothing.

    Every value must be a whole number within its key's minimum and maximum, or for a text
    setting (TEXTS) an absolute folder path or nothing. All values are
    checked before anything is written; any refusal raises Invalid with every problem at once
    (each naming the setting, the value and the allowed range) and nothing is stored. Values
    equal to the stored one are left alone; each changed one is audited with the old and the
    new value. Returns every given setting's value as stored.
    """
    access.ensure(user, "manage_settings")
    numbers: dict[str, int | str] = {}
    problems: list[Problem] = []
    for key, value in values.items():
        checked = _checked_text(key, value) if key in TEXTS else _checked(key, value)
        if isinstance(checked, Problem):
            problems.append(checked)
        else:
            numbers[key] = checked
    if problems:
        raise Invalid(problems)
    old: dict[str, int | str] = {**current(store), **texts(store)}
    changed = {key: number for key, number in numbers.items() if number != old[key]}
    if not changed:
        return numbers
    with store.write() as tx:
        tx.touch_all()  # thresholds apply to every student
        for key, number in changed.items():
            tx.execute(
                "INSERT INTO settings (key, value, changed_by, changed_at) "
                "VALUES ($key, $value, $by, current_timestamp::TIMESTAMP) ON CONFLICT (key) "
                "DO UPDATE SET value = excluded.value, changed_by = excluded.changed_by, "
                "changed_at = excluded.changed_at",
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


def _checked_text(key: str, value: int | str) -> str | Problem:
    """A text setting as stored (surrounding spaces dropped), or why it is refused: a folder
    must be an absolute path on the server, without control characters (or empty)."""
    text = str(value).strip()
    if not text:
        return ""
    if len(text) > MAX_TEXT or not text.isprintable() or not Path(text).is_absolute():
        return Problem("settings_update.not_a_folder", {"setting": key, "value": text})
    return text


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
