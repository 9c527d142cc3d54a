"""The demo's sign-in accounts: one per kind of user, each belonging to a person the demo
data holds (picked by `demo_people`), listed on the sign-in page with its password.

They exist only while the store is a demo store: outside demo mode they are removed, and
sign-in ignores them (dashboard.security.sign_in) even before that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboard import i18n
from dashboard.demo import demo_people, person_locations
from dashboard.security import access, audit
from dashboard.security.accounts import insert_account
from dashboard.store import Store


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    kind: str
    description: str  # who the account is and what it sees, in the `lang` asked for


# username -> (kind, which of demo_people's people the account belongs to)
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

    Each belongs to a person demo_people picks (a kind without one is left out).
    Outside demo mode there are none: accounts made for an earlier demo are removed.
    """
    if not store.is_demo():
        _remove_demo_accounts(store)
        return []
    today = today or dt.date.today()
    people = demo_people(store, today)
    with store.read() as cur:
        existing = dict(cur.execute("SELECT username, is_demo FROM users").fetchall())
        names = dict(cur.execute("SELECT person_id, name FROM staff").fetchall())
        for who, role in DEMO_FALLBACK_ROLES.items():
            if who not in people:
                people |= _busiest(cur, who, role, today)
    # A real account that happens to have a demo name is left alone and not listed.
    wanted = {
        username: (kind, people.get(who) if who else None, who or kind)
        for username, (kind, who) in DEMO_USERS.items()
        if (who is None or who in people) and existing.get(username, True)
    }
    locations = {
        username: person_locations(store, person_id)
        if kind == "care_coordinator" and person_id
        else []
        for username, (kind, person_id, _) in wanted.items()
    }
    missing = [u for u in wanted if u not in existing]
    if missing:
        with store.write(audit_only=True) as tx:
            for username in missing:
                kind, person_id, _ = wanted[username]
                password = demo_password(username)
                insert_account(
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
