"""Repeated sign-in failures slow down, per account and per client, and never lock an account
outright (issue 21, finding 3). The clock is injected (`now=`): no test sleeps."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import World

from dashboard import settings
from dashboard.errors import NotAllowed
from dashboard.security import access, accounts, audit, sign_in

ADMIN = access.User("boss", "admin", name="Beheer")
NOW = dt.datetime(2025, 10, 1, 9, 0)
PASSWORD = "correct horse battery"
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def people(store):
    world = World()
    world.add_person("P-MEN", "Mila Mentor")
    world.save(store)
    for name in ("mila", "beheerder", "other"):
        accounts.add_user(store, ADMIN, name, "guide", PASSWORD, person_id="P-MEN")
    return store


def attempt(store, name, password, now, client=None):
    try:
        return sign_in.authenticate(
            store, name, password, settings.current(store), now=now, client=client
        )
    except NotAllowed as exc:
        assert str(exc) == sign_in.SIGN_IN_FAILED  # the same message for every failure
        return None


def fail(store, name, now, client=None):
    assert attempt(store, name, "nope nope", now, client) is None


def test_failures_slow_an_account_down_with_growing_delays_but_never_lock_it(people):
    t = NOW
    for _ in range(4):  # lockout_attempts = 5: the first four cost nothing
        fail(people, "mila", t)
    assert attempt(people, "mila", PASSWORD, t)  # and a success clears them
    waits = []
    for _ in range(20):  # an attacker trying the admin's name over and over
        fail(people, "beheerder", t)
        wait = sign_in.wait_for(people, "beheerder", None, settings.current(people), t)
        waits.append(wait)
        t += wait or SECOND
    assert waits[:4] == [dt.timedelta(0)] * 4
    assert waits[4:9] == [SECOND * 1, SECOND * 2, SECOND * 4, SECOND * 8, SECOND * 16]
    assert max(waits) == sign_in.ACCOUNT_MAX_DELAY == dt.timedelta(seconds=60)
    # After the last failure the owner waits at most a minute; then the right password works.
    last = t - waits[-1]
    assert attempt(people, "beheerder", PASSWORD, last + waits[-1] - SECOND) is None
    assert attempt(people, "beheerder", PASSWORD, last + waits[-1])


def test_attempts_during_a_wait_do_not_extend_it_and_are_audited(people):
    for _ in range(5):
        fail(people, "mila", NOW)
    wait = sign_in.wait_for(people, "mila", None, settings.current(people), NOW)
    assert wait == SECOND
    for _ in range(50):  # hammering during the wait: refused, without a password check
        assert attempt(people, "mila", PASSWORD, NOW + SECOND / 2) is None
    assert attempt(people, "mila", PASSWORD, NOW + wait)
    with people.read() as cur:
        details = [r["detail"] for r in audit.search(cur, action="sign_in_failed", limit=100)]
    assert sum("must wait until 2025-10-01 09:00:01" in d for d in details) == 50
    assert not any("lock" in d for d in details)


def test_a_client_trying_many_names_slows_down_without_hurting_other_clients(people):
    t = NOW
    names = [f"guess{i}" for i in range(20)] + ["mila", "beheerder", "other"]
    for name in names:  # one failure per name: no account is slowed down
        fail(people, name, t, client="203.0.113.9")
    cfg = settings.current(people)
    assert sign_in.wait_for(people, "other", "203.0.113.9", cfg, t) > dt.timedelta(0)
    # The same client is refused even with the right password, until its wait is over…
    assert attempt(people, "other", PASSWORD, t, client="203.0.113.9") is None
    # …while the owner at their own desk signs in at once.
    assert attempt(people, "other", PASSWORD, t, client="198.51.100.7")
    # The client's wait grows but is bounded by lockout_minutes.
    for _ in range(40):
        t += sign_in.wait_for(people, "x", "203.0.113.9", cfg, t)
        fail(people, "x", t, client="203.0.113.9")
    assert sign_in.wait_for(people, "x", "203.0.113.9", cfg, t) == dt.timedelta(minutes=15)


def test_unknown_names_are_slowed_down_like_real_ones_and_never_stored(people):
    for name in ("mila", "nobody-has-this-name"):
        for _ in range(7):
            fail(people, name, NOW)
    cfg = settings.current(people)
    assert sign_in.wait_for(people, "mila", None, cfg, NOW) == sign_in.wait_for(
        people, "nobody-has-this-name", None, cfg, NOW
    )
    with people.read() as cur:
        throttle = str(cur.execute("SELECT * FROM sign_in_throttle").fetchall())
        trail = str(cur.execute("SELECT * FROM audit").fetchall())
    assert "nobody-has-this-name" not in throttle + trail  # a typed name may be a password
    assert "mila" not in throttle  # names are kept as hashes


def test_failures_are_forgotten_after_lockout_minutes(people):
    for _ in range(8):
        fail(people, "mila", NOW)
    later = NOW + dt.timedelta(minutes=16)
    assert sign_in.wait_for(people, "mila", None, settings.current(people), later) == dt.timedelta(
        0
    )
    fail(people, "mila", later)  # counts as the first again
    assert sign_in.wait_for(people, "mila", None, settings.current(people), later) == dt.timedelta(
        0
    )
