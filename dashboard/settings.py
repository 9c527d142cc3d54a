"""Settings stored in the `settings` table, with defaults. The signal thresholds come from the
signal catalogue (dashboard/signals/catalogue.toml), whose defaults are those of docs/flags.md
and must stay exactly these; an admin may change them per school."""

from __future__ import annotations

from dashboard import i18n
from dashboard.errors import Invalid
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
        raise Invalid([i18n.t("settings_update.unknown_key", setting=key)])
    number = _whole_number(value)
    if number is None:
        raise Invalid([i18n.t("settings_update.not_integer", setting=key, value=value)])
    _, minimum, maximum = DEFAULTS[key]
    if not minimum <= number <= maximum:
        raise Invalid(
            [
                i18n.t(
                    "settings_update.out_of_range",
                    setting=key,
                    value=number,
                    minimum=minimum,
                    maximum=maximum,
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
