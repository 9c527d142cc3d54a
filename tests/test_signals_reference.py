"""An independent, slow reading of docs/flags.md in plain Python, student by student, compared
with the SQL engine on many small random worlds and several evaluation days.

The reference is written from the spec text, not from the SQL: when the two disagree one of
them misreads the spec. Random worlds use a short date range and few people, so boundaries
(equal dates, a contact exactly on a window edge, a role ending on T) happen often.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
from factories import World, days
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_h
from hypothesis import strategies as st

from dashboard import settings, signals
from dashboard.codes import ROLES, TABLES, TOPICS
from dashboard.security import access

SCHOOL_GUIDES = ("mentor", "bpv_coordinator", "class_counsellor")


# -- the reference ---------------------------------------------------------------------------


def _role_active(r: dict, day: dt.date) -> bool:
    return r["start_date"] <= day and (r["end_date"] is None or day <= r["end_date"])


def _placement_active(p: dict, day: dt.date) -> bool:
    return p["start_date"] <= day <= (p["ended_early_on"] or p["end_date"])


def _agreement_active(a: dict, day: dt.date) -> bool:
    return a["agreed_on"] <= day and (a["ended_on"] is None or day <= a["ended_on"])


def _student_active(s: dict, day: dt.date) -> bool:
    left_later = s["status_date"] is not None and s["status_date"] > day
    return s["enrolment_date"] <= day and (s["status"] == "active" or left_later)


def reference_signals(world: World, T: dt.date, cfg: dict[str, int]) -> dict[tuple, dt.date]:
    """{(code, student_id, placement_id or ''): since} per docs/flags.md."""
    found: dict[tuple, dt.date] = {}

    def add(code: str, sid: str, placement_id: str | None, since: dt.date) -> None:
        key = (code, sid, placement_id or "")
        found[key] = min(since, found.get(key, since))

    by_student = defaultdict(lambda: defaultdict(list))
    for table in ("roles", "placements", "contacts", "agreements", "consents", "absences"):
        for row in getattr(world, table):
            by_student[row["student_id"]][table].append(row)

    for s in world.students:
        sid = s["student_id"]
        mine = by_student[sid]
        contacts = [c for c in mine["contacts"] if c["date"] <= T]
        roles = mine["roles"]
        placements = mine["placements"]

        # STOP_NOT_COMMUNICATED: also for students who are no longer active.
        for p in placements:
            stops = []
            if s["status"] in ("dropped_out", "transferred") and s["status_date"] is not None:
                if _placement_active(p, s["status_date"]):
                    stops.append(s["status_date"])
            if p["ended_early_on"] is not None:
                stops.append(p["ended_early_on"])
            for stop in stops:
                inform_by = stop + days(cfg["stop_inform_days"])
                if not (T > inform_by and T <= stop + days(cfg["stop_window_days"])):
                    continue
                informed = p["supervisor_id"] is not None and any(
                    stop <= c["date"] <= inform_by and p["supervisor_id"] in c["participants"]
                    for c in contacts
                )
                if not informed:
                    add("STOP_NOT_COMMUNICATED", sid, p["placement_id"], inform_by + days(1))

        if not _student_active(s, T):
            continue

        active_roles = [r for r in roles if _role_active(r, T)]
        active_agreements = [a for a in mine["agreements"] if _agreement_active(a, T)]

        # Fixed contact moments.
        for p in placements:
            pid = p["placement_id"]
            kinds = {c["kind"] for c in contacts if c["placement_id"] == pid}
            if _placement_active(p, T):
                grace = p["start_date"] + days(cfg["start_grace_days"])
                if T > grace and "start" not in kinds:
                    add("START_MISSING", sid, pid, grace + days(1))
                mid = p["start_date"] + days((p["end_date"] - p["start_date"]).days // 2)
                if T > mid + days(cfg["mid_grace_days"]) and "mid" not in kinds:
                    add("MID_OVERDUE", sid, pid, mid + days(cfg["mid_grace_days"] + 1))
                for c in contacts:
                    if c["placement_id"] != pid or c["kind"] not in ("start", "mid", "final"):
                        continue
                    has_supervisor = (
                        p["supervisor_id"] is not None and p["supervisor_id"] in c["participants"]
                    )
                    has_school_guide = any(
                        r["person_id"] in c["participants"]
                        and r["role"] in SCHOOL_GUIDES
                        and _role_active(r, c["date"])
                        for r in roles
                    )
                    if not (has_supervisor and has_school_guide and c["student_present"]):
                        add("MOMENT_INCOMPLETE", sid, pid, c["date"])
            if p["ended_early_on"] is None:
                end = p["end_date"]
                in_window = (
                    end + days(cfg["final_grace_days"]) < T <= end + days(cfg["final_window_days"])
                )
                if in_window and "final" not in kinds:
                    add("FINAL_OVERDUE", sid, pid, end + days(cfg["final_grace_days"] + 1))

        # Contact.
        n = cfg["no_contact_days"]
        if s["enrolment_date"] <= T - days(n):
            if not any(T - days(n) < c["date"] <= T for c in contacts):
                last = max((c["date"] for c in contacts), default=None)
                add("NO_RECENT_CONTACT", sid, None, (last or s["enrolment_date"]) + days(n))
        for a in active_agreements:
            if a["topic"] != "contact_frequency" or a["frequency_days"] is None:
                continue
            d, h = a["frequency_days"], a["holder_id"]
            if a["agreed_on"] > T - days(d):
                continue
            with_h = [c["date"] for c in contacts if h in c["participants"]]
            if not any(T - days(d) < day <= T for day in with_h):
                since = a["agreed_on"] + days(d)
                if with_h:
                    since = max(since, max(with_h) + days(d))
                add("FREQUENCY_NOT_MET", sid, None, since)

        # Roles.
        if not any(r["role"] == "mentor" for r in active_roles):
            ended = [r["end_date"] for r in roles if r["role"] == "mentor" and r["end_date"]]
            ended = [e for e in ended if e < T]
            add("NO_MENTOR", sid, None, max(ended) + days(1) if ended else s["enrolment_date"])
        for p in placements:
            if not _placement_active(p, T):
                continue
            pid = p["placement_id"]
            has_supervisor = p["supervisor_id"] is not None and any(
                r["person_id"] == p["supervisor_id"] and r["role"] == "workplace_supervisor"
                for r in active_roles
            )
            if not has_supervisor:
                add("NO_SUPERVISOR", sid, pid, p["start_date"])
            for topic, code in (
                ("information", "NO_INFORMATION_AGREEMENT"),
                ("pedagogy", "NO_PEDAGOGY_AGREEMENT"),
            ):
                if not any(
                    a["topic"] == topic and a["placement_id"] in (None, pid)
                    for a in active_agreements
                ):
                    add(code, sid, pid, p["start_date"])
            if not any(
                c["audience"] == "workplace" and c["decided_on"] <= T for c in mine["consents"]
            ):
                add("NO_CONSENT_RECORD", sid, pid, p["start_date"])

        guide_start: dict[str, dt.date] = {}
        for r in active_roles:
            if r["role"] != "parent":
                guide_start[r["person_id"]] = min(
                    r["start_date"], guide_start.get(r["person_id"], r["start_date"])
                )
        starts = sorted(guide_start.values())
        if len(starts) >= cfg["many_guides"]:
            add("MANY_GUIDES", sid, None, starts[cfg["many_guides"] - 1])
        externals = [r["start_date"] for r in active_roles if r["role"] == "external"]
        has_care_lead = any(
            r["role"] in ("care_coordinator", "class_counsellor") for r in active_roles
        )
        if externals and not has_care_lead:
            add("EXTERNAL_WITHOUT_CARE_LEAD", sid, None, min(externals))

        # Direction.
        k = cfg["direction_min_guides"]
        topics = {a["topic"] for a in active_agreements}
        if len(starts) >= k:
            if "direction" not in topics:
                add("NO_DIRECTION", sid, None, starts[k - 1])
            if "final_responsibility" not in topics:
                add("NO_FINAL_RESPONSIBILITY", sid, None, starts[k - 1])
        for a in active_agreements:
            if a["topic"] == "direction":
                holder_roles = [
                    r for r in roles if r["person_id"] == a["holder_id"] and r["role"] != "parent"
                ]
                if not any(_role_active(r, T) for r in holder_roles):
                    ended = [r["end_date"] for r in holder_roles if r["end_date"] is not None]
                    ended = [e for e in ended if e < T]
                    since = max(ended) + days(1) if ended else a["agreed_on"]
                    add("DIRECTION_HOLDER_GONE", sid, None, since)
                if not a["discussed_with_student"]:
                    add("DIRECTION_NOT_DISCUSSED", sid, None, a["agreed_on"])
            if a["review_on"] is not None and a["review_on"] < T:
                add("REVIEW_OVERDUE", sid, a["placement_id"], a["review_on"] + days(1))

        # Attendance.
        w = cfg["absence_window_days"]
        unexcused = sorted(
            (a["date"], a["hours"])
            for a in mine["absences"]
            if not a["excused"] and T - days(w) < a["date"] <= T
        )
        total, reached = 0.0, None
        for day, hours in unexcused:
            total += hours
            if reached is None and total >= cfg["absence_hours"]:
                reached = day
        if reached is not None:
            first = unexcused[0][0]
            if not any(first <= c["date"] <= T for c in contacts):
                add("ABSENCE_NO_FOLLOW_UP", sid, None, reached)
    return found


# -- random worlds ---------------------------------------------------------------------------

BASE = dt.date(2025, 1, 1)
SPAN = 160


def _day(rng: random.Random, lo: int = 0, hi: int = SPAN) -> dt.date:
    """A day in BASE+lo .. BASE+hi; often on a weekly grid, so equal dates are common."""
    if rng.random() < 0.4:
        return BASE + days(rng.randint(lo // 7, hi // 7) * 7)
    return BASE + days(rng.randint(lo, hi))


def random_world(rng: random.Random, n_students: int, prefix: str) -> World:
    world = World()
    people = [f"{prefix}p{i}" for i in range(10)]
    for pid in people:
        world.add_person(pid)
    for i in range(n_students):
        sid = f"{prefix}s{i}"
        status = rng.choice(["active"] * 5 + ["dropped_out", "transferred", "graduated"])
        world.add_student(
            sid,
            _day(rng, -60, SPAN // 2),
            status=status,
            status_date=None if status == "active" else _day(rng, 20, SPAN),
        )
        for _ in range(rng.randint(0, rng.choice([4, 9, 16]))):
            start = _day(rng, -40, SPAN)
            end = None if rng.random() < 0.6 else start + days(rng.randint(0, 60))
            role = rng.choice(ROLES + ("mentor", "mentor", "workplace_supervisor"))
            key = (sid, rng.choice(people), role, start)
            if any(
                (r["student_id"], r["person_id"], r["role"], r["start_date"]) == key
                for r in world.roles
            ):
                continue
            world.add_role(sid, key[1], role, start, end)
        placement_ids = []
        for _ in range(rng.randint(0, 2)):
            start = _day(rng, -30, SPAN)
            end = start + days(rng.randint(0, 120))
            early = None
            if end > start and rng.random() < 0.3:
                early = start + days(rng.randint(0, (end - start).days - 1))
            supervisor = rng.choice(people) if rng.random() < 0.85 else None
            placement = world.add_placement(sid, start, end, supervisor, early)
            placement_ids.append(placement["placement_id"])
        for _ in range(rng.randint(0, 10)):
            kind = rng.choice(["start", "mid", "final", "incidental", "incidental"])
            placement_id = rng.choice(placement_ids) if placement_ids else None
            if placement_id is None:
                kind = "incidental"
            elif kind == "incidental" and rng.random() < 0.5:
                placement_id = None
            world.add_contact(
                sid,
                _day(rng, -20, SPAN + 20),
                rng.sample(people, rng.randint(0, 3)),
                kind=kind,
                placement_id=placement_id,
                student_present=rng.random() < 0.8,
            )
        for _ in range(rng.randint(0, 6)):
            topic = rng.choice(TOPICS + ("direction", "contact_frequency"))
            agreed = _day(rng, -30, SPAN)
            world.add_agreement(
                sid,
                topic,
                rng.choice(people),
                agreed,
                placement_id=rng.choice(placement_ids)
                if placement_ids and rng.random() < 0.4
                else None,
                frequency_days=rng.randint(1, 40) if topic == "contact_frequency" else None,
                discussed_with_student=rng.random() < 0.7,
                review_on=agreed + days(rng.randint(0, 60)) if rng.random() < 0.4 else None,
                ended_on=agreed + days(rng.randint(0, 80)) if rng.random() < 0.3 else None,
            )
        for day in {_day(rng, -20, SPAN) for _ in range(rng.randint(0, 2))}:
            world.add_consent(sid, day, audience=rng.choice(["workplace", "workplace", "parents"]))
        for day in {_day(rng, 0, SPAN) for _ in range(rng.randint(0, 10))}:
            world.add_absence(sid, day, rng.choice([1, 2, 2.5, 4, 6, 8]), rng.random() < 0.3)
    return world


def _engine(store, T: dt.date) -> dict[tuple, dt.date]:
    df = signals.evaluate(store, T)
    keys = list(zip(df["code"], df["student_id"], df["placement_id"].fillna(""), strict=True))
    assert len(keys) == len(set(keys)), "one signal per (code, student, placement)"
    assert all(df["severity"] == df["code"].map(signals.CODES))
    return dict(zip(keys, df["since"], strict=True))


def _compare(store, world: World, T: dt.date) -> None:
    expected = reference_signals(world, T, settings.current(store))
    got = _engine(store, T)
    missing = {k: v for k, v in expected.items() if k not in got}
    extra = {k: v for k, v in got.items() if k not in expected}
    wrong_since = {k: (got[k], v) for k, v in expected.items() if k in got and got[k] != v}
    assert not missing and not extra and not wrong_since, (T, missing, extra, wrong_since)


EVAL_DAYS = [BASE + days(d) for d in (0, 15, 31, 44, 60, 75, 90, 104, 120, 135, 150, 170, 200)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engine_equals_reference_on_random_worlds(store, seed):
    rng = random.Random(seed)
    world = random_world(rng, 120, f"r{seed}")
    world.save(store)
    for T in EVAL_DAYS:
        _compare(store, world, T)


def test_engine_equals_reference_with_other_thresholds(store):
    rng = random.Random(7)
    world = random_world(rng, 120, "t")
    world.save(store)
    changes = {
        "start_grace_days": 3,
        "mid_grace_days": 0,
        "final_grace_days": 5,
        "final_window_days": 30,
        "no_contact_days": 10,
        "many_guides": 3,
        "direction_min_guides": 3,
        "stop_inform_days": 0,
        "stop_window_days": 20,
        "absence_window_days": 10,
        "absence_hours": 4,
    }
    for key, value in changes.items():
        settings.save(store, access.CLI_USER, {key: value})
    for T in EVAL_DAYS[::2]:
        _compare(store, world, T)


def test_random_world_restricted_to_some_students_equals_full_result_filtered(store):
    rng = random.Random(11)
    world = random_world(rng, 80, "f")
    world.save(store)
    chosen = sorted(rng.sample([s["student_id"] for s in world.students], 25))
    for T in EVAL_DAYS[2::3]:
        full = signals.evaluate(store, T)
        part = signals.evaluate(store, T, student_ids=chosen)
        expected = full[full["student_id"].isin(chosen)].reset_index(drop=True)
        assert len(part) > 0
        assert part.equals(expected)


@settings_h(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rng=st.randoms(use_true_random=False), n=st.integers(1, 4), day=st.integers(-10, 200))
def test_engine_equals_reference_on_tiny_worlds(store, rng, n, day):
    """Hypothesis shrinks a disagreement to a tiny world, which makes it easy to read."""
    with store.write() as cur:
        for table in TABLES:
            cur.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
    world = random_world(rng, n, "h")
    world.save(store)
    _compare(store, world, BASE + days(day))
