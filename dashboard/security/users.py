"""Sign-in accounts: passwords, locks, sessions and demo accounts (the command: dashboard.cli).

Passwords are hashed with argon2id (t=2, m=19 MiB, p=1: the OWASP ASVS minimum). Sign-in
failures all give one message, whatever the cause, and an unknown user name costs the same
work as a wrong password, so neither the message nor the time tells which names exist.
After `lockout_attempts` failures, each within `lockout_minutes` of the previous one, the
account is locked for `lockout_minutes`; attempts during a lock do not extend it, so nobody
can lock an account for longer than that. A lock only stops new sign-ins: open sessions of the
account's owner go on. Every sign-in, failure and account change is audited, never a password.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from dashboard import demo, i18n, settings
from dashboard.errors import Invalid, NotAllowed, NotFound
from dashboard.problem import Problem
from dashboard.security import access, audit
from dashboard.security.access import KINDS, User
from dashboard.store import Store
from dashboard.store.tx import Tx

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024  # long passphrases are welcome; megabytes would only burn CPU
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
# Kinds that act for the school as a whole and need not be a person in staff.
KINDS_WITHOUT_PERSON = ("admin", "manager")
# The one sign-in failure message, for the command line and logs (the login page has its own).
SIGN_IN_FAILED = (
    "Sign-in failed: unknown user name or wrong password, or the account is temporarily locked."
)

_HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return hash_password("no account has this password")


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
    store: Store, username: str, password: str, now: dt.datetime | None = None
) -> User:
    """The User for this name and password; NotAllowed(SIGN_IN_FAILED) on any failure."""
    now = now or _now()
    name = (username or "").strip().lower()
    with store.read() as cur:
        account = _account(cur, name)
    if account is None or account.disabled or account.password_hash is None:
        _verify(_dummy_hash(), password)  # the same work as a real check: no timing oracle
        reason = "unknown user name" if account is None else "disabled or no password"
    elif account.locked_until and account.locked_until > now:
        _verify(_dummy_hash(), password)
        reason = "locked"
    elif not _verify(account.password_hash, password):
        reason = "wrong password"
    else:
        reason = None
    cfg = settings.current(store)
    with store.write(audit_only=True) as tx:
        if reason is None:
            reason = _sign_in(tx, account, password, now)
        elif reason == "wrong password":
            reason = _count_failure(tx, name, now, cfg)
        if reason is None:
            return account.user
        # An unknown name is not recorded: people type their password there by mistake.
        actor = name if account is not None else "(unknown)"
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
    if _HASHER.check_needs_rehash(account.password_hash):
        tx.execute(
            "UPDATE users SET password_hash = $h WHERE username = $u",
            {"u": username, "h": hash_password(password)},
        )
    audit.record(tx, audit.SignIn(username, "password"))
    return None


def _count_failure(tx: Tx, username: str, now: dt.datetime, cfg: dict) -> str:
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
    started_at: dt.datetime, last_seen: dt.datetime, now: dt.datetime, settings: dict
) -> bool:
    """True after `idle_timeout_minutes` without activity or `session_max_hours` in all.

    `settings` is settings.current(store). The app keeps this clock itself, also for OpenID
    Connect sessions (Streamlit's login cookie lives 30 days).
    """
    idle = now - last_seen > dt.timedelta(minutes=settings["idle_timeout_minutes"])
    too_old = now - started_at > dt.timedelta(hours=settings["session_max_hours"])
    return idle or too_old


# -- demo accounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    kind: str
    description: str  # who the account is and what it sees, in the `lang` asked for


# username -> (kind, which of demo.demo_people's people the account belongs to)
DEMO_USERS = {
    "beheerder": ("admin", None),
    "manager": ("manager", None),
    "zorgcoordinator": ("care_coordinator", "care_coordinator"),
    "zorgmedewerker": ("care_worker", "care_worker"),
    "mentor": ("guide", "guide"),
    "klassenbegeleider": ("guide", "class_counsellor"),
    "praktijkbegeleider": ("workplace", "workplace"),
    "praktijkbegeleider2": ("workplace", "workplace_no_consent"),
}


# A small demo may lack demo_people's ideal person (a mentor of 10-30 students, say): then the
# busiest holder of this role on the day stands in.
DEMO_FALLBACK_ROLES = {
    "care_coordinator": "care_coordinator",
    "care_worker": "care_worker",
    "guide": "mentor",
    "class_counsellor": "class_counsellor",
}


def _busiest(cur, who: str, role: str, today: dt.date) -> dict[str, str]:
    row = cur.execute(
        f"SELECT person_id FROM roles r WHERE role = $role AND {access.ACTIVE_ROLE} "
        "GROUP BY person_id ORDER BY count(DISTINCT student_id) DESC, person_id LIMIT 1",
        {"role": role, "today": today},
    ).fetchone()
    return {who: row[0]} if row else {}


def demo_password(username: str) -> str:
    return f"demo-{username}"


def ensure_demo_accounts(
    store: Store, today: dt.date | None = None, lang: str = i18n.DEFAULT_LANGUAGE
) -> list[DemoAccount]:
    """The demo accounts (made when missing) while the store is a demo store, else [].

    Each belongs to a person demo.demo_people picks (a kind without one is left out).
    Outside demo mode there are none: accounts made for an earlier demo are removed.
    """
    if not store.is_demo():
        _remove_demo_accounts(store)
        return []
    today = today or dt.date.today()
    people = demo.demo_people(store, today)
    with store.read() as cur:
        existing = dict(cur.execute("SELECT username, is_demo FROM users").fetchall())
        names = dict(cur.execute("SELECT person_id, name FROM staff").fetchall())
        for who, role in DEMO_FALLBACK_ROLES.items():
            if who not in people:
                people |= _busiest(cur, who, role, today)
    # A real account that happens to have a demo name is left alone and not listed.
    wanted = {
        username: (kind, people.get(who), who or kind)
        for username, (kind, who) in DEMO_USERS.items()
        if (who is None or who in people) and existing.get(username, True)
    }
    locations = {
        username: demo.person_locations(store, person_id) if kind == "care_coordinator" else []
        for username, (kind, person_id, _) in wanted.items()
    }
    missing = [u for u in wanted if u not in existing]
    if missing:
        with store.write(audit_only=True) as tx:
            for username in missing:
                kind, person_id, _ = wanted[username]
                password = demo_password(username)
                _insert_user(
                    tx, username, kind, person_id, locations[username], None, password, True
                )
                audit.record(tx, audit.AccountAdded("system", username))
    return [
        DemoAccount(
            username,
            demo_password(username),
            kind,
            i18n.t(
                f"access.demo.{description}",
                lang,
                name=names.get(person_id, ""),
                locations=", ".join(locations[username]),
            ),
        )
        for username, (kind, person_id, description) in wanted.items()
    ]


def _remove_demo_accounts(store: Store) -> None:
    with store.read() as cur:
        stale = cur.execute("SELECT username FROM users WHERE is_demo").fetchall()
    if stale:
        with store.write(audit_only=True) as tx:
            tx.execute("DELETE FROM users WHERE is_demo")
            audit.record_many(tx, [audit.DemoAccountRemoved("system", u) for (u,) in stale])


# -- managing accounts (admins) --------------------------------------------------------------


def _password_problems(password: str | None) -> list[Problem]:
    if password is None or len(password) < PASSWORD_MIN_LENGTH:
        return [Problem("access.password.too_short", {"min": PASSWORD_MIN_LENGTH})]
    if len(password) > PASSWORD_MAX_LENGTH:
        return [Problem("access.password.too_long", {"max": PASSWORD_MAX_LENGTH})]
    return []


def _insert_user(tx: Tx, username, kind, person_id, locations, email, password, is_demo=False):
    tx.execute(
        "INSERT INTO users (username, person_id, kind, locations, email, password_hash, "
        "disabled, failed_attempts, created_at, is_demo) "
        "VALUES ($u, $p, $k, $l, $e, $h, false, 0, $now, $demo)",
        {
            "u": username,
            "p": person_id,
            "k": kind,
            "l": list(locations) or None,
            "e": email,
            "h": hash_password(password),
            "now": _now(),
            "demo": is_demo,
        },
    )


def add_user(
    store: Store,
    actor: User,
    username: str,
    kind: str,
    password: str,
    person_id: str | None = None,
    locations: tuple[str, ...] | list[str] = (),
    email: str | None = None,
) -> User:
    """Add an account (admins only). Raises Invalid listing every problem; writes nothing then."""
    access.ensure(actor, "manage_users")
    username = (username or "").strip().lower()
    person_id = (person_id or "").strip() or None
    email = (email or "").strip() or None
    locations = tuple(loc.strip() for loc in locations if loc.strip())
    problems = []
    if not USERNAME_PATTERN.fullmatch(username):
        problems.append(Problem("access.users.bad_username", {"username": username}))
    if kind not in KINDS:
        problems.append(Problem("access.users.bad_kind", {"kind": kind, "kinds": ", ".join(KINDS)}))
    if person_id is None and kind not in KINDS_WITHOUT_PERSON:
        problems.append(Problem("access.users.person_required"))
    if kind == "care_coordinator" and not locations:
        problems.append(Problem("access.users.locations_required"))
    if kind not in ("care_coordinator", "manager") and locations:
        problems.append(Problem("access.users.locations_only_coordinator"))
    if email is not None and "@" not in email:
        problems.append(Problem("access.users.bad_email", {"email": email}))
    problems += _password_problems(password)
    with store.write(audit_only=True) as tx:
        if tx.one("SELECT 1 FROM users WHERE username = $u", {"u": username}):
            problems.append(Problem("access.users.exists", {"username": username}))
        if person_id and not tx.one("SELECT 1 FROM staff WHERE person_id = $p", {"p": person_id}):
            problems.append(Problem("access.users.unknown_person", {"person_id": person_id}))
        if problems:
            raise Invalid(problems)
        _insert_user(tx, username, kind, person_id, locations, email, password)
        new = {
            "username": username,
            "kind": kind,
            "person_id": person_id,
            "locations": list(locations),
            "email": email,
        }
        audit.record(tx, audit.AccountAdded(actor.actor, username, new))
    return load_user(store, username)


def _require_account(tx: Tx, username: str) -> tuple[str, bool]:
    row = tx.one("SELECT kind, disabled FROM users WHERE username = $u", {"u": username})
    if row is None:
        raise NotFound(username)
    return row["kind"], row["disabled"]


def disable_user(store: Store, actor: User, username: str) -> None:
    """Disable an account: it cannot sign in and its open sessions end at the next rerun."""
    access.ensure(actor, "manage_users")
    with store.write(audit_only=True) as tx:
        kind, disabled = _require_account(tx, username)
        if username == actor.username:
            raise Invalid([Problem("access.users.not_yourself")])
        other_admins = tx.scalar(
            "SELECT count(*) FROM users WHERE kind = 'admin' AND NOT disabled AND username <> $u",
            {"u": username},
        )
        if kind == "admin" and not other_admins:
            raise Invalid([Problem("access.users.last_admin")])
        tx.execute("UPDATE users SET disabled = true WHERE username = $u", {"u": username})
        audit.record(tx, audit.AccountDisabled(actor.actor, username, disabled))


def enable_user(store: Store, actor: User, username: str) -> None:
    access.ensure(actor, "manage_users")
    with store.write(audit_only=True) as tx:
        _, disabled = _require_account(tx, username)
        tx.execute("UPDATE users SET disabled = false WHERE username = $u", {"u": username})
        audit.record(tx, audit.AccountEnabled(actor.actor, username, disabled))


def reset_password(store: Store, actor: User, username: str, password: str) -> None:
    """Set a new password and lift any lock."""
    access.ensure(actor, "manage_users")
    problems = _password_problems(password)
    with store.write(audit_only=True) as tx:
        _require_account(tx, username)
        if problems:
            raise Invalid(problems)
        tx.execute(
            "UPDATE users SET password_hash = $h, failed_attempts = 0, locked_until = NULL, "
            "last_failed_at = NULL WHERE username = $u",
            {"u": username, "h": hash_password(password)},
        )
        audit.record(tx, audit.PasswordReset(actor.actor, username))


def list_users(store: Store, actor: User, now: dt.datetime | None = None) -> list[dict]:
    """Every account (admins only): no password hashes."""
    access.ensure(actor, "manage_users")
    with store.read() as cur:
        rel = cur.execute(
            "SELECT u.username, u.kind, u.person_id, s.name, u.locations, u.email, u.disabled, "
            "coalesce(u.locked_until > $now, false) AS locked, u.last_sign_in_at, u.created_at, "
            "coalesce(u.is_demo, false) AS is_demo "
            "FROM users u LEFT JOIN staff s ON s.person_id = u.person_id ORDER BY u.username",
            {"now": now or _now()},
        )
        names = [d[0] for d in rel.description]
        return [dict(zip(names, row)) for row in rel.fetchall()]


def people_and_locations(store: Store, actor: User) -> tuple[dict[str, str], list[str]]:
    """For the account form: person_id -> "name (organisation)" of everyone in staff, and the
    students' locations (admins only)."""
    access.ensure(actor, "manage_users")
    with store.read() as cur:
        people = cur.execute(
            "SELECT person_id, name || ' (' || organisation || ')' FROM staff ORDER BY name, 1"
        ).fetchall()
        locations = cur.execute("SELECT DISTINCT location FROM students ORDER BY 1").fetchall()
    return dict(people), [r[0] for r in locations]
