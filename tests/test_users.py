"""Sign-in accounts: hashing, failures, locks, sessions, demo accounts and the command line."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from factories import World
from listed import listed_student_ids

from dashboard import demo, settings
from dashboard.demo.accounts import DEMO_USERS, demo_password, ensure_demo_accounts
from dashboard.errors import Invalid, NotAllowed, NotFound
from dashboard.security import access, accounts, audit, passwords, sign_in
from dashboard.store import open_store

ADMIN = access.User("boss", "admin", name="Beheer")
NOW = dt.datetime(2025, 10, 1, 9, 0)
PASSWORD = "correct horse battery"


@pytest.fixture
def people(store):
    world = World()
    world.add_person("P-MEN", "Mila Mentor")
    world.add_person("P-SUP", "Sam Bakker", kind="workplace")
    world.save(store)
    with store.write() as cur:
        cur.execute("UPDATE staff SET email = 'Mila@School.nl' WHERE person_id = 'P-MEN'")
    return store


def add_mentor(store, username="mila", password=PASSWORD, **kw):
    return accounts.add_user(store, ADMIN, username, "guide", password, person_id="P-MEN", **kw)


def audit_rows(store, action=None):
    with store.read() as cur:
        return audit.search(cur, action=action)


# -- hashing and checking ------------------------------------------------------------------


def test_password_is_stored_as_argon2id_with_the_asvs_parameters(people):
    add_mentor(people)
    with people.read() as cur:
        stored = cur.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in stored


def test_right_password_gives_the_user_with_the_person_name(people):
    add_mentor(people)
    user = sign_in.authenticate(people, "Mila ", PASSWORD, settings.current(people), now=NOW)
    assert user == access.User("mila", "guide", "P-MEN", "Mila Mentor", ())
    assert audit_rows(people, "sign_in")[0]["actor"] == "mila"


def test_wrong_password_and_unknown_user_fail_alike_and_never_log_the_password(people):
    add_mentor(people)
    with pytest.raises(NotAllowed) as wrong:
        sign_in.authenticate(people, "mila", "wrong password!", settings.current(people), now=NOW)
    with pytest.raises(NotAllowed) as unknown:
        sign_in.authenticate(people, "nobody", "wrong password!", settings.current(people), now=NOW)
    assert str(wrong.value) == str(unknown.value) == sign_in.SIGN_IN_FAILED
    failures = audit_rows(people, "sign_in_failed")
    assert {r["actor"] for r in failures} == {"mila", "(unknown)"}
    with people.read() as cur:
        dump = str(cur.execute("SELECT * FROM audit").fetchall())
    assert "wrong password!" not in dump and "nobody" not in dump


def test_unknown_user_still_costs_a_password_check(people, monkeypatch):
    checked = []
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify", lambda h, p: checked.append(h) or real(h, p))
    with pytest.raises(NotAllowed):
        sign_in.authenticate(people, "nobody", "whatever1", settings.current(people), now=NOW)
    assert checked == [sign_in._dummy_hash()]


def test_repeated_failures_slow_down_but_never_lock(people):
    """Issue 21, finding 3 replaced the lock (anyone could keep the owner out for
    lockout_minutes, again and again) by growing delays: tests/test_sign_in_throttle.py."""
    add_mentor(people)
    minute = dt.timedelta(minutes=1)
    for i in range(5):  # lockout_attempts = 5, each within lockout_minutes = 15 of the last
        with pytest.raises(NotAllowed):
            sign_in.authenticate(
                people, "mila", "nope nope", settings.current(people), now=NOW + i * minute
            )
    last = NOW + 4 * minute
    with pytest.raises(NotAllowed):  # the right password does not help during the wait
        sign_in.authenticate(people, "mila", PASSWORD, settings.current(people), now=last)
    # The wait after the fifth failure is a second, not a lock of 15 minutes.
    assert sign_in.authenticate(
        people, "mila", PASSWORD, settings.current(people), now=last + dt.timedelta(seconds=1)
    )
    details = [r["detail"] for r in audit_rows(people, "sign_in_failed")]
    assert any("must wait until" in d for d in details) and not any("lock" in d for d in details)


def test_failures_far_apart_do_not_lock(people):
    add_mentor(people)
    for i in range(8):
        with pytest.raises(NotAllowed):
            sign_in.authenticate(
                people,
                "mila",
                "nope nope",
                settings.current(people),
                now=NOW + i * dt.timedelta(minutes=16),
            )
    assert sign_in.authenticate(
        people, "mila", PASSWORD, settings.current(people), now=NOW + dt.timedelta(hours=3)
    )


def test_a_success_resets_the_count(people):
    add_mentor(people)
    t = NOW
    for _ in range(2):
        for _ in range(4):
            with pytest.raises(NotAllowed):
                sign_in.authenticate(people, "mila", "nope nope", settings.current(people), now=t)
        assert sign_in.authenticate(people, "mila", PASSWORD, settings.current(people), now=t)


def test_disabled_account_cannot_sign_in_and_load_user_gives_none(people):
    add_mentor(people)
    assert sign_in.load_user(people, "mila") is not None
    accounts.disable_user(people, ADMIN, "mila")
    assert sign_in.load_user(people, "mila") is None
    with pytest.raises(NotAllowed):
        sign_in.authenticate(people, "mila", PASSWORD, settings.current(people), now=NOW)
    accounts.enable_user(people, ADMIN, "mila")
    assert sign_in.load_user(people, "mila").name == "Mila Mentor"


def test_user_for_email_uses_the_account_email_or_else_the_person_email(people):
    add_mentor(people)
    assert sign_in.user_for_email(people, "mila@school.NL").username == "mila"
    accounts.add_user(
        people, ADMIN, "sam", "workplace", PASSWORD, person_id="P-SUP", email="sam@korst.nl"
    )
    assert sign_in.user_for_email(people, " Sam@Korst.nl ").username == "sam"
    assert sign_in.user_for_email(people, "someone@else.nl") is None
    assert sign_in.user_for_email(people, "") is None
    accounts.disable_user(people, ADMIN, "sam")
    assert sign_in.user_for_email(people, "sam@korst.nl") is None


# -- sessions ------------------------------------------------------------------------------

CFG = {"idle_timeout_minutes": 30, "session_max_hours": 12}


@pytest.mark.parametrize(
    ("started", "last_seen", "expired"),
    [
        (NOW - dt.timedelta(hours=1), NOW - dt.timedelta(minutes=29), False),
        (NOW - dt.timedelta(hours=1), NOW - dt.timedelta(minutes=31), True),  # idle
        (NOW - dt.timedelta(hours=11, minutes=59), NOW, False),
        (NOW - dt.timedelta(hours=12, minutes=1), NOW, True),  # absolute lifetime
    ],
)
def test_session_expires_when_idle_or_too_old(started, last_seen, expired):
    assert sign_in.session_expired(started, last_seen, NOW, CFG) is expired


# -- managing accounts ---------------------------------------------------------------------


def test_add_user_lists_every_problem_and_writes_nothing(people):
    with pytest.raises(Invalid) as exc:
        accounts.add_user(people, ADMIN, "X Y", "wizard", "short", person_id="P-NONE")
    keys = {p.key for p in exc.value.problems}
    assert keys == {
        "access.users.bad_username",
        "access.users.bad_kind",
        "access.password.too_short",
        "access.users.unknown_person",
    }
    assert any("at least 8 characters" in p.text("en") for p in exc.value.problems)
    assert accounts.list_users(people, ADMIN) == []


def test_add_user_rules_per_kind(people):
    with pytest.raises(Invalid) as exc:
        accounts.add_user(people, ADMIN, "zc", "care_coordinator", PASSWORD, person_id="P-MEN")
    assert [p.key for p in exc.value.problems] == ["access.users.locations_required"]
    with pytest.raises(Invalid) as exc:
        accounts.add_user(people, ADMIN, "mm", "guide", PASSWORD)
    assert [p.key for p in exc.value.problems] == ["access.users.person_required"]
    coordinator = accounts.add_user(
        people, ADMIN, "zc", "care_coordinator", PASSWORD, person_id="P-MEN", locations=["Noord"]
    )
    assert coordinator.locations == ("Noord",)
    assert accounts.add_user(people, ADMIN, "boss2", "admin", "a" * 200).person_id is None
    with pytest.raises(Invalid) as exc:
        accounts.add_user(people, ADMIN, "zc", "admin", PASSWORD)
    assert [p.key for p in exc.value.problems] == ["access.users.exists"]


def test_only_admins_manage_accounts(people):
    add_mentor(people)
    mentor = sign_in.load_user(people, "mila")
    for call in (
        lambda: accounts.add_user(people, mentor, "x1", "admin", PASSWORD),
        lambda: accounts.disable_user(people, mentor, "mila"),
        lambda: accounts.reset_password(people, mentor, "mila", PASSWORD),
        lambda: accounts.list_users(people, mentor),
    ):
        with pytest.raises(NotAllowed):
            call()


def test_reset_sets_the_password_lifts_the_lock_and_is_audited_without_it(people):
    add_mentor(people)
    for _ in range(5):
        with pytest.raises(NotAllowed):
            sign_in.authenticate(people, "mila", "nope nope", settings.current(people), now=NOW)
    accounts.reset_password(people, ADMIN, "mila", "a new secret 42")
    assert sign_in.authenticate(
        people, "mila", "a new secret 42", settings.current(people), now=NOW
    )
    with pytest.raises(NotAllowed):
        sign_in.authenticate(people, "mila", PASSWORD, settings.current(people), now=NOW)
    with people.read() as cur:
        assert "a new secret 42" not in str(cur.execute("SELECT * FROM audit").fetchall())
    with pytest.raises(NotFound):
        accounts.reset_password(people, ADMIN, "ghost", PASSWORD)


def test_the_last_admin_and_oneself_cannot_be_disabled(people):
    accounts.add_user(people, ADMIN, "boss", "admin", PASSWORD)
    with pytest.raises(Invalid) as exc:
        accounts.disable_user(people, access.CLI_USER, "boss")
    assert [p.key for p in exc.value.problems] == ["access.users.last_admin"]
    with pytest.raises(Invalid) as exc:
        accounts.disable_user(people, ADMIN, "boss")
    assert [p.key for p in exc.value.problems] == ["access.users.not_yourself"]


def test_account_changes_are_audited(people):
    add_mentor(people)
    accounts.disable_user(people, ADMIN, "mila")
    actions = [r["action"] for r in audit_rows(people) if r["entity"] == "users"]
    assert actions == ["user_disable", "user_add"]
    added = audit_rows(people, "user_add")[0]
    assert added["actor"] == "boss" and '"kind": "guide"' in added["new_value"]


# -- demo accounts -------------------------------------------------------------------------


DEMO_DAY = dt.date(2025, 3, 3)


def test_demo_accounts_exist_only_in_demo_mode(store):
    assert ensure_demo_accounts(store, DEMO_DAY) == []
    assert accounts.list_users(store, ADMIN) == []
    demo.generate(
        store, access.CLI_USER, students=60, seed=1, today=DEMO_DAY
    )  # marks the store as a demo
    demo_accounts = ensure_demo_accounts(store, DEMO_DAY)
    assert {a.username for a in demo_accounts} == set(DEMO_USERS)
    people = demo.demo_people(store, DEMO_DAY)
    assert "guide" not in people  # 60 students: no mentor of 10-30, so the busiest stands in
    for account in demo_accounts:
        user = sign_in.authenticate(
            store, account.username, account.password, settings.current(store), now=NOW
        )
        assert user.kind == account.kind
        who = DEMO_USERS[account.username][1]
        if who in people:
            assert user.person_id == people[who]
        assert account.description and "{" not in account.description
    assert listed_student_ids(store, sign_in.load_user(store, "mentor"), DEMO_DAY)
    coordinator = sign_in.load_user(store, "zorgcoordinator")
    assert list(coordinator.locations) == demo.person_locations(store, coordinator.person_id)
    assert ensure_demo_accounts(store, DEMO_DAY) == demo_accounts  # idempotent
    # the two supervisors show the difference consent makes
    for username, personal in (("praktijkbegeleider", True), ("praktijkbegeleider2", False)):
        sup = sign_in.load_user(store, username)
        seen = listed_student_ids(store, sup, DEMO_DAY)
        assert seen
        with store.read() as cur:
            assert any(
                access.sees_personal_circumstances(cur, sup, sid, DEMO_DAY) is personal
                for sid in seen
            )
    store.set_demo(False)
    assert sign_in.load_user(store, "beheerder") is None  # dead at once, before any cleanup
    with pytest.raises(NotAllowed):
        sign_in.authenticate(
            store, "beheerder", demo_password("beheerder"), settings.current(store), now=NOW
        )
    assert ensure_demo_accounts(store, DEMO_DAY) == []
    assert accounts.list_users(store, ADMIN) == []


def test_demo_names_taken_by_real_accounts_are_left_alone(store):
    accounts.add_user(store, ADMIN, "beheerder", "admin", PASSWORD)
    store.set_demo(True)  # an empty demo store: nobody to link, so only admin and manager
    demo_accounts = ensure_demo_accounts(store, DEMO_DAY)
    assert [a.username for a in demo_accounts] == ["manager"]
    assert sign_in.authenticate(store, "beheerder", PASSWORD, settings.current(store), now=NOW)
    with pytest.raises(NotAllowed):
        sign_in.authenticate(
            store, "beheerder", demo_password("beheerder"), settings.current(store), now=NOW
        )


# -- the command line ----------------------------------------------------------------------


def regiebord(db, *args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "user", "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "REGIEBORD_LANG": "en"},
        timeout=600,  # generous: the machine is shared; a hang still ends
    )


def test_cli_add_list_reset_disable(tmp_path):
    db = tmp_path / "cli.duckdb"
    store = open_store(db)
    world = World()
    world.add_person("P-MEN", "Mila Mentor")
    world.save(store)
    store.close()

    done = regiebord(db, "add", "mila", "--kind", "guide", "--person", "P-MEN",
                     "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = regiebord(db, "add", "root", "--kind", "admin", "--password-stdin", stdin="short\n")
    assert done.returncode == 1 and "at least 8 characters" in done.stderr
    assert "Traceback" not in done.stderr

    listed = regiebord(db, "list")
    assert listed.returncode == 0
    assert listed.stdout.split("\n")[0].split("\t")[:4] == ["mila", "guide", "P-MEN", "Mila Mentor"]
    assert "root" not in listed.stdout

    assert (
        regiebord(db, "reset", "mila", "--password-stdin", stdin="another one 9\n").returncode == 0
    )
    store = open_store(db)
    assert (
        sign_in.authenticate(
            store, "mila", "another one 9", settings.current(store), now=NOW
        ).username
        == "mila"
    )
    store.close()

    assert regiebord(db, "disable", "mila").returncode == 0
    missing = regiebord(db, "disable", "ghost")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr

    store = open_store(db)
    assert sign_in.load_user(store, "mila") is None
    with store.read() as cur:
        actions = [r["action"] for r in audit.search(cur, actor="cli")]
        assert audit.verify_chain(cur) is None
    store.close()
    assert actions == ["user_disable", "user_reset", "user_add"]
