"""Signing in and out: checking a password, locks, the session's clock, reading an account.

Sign-in failures all give one message, whatever the cause, and an unknown user name costs the
same work as a wrong password, so neither the message nor the time tells which names exist.
After `lockout_attempts` failures, each within `lockout_minutes` of the previous one, the
account is locked for `lockout_minutes`; attempts during a lock do not extend it, so nobody
can lock an account for longer than that. A lock only stops new sign-ins: open sessions of the
account's owner go on. Every sign-in and failure is audited, never a password.

The limits (lockout, idle and absolute session time) are the school's settings, and the caller
passes them in (`settings.current(store)`): the settings service sits in the layer above
security (its defaults include the signal thresholds), so security never reads it itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from dashboard.errors import NotAllowed
from dashboard.security import audit, passwords
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import Tx

# The one sign-in failure message, for the command line and logs (the login page has its own).
SIGN_IN_FAILED = (
    "Sign-in failed: unknown user name or wrong password, or the account is temporarily locked."
)


@cache
def _dummy_hash() -> str:
    return passwords.hash_password("no account has this password")


# -- reading accounts ------------------------------------------------------------------------

# Demo accounts count only while the store is a demo store.
_ACCOUNT_SQL = """
SELECT u.username, u.kind, u.person_id, coalesce(s.name, u.username) AS name, u.locations,
       u.password_hash, u.disabled, u.locked_until
FROM users u LEFT JOIN staff s ON s.person_id = u.person_id
WHERE {where}
  AND (NOT coalesce(u.is_demo, false) OR (SELECT coalesce(bool_or(is_demo), false) FROM store_info))
"""


@dataclass(frozen=True)
class _Account:
    user: User
    password_hash: str | None
    disabled: bool
    locked_until: dt.datetime | None


def _account(cur, username: str) -> _Account | None:
    row = cur.execute(_ACCOUNT_SQL.format(where="u.username = $u"), {"u": username}).fetchone()
    if row is None:
        return None
    name, kind, person_id, display, locations, password_hash, disabled, locked_until = row
    user = User(name, kind, person_id, display, tuple(locations or ()))
    return _Account(user, password_hash, disabled, locked_until)


def load_user(store: Store, username: str) -> User | None:
    """The account's User, or None when it is disabled or gone (pages call this every rerun)."""
    with store.read() as cur:
        account = _account(cur, username)
    if account is None or account.disabled:
        return None
    return account.user


def user_for_email(store: Store, email: str) -> User | None:
    """The enabled account for an e-mail address from OpenID Connect, or None.

    The account's own e-mail counts; an account without one matches its person's e-mail in
    staff. No match, or more than one, gives None. A pure lookup: call `record_sign_in` once
    when a session starts.
    """
    if not (email or "").strip():
        return None
    where = "NOT u.disabled AND (lower(u.email) = $e OR (u.email IS NULL AND lower(s.email) = $e))"
    with store.read() as cur:
        rows = cur.execute(
            _ACCOUNT_SQL.format(where=where), {"e": (email or "").strip().lower()}
        ).fetchall()
    if len(rows) != 1:
        return None
    return load_user(store, rows[0][0])


# -- signing in ------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def authenticate(
    store: Store,
    username: str,
    password: str,
    settings: Mapping[str, int],
    now: dt.datetime | None = None,
) -> User:
    """The User for this name and password; NotAllowed(SIGN_IN_FAILED) on any failure.

    `settings` is settings.current(store): its lockout_attempts and lockout_minutes apply.
    """
    now = now or _now()
    name = (username or "").strip().lower()
    with store.read() as cur:
        account = _account(cur, name)
    verified = None  # the account, once its password is right
    if account is None or account.disabled or account.password_hash is None:
        passwords.verify(_dummy_hash(), password)  # the same work as a real check: no timing oracle
        reason = "unknown user name" if account is None else "disabled or no password"
    elif account.locked_until and account.locked_until > now:
        passwords.verify(_dummy_hash(), password)
        reason = "locked"
    elif not passwords.verify(account.password_hash, password):
        reason = "wrong password"
    else:
        reason, verified = None, account
    with store.write(audit_only=True) as tx:
        if verified is not None:
            reason = _sign_in(tx, verified, password, now)
            if reason is None:
                return verified.user
        elif reason == "wrong password":
            reason = _count_failure(tx, name, now, settings)
        # An unknown name is not recorded: people type their password there by mistake.
        actor = name if account is not None else "(unknown)"
        assert reason is not None, "every path that did not return named its failure"
        audit.record(tx, audit.SignInFailed(actor, reason))
    raise NotAllowed(SIGN_IN_FAILED)


def _sign_in(tx: Tx, account: _Account, password: str, now: dt.datetime) -> str | None:
    """Record a correct password; returns a failure reason if a lock began meanwhile."""
    username = account.user.username
    locked = tx.one(
        "SELECT locked_until FROM users WHERE username = $u AND locked_until > $now",
        {"u": username, "now": now},
    )
    if locked:
        return "locked"
    tx.execute(
        "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_failed_at = NULL, "
        "last_sign_in_at = $now WHERE username = $u",
        {"u": username, "now": now},
    )
    if account.password_hash and passwords.needs_rehash(account.password_hash):
        tx.execute(
            "UPDATE users SET password_hash = $h WHERE username = $u",
            {"u": username, "h": passwords.hash_password(password)},
        )
    audit.record(tx, audit.SignIn(username, "password"))
    return None


def _count_failure(tx: Tx, username: str, now: dt.datetime, cfg: Mapping[str, int]) -> str:
    window = dt.timedelta(minutes=cfg["lockout_minutes"])
    attempts = tx.scalar(
        "UPDATE users SET failed_attempts = CASE WHEN last_failed_at > $since "
        "THEN failed_attempts + 1 ELSE 1 END, last_failed_at = $now WHERE username = $u "
        "RETURNING failed_attempts",
        {"u": username, "now": now, "since": now - window},
    )
    if attempts < cfg["lockout_attempts"]:
        return f"wrong password ({attempts} in a row)"
    until = now + window
    tx.execute(
        "UPDATE users SET locked_until = $until WHERE username = $u",
        {"u": username, "until": until},
    )
    return f"wrong password ({attempts} in a row); locked until {until:%Y-%m-%d %H:%M}"


def record_sign_in(store: Store, user: User, method: str = "oidc") -> None:
    """Audit a sign-in that did not pass `authenticate` (OpenID Connect via st.login)."""
    with store.write(audit_only=True) as tx:
        tx.execute(
            "UPDATE users SET last_sign_in_at = $now WHERE username = $u",
            {"u": user.username, "now": _now()},
        )
        audit.record(tx, audit.SignIn(user.username, method))


def record_sign_out(store: Store, user: User, expired: bool = False) -> None:
    with store.write(audit_only=True) as tx:
        audit.record(tx, audit.SignOut(user.username, expired))


def session_expired(
    started_at: dt.datetime, last_seen: dt.datetime, now: dt.datetime, settings: Mapping[str, int]
) -> bool:
    """True after `idle_timeout_minutes` without activity or `session_max_hours` in all.

    `settings` is settings.current(store). The app keeps this clock itself, also for OpenID
    Connect sessions (Streamlit's login cookie lives 30 days).
    """
    idle = now - last_seen > dt.timedelta(minutes=settings["idle_timeout_minutes"])
    too_old = now - started_at > dt.timedelta(hours=settings["session_max_hours"])
    return idle or too_old
