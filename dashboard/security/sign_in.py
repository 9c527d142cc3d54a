"""Signing in and out: checking a password, slowing down guessing, the session's clock,
reading an account.

Sign-in failures all give one message, whatever the cause, and an unknown user name costs the
same work as a wrong password, so neither the message nor the time tells which names exist.

Guessing is slowed down, never answered with a lock (a lock lets anyone who knows a name, the
admin's say, keep its owner out). Failures are counted per account name and per client (the
browser's address), each forgotten `lockout_minutes` after the last one. After
`lockout_attempts` failures of a name, every next failure makes that name wait twice as long
before the next attempt (1, 2, 4 ... seconds, at most ACCOUNT_MAX_DELAY); a client gets
CLIENT_FREE_FACTOR times as many free failures and then waits up to `lockout_minutes`. An
attempt during a wait is refused without a password check, with the same message, and does not
count: hammering does not lengthen the wait. So an attacker slows down themselves (their
client) at once, and their victim's account by at most a minute. Unknown names are counted
like real ones (as hashes), so the delays tell nothing either. Every sign-in and failure is
audited (why, and how long the wait is), never a password.

The limits (lockout, idle and absolute session time) are the school's settings, and the caller
passes them in (`settings.current(store)`): the settings service sits in the layer above
security (its defaults include the signal thresholds), so security never reads it itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from hashlib import sha256

from dashboard.errors import NotAllowed
from dashboard.security import audit, passwords
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import Tx

# The one sign-in failure message, for the command line and logs (the login page has its own).
SIGN_IN_FAILED = (
    "Sign-in failed: unknown user name or wrong password, or too many attempts in a row "
    "(then wait a moment and try again)."
)
ACCOUNT_MAX_DELAY = dt.timedelta(seconds=60)
CLIENT_FREE_FACTOR = 3


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
    client: str | None = None,
) -> User:
    """The User for this name and password; NotAllowed(SIGN_IN_FAILED) on any failure.

    `settings` is settings.current(store): its lockout_attempts and lockout_minutes apply.
    `client` names where the attempt comes from (the browser's address; None: not known,
    then only the name is throttled).
    """
    now = now or _now()
    name = (username or "").strip().lower()
    buckets = _buckets(name, client, settings)
    with store.read() as cur:
        account = _account(cur, name)
        waiting = _waiting(cur, buckets, now, settings)
    verified = None  # the account, once its password is right
    if waiting is not None:
        passwords.verify(_dummy_hash(), password)  # the same work as a real check
        kind, until = waiting
        reason = f"too many failures: this {kind} must wait until {until:%Y-%m-%d %H:%M:%S}"
    elif account is None or account.disabled or account.password_hash is None:
        passwords.verify(_dummy_hash(), password)  # the same work as a real check: no timing oracle
        reason = "unknown user name" if account is None else "disabled or no password"
    elif not passwords.verify(account.password_hash, password):
        reason = "wrong password"
    else:
        reason, verified = None, account
    with store.write(audit_only=True) as tx:
        if verified is not None:
            _sign_in(tx, verified, password, now)
            _forget(tx, buckets[0])
            return verified.user
        assert reason is not None, "every path that did not return named its failure"
        if waiting is None:  # a wait is not lengthened by the attempts made during it
            reason += _count_failure(tx, buckets, now, settings)
        # An unknown name is not recorded: people type their password there by mistake.
        actor = name if account is not None else "(unknown)"
        audit.record(tx, audit.SignInFailed(actor, reason))
    raise NotAllowed(SIGN_IN_FAILED)


# -- slowing down repeated failures ----------------------------------------------------------


@dataclass(frozen=True)
class _Bucket:
    """Where failures are counted: an account name or a client, as a hash."""

    kind: str  # "account" or "client"
    key: str
    free: int  # failures that cost nothing
    longest: dt.timedelta  # the longest wait


def _buckets(name: str, client: str | None, cfg: Mapping[str, int]) -> list[_Bucket]:
    free = cfg["lockout_attempts"]
    out = [_Bucket("account", _hashed(name), free, ACCOUNT_MAX_DELAY)]
    if client:
        longest = dt.timedelta(minutes=cfg["lockout_minutes"])
        out.append(_Bucket("client", _hashed(client), CLIENT_FREE_FACTOR * free, longest))
    return out


def _hashed(text: str) -> str:
    return sha256(text.encode("utf-8")).hexdigest()


def delay(failures: int, free: int, longest: dt.timedelta) -> dt.timedelta:
    """How long to wait after `failures` failures in a row: nothing for the first `free - 1`,
    then 1, 2, 4 ... seconds, at most `longest`."""
    if failures < free:
        return dt.timedelta(0)
    return min(longest, dt.timedelta(seconds=2 ** min(failures - free, 30)))


def _waiting(
    cur, buckets: list[_Bucket], now: dt.datetime, cfg: Mapping[str, int]
) -> tuple[str, dt.datetime] | None:
    """The bucket that must still wait at `now`, and until when; None when none must."""
    since = now - dt.timedelta(minutes=cfg["lockout_minutes"])
    longest: tuple[str, dt.datetime] | None = None
    for bucket in buckets:
        row = cur.execute(
            "SELECT failures, last_failed_at FROM sign_in_throttle WHERE kind = $k AND key = $key",
            {"k": bucket.kind, "key": bucket.key},
        ).fetchone()
        if row is None or row[1] < since:
            continue
        until = row[1] + delay(row[0], bucket.free, bucket.longest)
        if until > now and (longest is None or until > longest[1]):
            longest = (bucket.kind, until)
    return longest


def wait_for(
    store: Store, username: str, client: str | None, cfg: Mapping[str, int], now: dt.datetime
) -> dt.timedelta:
    """How long a sign-in as `username` from `client` must still wait at `now` (for tests and
    the admin; the sign-in form never says, so the wait tells nothing about the name)."""
    name = (username or "").strip().lower()
    with store.read() as cur:
        waiting = _waiting(cur, _buckets(name, client, cfg), now, cfg)
    return dt.timedelta(0) if waiting is None else waiting[1] - now


def _count_failure(tx: Tx, buckets: list[_Bucket], now: dt.datetime, cfg: Mapping[str, int]) -> str:
    """Count a failure in every bucket (a run of failures restarts after lockout_minutes);
    returns what the audit says about it."""
    since = now - dt.timedelta(minutes=cfg["lockout_minutes"])
    tx.execute("DELETE FROM sign_in_throttle WHERE last_failed_at < $since", {"since": since})
    said = []
    for bucket in buckets:
        key = {"k": bucket.kind, "key": bucket.key}
        failures = 1 + (
            tx.scalar("SELECT failures FROM sign_in_throttle WHERE kind = $k AND key = $key", key)
            or 0
        )
        tx.execute("DELETE FROM sign_in_throttle WHERE kind = $k AND key = $key", key)
        tx.execute(
            "INSERT INTO sign_in_throttle VALUES ($k, $key, $n, $now)",
            {**key, "n": failures, "now": now},
        )
        wait = delay(failures, bucket.free, bucket.longest)
        said.append(f"{bucket.kind} {failures} in a row" + (f", waits {wait}" if wait else ""))
    return " (" + "; ".join(said) + ")"


def _forget(tx: Tx, bucket: _Bucket) -> None:
    tx.execute(
        "DELETE FROM sign_in_throttle WHERE kind = $k AND key = $key",
        {"k": bucket.kind, "key": bucket.key},
    )


def forget_failures(tx: Tx, username: str) -> None:
    """Forget the failures of an account name (its password was reset)."""
    tx.execute(
        "DELETE FROM sign_in_throttle WHERE kind = 'account' AND key = $key",
        {"key": _hashed((username or "").strip().lower())},
    )


def _sign_in(tx: Tx, account: _Account, password: str, now: dt.datetime) -> None:
    """Record a correct password."""
    username = account.user.username
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
