"""Settings stored in the `settings` table, with defaults. Signal thresholds are defaults of
docs/flags.md and must stay exactly these; an admin may change them per school."""

from __future__ import annotations

from dashboard.errors import Invalid
from dashboard.problem import Problem
from dashboard.security import access, audit
from dashboard.store import Store

# key -> (default, minimum, maximum). All whole numbers of days / hours / people.
DEFAULTS: dict[str, tuple[int, int, int]] = {
    "start_grace_days": (14, 0, 365),  # START_MISSING: T > start_date + 14
    "mid_grace_days": (14, 0, 365),  # MID_OVERDUE: T > mid + 14
    "final_grace_days": (14, 0, 365),  # FINAL_OVERDUE: end_date + 14 < T
    "final_window_days": (90, 1, 3650),  # FINAL_OVERDUE: T <= end_date + 90
    "no_contact_days": (28, 1, 365),  # NO_RECENT_CONTACT window
    "many_guides": (7, 2, 100),  # MANY_GUIDES: 7 or more guides
    "direction_min_guides": (2, 1, 100),  # NO_DIRECTION / NO_FINAL_RESPONSIBILITY
    "stop_inform_days": (5, 0, 365),  # STOP_NOT_COMMUNICATED: contact in [s, s+5]
    "stop_window_days": (60, 1, 3650),  # STOP_NOT_COMMUNICATED: T <= s + 60
    "absence_window_days": (28, 1, 365),  # ABSENCE_NO_FOLLOW_UP window
    "absence_hours": (8, 1, 1000),  # ABSENCE_NO_FOLLOW_UP threshold
    "upcoming_days": (14, 1, 90),  # caseload: fixed moments due within
    "retention_years": (2, 1, 30),  # erase/anonymise students who left before
    "idle_timeout_minutes": (30, 1, 24 * 60),  # sign-in: idle session ends
    "session_max_hours": (12, 1, 24 * 7),  # sign-in: absolute session lifetime
    "lockout_attempts": (5, 2, 100),  # sign-in: failures before a lock
    "lockout_minutes": (15, 1, 24 * 60),  # sign-in: how long the lock lasts
}


def current(store: Store) -> dict[str, int]:
    """Every setting: the stored value where one was set, else the default."""
    values = {key: spec[0] for key, spec in DEFAULTS.items()}
    with store.read() as cur:
        for key, value in cur.execute("SELECT key, value FROM settings").fetchall():
            if key in values:
                values[key] = int(value)
    return values


def update(store: Store, user: access.User, key: str, value: int | str) -> int:
    """Set one setting (admins only) and return the stored value.

    The value must be a whole number within the key's minimum and maximum; otherwise
    Invalid with a message naming the setting, the value and the allowed range. The change is
    audited with the old and the new value.
    """
    access.ensure(user, "manage_settings")
    if key not in DEFAULTS:
        raise Invalid([Problem("settings_update.unknown_key", {"setting": key})])
    number = _whole_number(value)
    if number is None:
        raise Invalid([Problem("settings_update.not_integer", {"setting": key, "value": value})])
    _, minimum, maximum = DEFAULTS[key]
    if not minimum <= number <= maximum:
        raise Invalid(
            [
                Problem(
                    "settings_update.out_of_range",
                    {"setting": key, "value": number, "minimum": minimum, "maximum": maximum},
                )
            ]
        )
    old = current(store)[key]
    with store.write() as cur:
        cur.execute(
            "INSERT OR REPLACE INTO settings (key, value, changed_by, changed_at) "
            "VALUES ($key, $value, $by, current_timestamp::TIMESTAMP)",
            {"key": key, "value": str(number), "by": user.username},
        )
        audit.record(
            cur,
            audit.Event(
                actor=user.actor,
                action="write",
                entity="settings",
                entity_key=key,
                old_value={"value": old},
                new_value={"value": number},
            ),
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
