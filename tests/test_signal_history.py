"""Signals over many days in one pass equal the one-day engine, day by day.

The history (rules.signal_query with many days) and signals.evaluate (one day) are the same
query file, so these tests guard what makes them differ: the days joined into every rule,
facts shared by all days (first moment dates, contact spans, answers per day), and the
acknowledgements made on or before each day. Worlds come from the reference test's random
builder (equal dates and window edges are common there), with acknowledgements added.
"""

from __future__ import annotations

import datetime as dt
import random

from factories import days
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_h
from hypothesis import strategies as st
from test_signals_reference import BASE, random_world

from dashboard import settings, signals
from dashboard.codes import TABLES
from dashboard.security import access
from dashboard.signals import rules


def _history(store, evaluation_days: list[dt.date]) -> dict[dt.date, list[tuple]]:
    """The history's rows per day, as signals.evaluate gives them (without as_of)."""
    sql, params = rules.signal_query(store, evaluation_days)
    with store.read() as cur:
        rows = cur.execute(sql, params).fetchall()
    found: dict[dt.date, list[tuple]] = {d: [] for d in evaluation_days}
    for row in rows:
        found[row[0]].append(tuple(row[1:]))
    return found


def _one_day(store, day: dt.date) -> list[tuple]:
    return list(signals.evaluate(store, day).itertuples(index=False, name=None))


def _acknowledge_some(store, rng: random.Random, on: list[dt.date]) -> int:
    """Acknowledgements of signals found on some of `on`, made on random days, with a random
    end date and sometimes a since that no longer matches; some replaced by a later one."""
    rows = []
    for day in on:
        for s in signals.evaluate(store, day).itertuples(index=False):
            if rng.random() < 0.3:
                since = s.since if rng.random() < 0.8 else s.since - days(1)
                made = day + days(rng.randint(-20, 20))
                for k in range(rng.choice([1, 1, 2])):
                    at = dt.datetime.combine(made + days(7 * k), dt.time(9, rng.randint(0, 59)))
                    until = made + days(rng.randint(-3, 60))
                    key = (s.code, s.student_id, s.placement_id or "", since, at)
                    if key not in {r[:5] for r in rows}:
                        rows.append((*key, f"reden {len(rows)}", until, "tester"))
    if not rows:
        return 0
    with store.write() as tx:
        tx.executemany(
            "INSERT INTO acknowledgements (code, student_id, placement_id, since, acknowledged_at,"
            " reason, until, acknowledged_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def _assert_counts_equal_rows(store, evaluation_days, history) -> None:
    """`flags --counts` gives per day and code exactly the open and acknowledged signals among
    the history's rows, sorted by day and code."""
    expected: dict[tuple, list[int]] = {}
    for day, rows in history.items():
        for code, severity, *_, acknowledged, _reason, _until, _by, _person in rows:
            expected.setdefault((day.isoformat(), code, severity), [0, 0])[acknowledged] += 1
    text = signals.counts_report(store, access.CLI_USER, evaluation_days)
    lines = [line.split(",") for line in text.splitlines()[1:]]
    assert {(d, c, s): [int(o), int(a)] for d, c, s, o, a in lines} == expected
    assert [(d, c) for d, c, *_ in lines] == sorted((d, c) for d, c, _ in expected)


def _assert_equal_day_by_day(store, evaluation_days: list[dt.date]) -> int:
    history = _history(store, evaluation_days)
    for day in evaluation_days:
        assert history[day] == _one_day(store, day), day
    _assert_counts_equal_rows(store, evaluation_days, history)
    return sum(len(rows) for rows in history.values())


@settings_h(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rng=st.randoms(use_true_random=False),
    n=st.integers(1, 4),
    start=st.integers(-70, 200),
    every=st.integers(1, 40),
    count=st.integers(1, 8),
)
def test_history_equals_one_day_engine_on_tiny_worlds(store, rng, n, start, every, count):
    with store.write() as cur:
        for table in (*TABLES, "acknowledgements"):
            cur.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
    random_world(rng, n, "h").save(store)
    first = BASE + days(start)
    evaluation_days = rules.evaluation_days(first, first + days(every * (count - 1)), every)
    _acknowledge_some(store, rng, evaluation_days[::2])
    _assert_equal_day_by_day(store, evaluation_days)


def test_history_of_53_weeks_equals_one_day_engine_on_a_600_student_world(store):
    rng = random.Random(17)
    random_world(rng, 600, "w").save(store)
    weeks = rules.evaluation_days(BASE - days(63), BASE - days(63) + days(7 * 52))
    assert len(weeks) == 53
    acknowledged = _acknowledge_some(store, rng, weeks[8:30:3])
    found = _assert_equal_day_by_day(store, weeks)
    assert acknowledged > 50 and found > 5000  # a world where every rule has work


def test_history_with_other_thresholds_and_restricted_to_students(store):
    rng = random.Random(5)
    world = random_world(rng, 120, "t")
    world.save(store)
    settings.save(
        store,
        access.CLI_USER,
        {"no_contact_days": 10, "absence_window_days": 10, "absence_hours": 4, "many_guides": 3},
    )
    some = sorted(rng.sample([s["student_id"] for s in world.students], 30))
    evaluation_days = rules.evaluation_days(BASE - days(20), BASE + days(220), 9)
    _assert_equal_day_by_day(store, evaluation_days)
    sql, params = rules.signal_query(store, evaluation_days, some)
    with store.read() as cur:
        part = cur.execute(sql, params).fetchall()
    full = [r for day, rows in _history(store, evaluation_days).items() for r in rows]
    assert len(part) > 0
    assert sorted(map(tuple, part)) == sorted(
        (day, *r)
        for day, rows in _history(store, evaluation_days).items()
        for r in rows
        if r[2] in some
    )
    assert len(full) > len(part)


def test_an_acknowledgement_counts_from_the_day_it_was_made_to_its_end_date(store):
    rng = random.Random(3)
    random_world(rng, 40, "a").save(store)
    day = BASE + days(90)
    target = signals.evaluate(store, day).iloc[0]
    signals.acknowledge(
        store,
        access.CLI_USER,
        target.code,
        target.student_id,
        target.placement_id,
        target.since,
        "bewust",
        day + days(7),
        today=day,
    )
    history = _history(store, [day - days(1), day, day + days(7), day + days(8)])

    def acknowledged_on(d: dt.date) -> bool | None:
        key = (target.code, target.student_id, target.placement_id, target.since)
        return next((r[5] for r in history[d] if (r[0], r[2], r[3], r[4]) == key), None)

    assert acknowledged_on(day) is True
    assert acknowledged_on(day - days(1)) is False  # made later
    if acknowledged_on(day + days(8)) is not None:  # still firing after its end date
        assert acknowledged_on(day + days(8)) is False
    assert signals.evaluate(store, day - days(1)).query("acknowledged").empty
