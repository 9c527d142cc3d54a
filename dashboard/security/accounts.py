"""Managing sign-in accounts (admins; the command line acts as one): add, disable, enable,
reset a password, list. Every change is audited, never a password (the command:
dashboard.cli; signing in: sign_in.py; passwords: passwords.py).
"""

from __future__ import annotations

import datetime as dt
import re

from dashboard.errors import Invalid, NotFound
from dashboard.problem import Problem
from dashboard.security import access, audit, passwords, sign_in
from dashboard.security.access import KINDS, User
from dashboard.security.sign_in import load_user
from dashboard.store import Store
from dashboard.store.tx import Tx

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
# Kinds that act for the school as a whole and need not be a person in staff.
KINDS_WITHOUT_PERSON = ("admin", "manager")


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def insert_account(tx: Tx, username, kind, person_id, locations, email, password, is_demo=False):
    """Write a new account row; the caller has checked who acts and what is written
    (add_user here, the demo accounts in dashboard.demo.accounts)."""
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
            "h": passwords.hash_password(password),
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
    problems += passwords.problems(password)
    with store.write(audit_only=True) as tx:
        if tx.one("SELECT 1 FROM users WHERE username = $u", {"u": username}):
            problems.append(Problem("access.users.exists", {"username": username}))
        if person_id and not tx.one("SELECT 1 FROM staff WHERE person_id = $p", {"p": person_id}):
            problems.append(Problem("access.users.unknown_person", {"person_id": person_id}))
        if problems:
            raise Invalid(problems)
        insert_account(tx, username, kind, person_id, locations, email, password)
        new = {
            "username": username,
            "kind": kind,
            "person_id": person_id,
            "locations": list(locations),
            "email": email,
        }
        audit.record(tx, audit.AccountAdded(actor.actor, username, new))
    added = load_user(store, username)
    assert added is not None, "an account just added is there"
    return added


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
        audit.record(tx, audit.AccountDisabledChanged(actor.actor, username, disabled, True))


def enable_user(store: Store, actor: User, username: str) -> None:
    access.ensure(actor, "manage_users")
    with store.write(audit_only=True) as tx:
        _, disabled = _require_account(tx, username)
        tx.execute("UPDATE users SET disabled = false WHERE username = $u", {"u": username})
        audit.record(tx, audit.AccountDisabledChanged(actor.actor, username, disabled, False))


def reset_password(store: Store, actor: User, username: str, password: str) -> None:
    """Set a new password and forget the account's recent sign-in failures."""
    access.ensure(actor, "manage_users")
    problems = passwords.problems(password)
    with store.write(audit_only=True) as tx:
        _require_account(tx, username)
        if problems:
            raise Invalid(problems)
        tx.execute(
            "UPDATE users SET password_hash = $h, failed_attempts = 0, locked_until = NULL, "
            "last_failed_at = NULL WHERE username = $u",
            {"u": username, "h": passwords.hash_password(password)},
        )
        sign_in.forget_failures(tx, username)
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
