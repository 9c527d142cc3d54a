"""Who may see what: a matrix of kinds x relation to the student, and random worlds where
the list (scope_sql, the filter predicates) must equal the detail (require_student, Lens) and
both must equal an independent reading of the rules."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from conftest import BACKENDS
from factories import World
from listed import listed_student_ids

from dashboard.codes import CARE_ROLES, REASONS, ROLES, SCHOOL_GUIDE_ROLES, VISIBILITIES
from dashboard.errors import NotFound
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import open_store

T = dt.date(2025, 10, 1)
ALL = ("guides", "school", "care")
SCHOOL = ("guides", "school")
GUIDES = ("guides",)

USERS = {
    "admin": User("admin", "admin"),
    "manager": User("manager", "manager"),
    "coord": User("coord", "care_coordinator", "P-ZC", locations=("Noord",)),
    "care": User("care", "care_worker", "P-ZM"),
    "mentor": User("mentor", "guide", "P-MEN"),
    "counsellor": User("counsellor", "guide", "P-KAW"),
    "sup": User("sup", "workplace", "P-SUP"),
}


def d(n: int) -> dt.date:
    return T + dt.timedelta(days=n)


# student -> (how it relates to the users, {user: (visibilities, personal circumstances)}).
# A user not named may not see the student at all.
MATRIX = {
    "S-NONE": ("Zuid, no roles", {"admin": (ALL, True)}),
    "S-LOC": ("Noord: the coordinator's location", {"admin": (ALL, True), "coord": (ALL, True)}),
    "S-MEN": ("active mentor role", {"admin": (ALL, True), "mentor": (SCHOOL, True)}),
    "S-MEN-ENDED": ("mentor role ended yesterday", {"admin": (ALL, True)}),
    "S-MEN-FUTURE": ("mentor role starts tomorrow", {"admin": (ALL, True)}),
    "S-MEN-PARENT": ("the mentor is this student's parent", {"admin": (ALL, True)}),
    "S-KAW": ("class counsellor: a care role", {"admin": (ALL, True), "counsellor": (ALL, True)}),
    "S-CARE": ("active care worker role", {"admin": (ALL, True), "care": (ALL, True)}),
    "S-CARE-ENDED": ("care worker role ended", {"admin": (ALL, True)}),
    "S-ZC-ROLE": ("Zuid, coordinator role", {"admin": (ALL, True), "coord": (ALL, True)}),
    "S-SUP": ("active placement, no consent", {"admin": (ALL, True), "sup": (GUIDES, False)}),
    "S-SUP-YES": ("placement, consent yes", {"admin": (ALL, True), "sup": (GUIDES, True)}),
    "S-SUP-REVOKED": ("consent yes, later no", {"admin": (ALL, True), "sup": (GUIDES, False)}),
    "S-SUP-NOT-YET": ("consent yes from tomorrow", {"admin": (ALL, True), "sup": (GUIDES, False)}),
    "S-SUP-SOON": ("placement starts in 20 days", {"admin": (ALL, True), "sup": (GUIDES, False)}),
    "S-SUP-LATER": ("placement starts in 40 days", {"admin": (ALL, True)}),
    "S-SUP-EDGE": ("starts in 30 days: the first", {"admin": (ALL, True), "sup": (GUIDES, False)}),
    "S-SUP-EDGE+1": ("placement starts in 31 days", {"admin": (ALL, True)}),
    "S-SUP-RECENT": ("placement ended 60 days ago", {"admin": (ALL, True), "sup": (GUIDES, False)}),
    "S-SUP-OLD": ("placement ended 100 days ago", {"admin": (ALL, True)}),
    "S-SUP-END": ("ended 90 days ago: the last", {"admin": (ALL, True), "sup": (GUIDES, False)}),
    "S-SUP-END+1": ("placement ended 91 days ago", {"admin": (ALL, True)}),
    "S-SUP-EARLY": ("placement stopped early, 100 days ago", {"admin": (ALL, True)}),
    "S-SUP-OTHER": ("another supervisor's placement", {"admin": (ALL, True)}),
}


@pytest.fixture(scope="module", params=BACKENDS)
def matrix_store(request, tmp_path_factory):
    """The matrix's students in one store per backend, shared by the module's tests."""
    if request.param == "file":
        target, cluster = tmp_path_factory.mktemp("matrix") / "matrix.duckdb", None
    else:
        cluster = request.getfixturevalue("pg_cluster")
        target = cluster.fresh_database("access_matrix")
    store = open_store(target)
    w = World()
    for pid, kind in [("P-ZC", "school"), ("P-ZM", "care"), ("P-MEN", "school"),
                      ("P-KAW", "care"), ("P-SUP", "workplace"), ("P-SUP2", "workplace")]:  # fmt: skip
        w.add_person(pid, kind=kind)
    for sid in MATRIX:
        w.add_student(sid, d(-400), location="Noord" if sid == "S-LOC" else "Zuid")
    w.add_role("S-MEN", "P-MEN", "mentor", d(-100))
    w.add_role("S-MEN-ENDED", "P-MEN", "mentor", d(-100), end_date=d(-1))
    w.add_role("S-MEN-FUTURE", "P-MEN", "mentor", d(1))
    w.add_role("S-MEN-PARENT", "P-MEN", "parent", d(-100))
    w.add_role("S-KAW", "P-KAW", "class_counsellor", d(-100))
    w.add_role("S-CARE", "P-ZM", "care_worker", d(-100))
    w.add_role("S-CARE-ENDED", "P-ZM", "care_worker", d(-100), end_date=d(-10))
    w.add_role("S-ZC-ROLE", "P-ZC", "care_coordinator", d(-100))
    for sid in ("S-SUP", "S-SUP-YES", "S-SUP-REVOKED", "S-SUP-NOT-YET"):
        w.add_placement(sid, d(-50), d(50), "P-SUP")
    w.add_placement("S-SUP-SOON", d(20), d(120), "P-SUP")
    w.add_placement("S-SUP-LATER", d(40), d(140), "P-SUP")
    w.add_placement("S-SUP-RECENT", d(-200), d(-60), "P-SUP")
    w.add_placement("S-SUP-OLD", d(-200), d(-100), "P-SUP")
    w.add_placement("S-SUP-EDGE", d(access.WORKPLACE_BEFORE_START_DAYS), d(140), "P-SUP")
    w.add_placement("S-SUP-EDGE+1", d(access.WORKPLACE_BEFORE_START_DAYS + 1), d(140), "P-SUP")
    w.add_placement("S-SUP-END", d(-200), d(-access.WORKPLACE_AFTER_END_DAYS), "P-SUP")
    w.add_placement("S-SUP-END+1", d(-200), d(-access.WORKPLACE_AFTER_END_DAYS - 1), "P-SUP")
    w.add_placement("S-SUP-EARLY", d(-200), d(50), "P-SUP", ended_early_on=d(-100))
    w.add_placement("S-SUP-OTHER", d(-50), d(50), "P-SUP2")
    w.add_consent("S-SUP", d(-60), shares=False)
    w.add_consent("S-SUP-YES", d(-60), shares=True)
    w.add_consent("S-SUP-REVOKED", d(-60), shares=True)
    w.add_consent("S-SUP-REVOKED", d(-5), shares=False)
    w.add_consent("S-SUP-NOT-YET", d(1), shares=True)
    w.add_consent("S-SUP", d(-1), audience="parents", shares=True)  # another audience
    w.save(store)
    yield store
    store.close()
    if cluster is not None:
        cluster.drop_database(target)


@pytest.mark.parametrize("sid", MATRIX)
@pytest.mark.parametrize("who", USERS)
def test_matrix(matrix_store, who, sid):
    user, (_relation, allowed) = USERS[who], MATRIX[sid]
    listed = sid in listed_student_ids(matrix_store, user, T)
    with matrix_store.read() as cur:
        if who not in allowed:
            assert not listed
            with pytest.raises(NotFound):
                access.require_student(cur, user, sid, T)
            return
        expected_visibilities, expected_personal = allowed[who]
        assert listed
        access.require_student(cur, user, sid, T)
        assert access.visibilities(cur, user, sid, T) == expected_visibilities
        assert access.sees_personal_circumstances(cur, user, sid, T) is expected_personal


@pytest.mark.parametrize("sid", MATRIX)
@pytest.mark.parametrize("who", USERS)
def test_a_writes_own_check_agrees_with_the_matrix(matrix_store, who, sid):
    """A write checks access inside its own transaction (on PostgreSQL over psycopg, not
    through DuckDB's attachment): the same answers as a read's."""
    user, (_relation, allowed) = USERS[who], MATRIX[sid]
    with matrix_store.write(audit_only=True) as tx:
        assert access.may_see_student(tx, user, sid, T) is (who in allowed)
        if who in allowed:
            assert access.visibilities(tx, user, sid, T) == allowed[who][0]


def test_not_allowed_looks_like_not_there(matrix_store):
    with matrix_store.read() as cur:
        with pytest.raises(NotFound) as hidden:
            access.require_student(cur, USERS["mentor"], "S-NONE", T)
        with pytest.raises(NotFound) as missing:
            access.require_student(cur, USERS["mentor"], "S-DOES-NOT-EXIST", T)
    assert type(hidden.value) is type(missing.value)
    assert str(hidden.value) == "S-NONE" and str(missing.value) == "S-DOES-NOT-EXIST"


# -- the network a workplace supervisor sees (data minimisation) ---------------------------

# role -> (shown without the student's workplace consent, shown with it), for someone else's
# role; a supervisor's own roles always show.
NETWORK = {
    "mentor": (True, True),
    "bpv_coordinator": (True, True),
    "class_counsellor": (True, True),
    "care_coordinator": (True, True),
    "care_worker": (False, True),
    "external": (False, True),
    "parent": (False, True),
    "workplace_supervisor": (False, False),  # another company's supervisor
    "peer_coach": (False, False),
}
CONSENTS = {"S-NONE": None, "S-NO": False, "S-YES": True}
# The current supervisor, and the former one (placement ended 60 days ago: still in scope).
SUPERVISORS = {"sup": User("sup", "workplace", "P-SUP"), "old": User("old", "workplace", "P-OLD")}


@pytest.fixture(scope="module")
def network_store(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("network") / "network.duckdb")
    w = World()
    for pid in ("P-SUP", "P-OLD"):
        w.add_person(pid, kind="workplace")
    for role in NETWORK:
        w.add_person(f"P-{role}")
    for sid, consent in CONSENTS.items():
        w.add_student(sid, d(-400))
        w.add_placement(sid, d(-200), d(-60), "P-OLD")
        w.add_placement(sid, d(-50), d(50), "P-SUP")
        w.add_role(sid, "P-OLD", "workplace_supervisor", d(-200), end_date=d(-60))
        w.add_role(sid, "P-SUP", "workplace_supervisor", d(-50))
        for role in NETWORK:
            w.add_role(sid, f"P-{role}", role, d(-100))
        if consent is not None:
            w.add_consent(sid, d(-20), shares=consent)
    w.save(store)
    yield store
    store.close()


@pytest.mark.parametrize("sid", CONSENTS)
@pytest.mark.parametrize("who", SUPERVISORS)
def test_workplace_network_table(network_store, who, sid):
    user, consent = SUPERVISORS[who], bool(CONSENTS[sid])
    other = {"sup": "P-OLD", "old": "P-SUP"}[who]
    expected = {(f"P-{role}", role) for role, shown in NETWORK.items() if shown[consent]}
    expected.add((user.person_id, "workplace_supervisor"))  # themselves, never the other one
    with network_store.read() as cur:
        access.require_student(cur, user, sid, T)
        lens = access.lens(cur, user, sid, T)
        rel = cur.execute("SELECT * FROM roles WHERE student_id = $sid", {"sid": sid})
        names = [c[0] for c in rel.description]
        rows = [dict(zip(names, r)) for r in rel.fetchall()]
        by_lens = {(r["person_id"], r["role"]) for r in rows if lens.shows_role(r)}
        predicate, params = access.role_filter_sql(user, "x")
        sql = f"SELECT person_id, role FROM roles x WHERE x.student_id = $sid AND {predicate}"
        by_sql = set(
            cur.execute(sql, access.used_params(sql, {**params, "sid": sid, "today": T})).fetchall()
        )
    assert by_lens == expected
    assert by_sql == expected
    # People the supervisor may not see in the network are left out of the whole file.
    hidden = {f"P-{role}" for role, shown in NETWORK.items() if not shown[consent]} | {other}
    assert lens.hidden_persons == hidden


def test_school_users_see_the_whole_network(network_store):
    with network_store.read() as cur:
        lens = access.lens(cur, USERS["admin"], "S-NONE", T)
        rows = cur.execute("SELECT role FROM roles WHERE student_id = 'S-NONE'").fetchall()
    assert all(lens.shows_role({"role": r[0], "person_id": "x"}) for r in rows)
    assert lens.hidden_persons == frozenset()


# -- personal circumstances for a workplace supervisor -------------------------------------


def personal_world(store, consent: bool | None):
    w = World()
    for pid, kind in [("P-MEN", "school"), ("P-SUP", "workplace"), ("P-ZM", "care"),
                      ("P-EXT", "external"), ("P-PAR", "family"), ("P-SUP2", "workplace"),
                      ("P-PEER", "school")]:  # fmt: skip
        w.add_person(pid, kind=kind)
    w.add_student("S1", d(-400), status_reason="thuissituatie")
    for pid, role in [("P-MEN", "mentor"), ("P-ZM", "care_worker"), ("P-EXT", "external"),
                      ("P-PAR", "parent"), ("P-SUP", "workplace_supervisor"),
                      ("P-PEER", "peer_coach")]:  # fmt: skip
        w.add_role("S1", pid, role, d(-100))
    # P-SUP's placement ended 60 days ago; the student now works at another company.
    w.add_placement("S1", d(-200), d(-60), "P-SUP")
    w.add_placement("S1", d(-50), d(50), "P-SUP2")
    w.add_role("S1", "P-SUP2", "workplace_supervisor", d(-50))
    contacts = {}
    for name, reason, visibility in [("progress", "progress", None), ("personal", "personal", "guides"),
                                     ("care", "care", None), ("school", "progress", "school")]:  # fmt: skip
        c = w.add_contact("S1", d(-10), ["P-MEN", "P-ZM", "P-PAR", "P-SUP2", "P-PEER"])
        c.update(reason=reason, visibility=visibility, summary=f"summary {name}")
        contacts[name] = c["contact_id"]
    w.add_agreement("S1", "expertise", "P-MEN", d(-10))["details"] = "GGZ traject"
    w.add_agreement("S1", "information", "P-ZM", d(-10))
    w.add_agreement("S1", "direction", "P-MEN", d(-10))["counterpart_ids"] = [
        "P-EXT",
        "P-SUP",
        "P-SUP2",
    ]
    w.add_agreement("S1", "information", "P-SUP2", d(-10))
    if consent is not None:
        w.add_consent("S1", d(-20), shares=consent)
    w.save(store)
    return w, contacts


def read_file_through_lens(store, user):
    """What a student-file service would show, row by row through the Lens."""
    with store.read() as cur:
        access.require_student(cur, user, "S1", T)
        lens = access.lens(cur, user, "S1", T)

        def rows(table):
            rel = cur.execute(f"SELECT * FROM {table} WHERE student_id = 'S1'")
            names = [x[0] for x in rel.description]
            return [dict(zip(names, r)) for r in rel.fetchall()]

        student = lens.student(rows("students")[0])
        contacts = [lens.contact(c) for c in rows("contacts") if lens.shows_contact(c)]
        roles = [r for r in rows("roles") if lens.shows_role(r)]
        agreements = [lens.agreement(a) for a in rows("agreements") if lens.shows_agreement(a)]
    return student, contacts, roles, agreements


@pytest.mark.parametrize("consent", [None, False])
def test_workplace_without_consent_sees_no_personal_circumstances(store, consent):
    _, ids = personal_world(store, consent)
    student, contacts, roles, agreements = read_file_through_lens(store, USERS["sup"])
    assert student["status_reason"] is None
    assert {c["contact_id"] for c in contacts} == {ids["progress"]}
    assert contacts[0]["participants"] == ["P-MEN"]  # care worker, parent, P-SUP2, peer: out
    assert {(r["person_id"], r["role"]) for r in roles} == {
        ("P-MEN", "mentor"),
        ("P-SUP", "workplace_supervisor"),  # themselves, not the new company's supervisor
    }
    by_topic = {a["topic"]: a for a in agreements}
    assert set(by_topic) == {"expertise", "direction"}  # care worker's, P-SUP2's: hidden
    assert by_topic["expertise"]["details"] is None
    assert by_topic["direction"]["counterpart_ids"] == ["P-SUP"]


def test_workplace_with_consent_sees_them_but_still_only_guides_contacts(store):
    _, ids = personal_world(store, True)
    student, contacts, roles, agreements = read_file_through_lens(store, USERS["sup"])
    assert student["status_reason"] == "thuissituatie"
    assert {c["contact_id"] for c in contacts} == {ids["progress"], ids["personal"], ids["care"]}
    assert all(c["participants"] == ["P-MEN", "P-ZM", "P-PAR"] for c in contacts)
    assert {r["role"] for r in roles} == {"mentor", "care_worker", "external", "parent",
                                          "workplace_supervisor"}  # fmt: skip
    assert {r["person_id"] for r in roles if r["role"] == "workplace_supervisor"} == {"P-SUP"}
    by_topic = {a["topic"]: a for a in agreements}
    assert by_topic["direction"]["counterpart_ids"] == ["P-EXT", "P-SUP"]
    assert "information" not in {a["topic"] for a in agreements if a["holder_id"] == "P-SUP2"}
    assert {a["topic"]: a["details"] for a in agreements}["expertise"] == "GGZ traject"


def test_school_guides_see_everything_personal_but_not_care_only_contacts(store):
    _, ids = personal_world(store, None)
    mentor = USERS["mentor"]
    student, contacts, roles, agreements = read_file_through_lens(store, mentor)
    assert student["status_reason"] == "thuissituatie" and len(roles) == 7
    assert {c["contact_id"] for c in contacts} == set(ids.values())  # no `care` contact here
    assert agreements[0]["details"] == "GGZ traject"


# -- random worlds: list equals detail equals the rules ------------------------------------


def random_world(store, seed: int):
    rng = random.Random(seed)
    w = World()
    persons = [f"P{i}" for i in range(6)]
    for p in persons:
        w.add_person(p)
    locations = ["Noord", "Zuid", "Oost"]
    for i in range(30):
        sid = f"S{i}"
        w.add_student(sid, d(-500), location=rng.choice(locations))
        for _ in range(rng.randint(0, 4)):
            start = d(rng.randint(-300, 20))
            end = rng.choice([None, d(rng.randint(-100, 100))])
            if end is not None and end < start:
                start, end = end, start
            role = w.add_role(sid, rng.choice(persons), rng.choice(ROLES), start, end)
            if any(r is not role and r["student_id"] == sid and r["person_id"] == role["person_id"]
                   and r["role"] == role["role"] and r["start_date"] == start for r in w.roles):  # fmt: skip
                w.roles.remove(role)
        for _ in range(rng.randint(0, 2)):
            start = d(rng.randint(-300, 60))
            end = start + dt.timedelta(days=rng.randint(30, 200))
            early = rng.choice([None, None, start + dt.timedelta(days=rng.randint(1, 29))])
            w.add_placement(sid, start, end, rng.choice(persons + [None]), early)
        for _ in range(rng.randint(0, 5)):
            c = w.add_contact(sid, d(rng.randint(-100, 0)), rng.sample(persons, 2))
            c.update(reason=rng.choice(REASONS), visibility=rng.choice([None, *VISIBILITIES]))
        decided = set()
        for _ in range(rng.randint(0, 3)):
            day = d(rng.randint(-100, 10))
            if day not in decided:
                decided.add(day)
                w.add_consent(sid, day, audience="workplace", shares=rng.random() < 0.5)
    w.save(store)
    users = [User("admin", "admin"), User("manager", "manager")]
    for p in persons:
        users += [
            User(f"zc-{p}", "care_coordinator", p, locations=tuple(rng.sample(locations, 1))),
            User(f"zm-{p}", "care_worker", p),
            User(f"g-{p}", "guide", p),
            User(f"w-{p}", "workplace", p),
        ]
    return w, users


def rules_sees(w: World, user: User, sid: str) -> bool:
    """The access rules read straight from access.py's docstring, in plain Python."""

    def active(r):
        return r["start_date"] <= T and (r["end_date"] is None or r["end_date"] >= T)

    guides_for = {r["person_id"] for r in w.roles
                  if r["student_id"] == sid and r["role"] != "parent" and active(r)}  # fmt: skip
    student = next(s for s in w.students if s["student_id"] == sid)
    if user.kind == "admin":
        return True
    if user.kind == "care_coordinator":
        return student["location"] in user.locations or user.person_id in guides_for
    if user.kind in ("care_worker", "guide"):
        return user.person_id in guides_for
    if user.kind == "workplace":
        return any(
            p["student_id"] == sid
            and p["supervisor_id"] == user.person_id
            and p["start_date"] - dt.timedelta(days=30) <= T
            and (p["ended_early_on"] or p["end_date"]) + dt.timedelta(days=90) >= T
            for p in w.placements
        )
    return False


def rules_contact(w: World, user: User, contact: dict) -> bool:
    sid = contact["student_id"]
    visibility = contact["visibility"] or "guides"
    if user.kind in ("admin", "care_coordinator", "care_worker"):
        return True
    if user.kind == "guide":
        held = {r["role"] for r in w.roles if r["student_id"] == sid
                and r["person_id"] == user.person_id and r["start_date"] <= T
                and (r["end_date"] is None or r["end_date"] >= T)}  # fmt: skip
        allowed = {"guides": True, "school": bool(held & {*SCHOOL_GUIDE_ROLES, *CARE_ROLES}),
                   "care": bool(held & set(CARE_ROLES))}  # fmt: skip
        return allowed[visibility]
    return visibility == "guides" and (
        contact["reason"] not in ("personal", "care") or rules_consent(w, sid)
    )


def rules_consent(w: World, sid: str) -> bool:
    """The student's latest workplace consent up to T says yes."""
    consents = sorted(
        (c["decided_on"], c["shares"]) for c in w.consents
        if c["student_id"] == sid and c["audience"] == "workplace" and c["decided_on"] <= T
    )  # fmt: skip
    return bool(consents and consents[-1][1])


def rules_role(w: World, user: User, role: dict) -> bool:
    """A workplace supervisor sees the school's guides and care coordinator, themselves, and
    the personal roles only with consent; everyone else sees the whole network."""
    if user.kind != "workplace" or role["person_id"] == user.person_id:
        return True
    if role["role"] in (*SCHOOL_GUIDE_ROLES, "care_coordinator"):
        return True
    return role["role"] in ("external", "care_worker", "parent") and rules_consent(
        w, role["student_id"]
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_list_equals_detail_equals_the_rules(store, seed):
    w, users = random_world(store, seed)
    rng = random.Random(seed)
    lists = {user: set(listed_student_ids(store, user, T)) for user in users}
    with store.read() as cur:
        for user in users:
            listed = lists[user]
            expected = {s["student_id"] for s in w.students if rules_sees(w, user, s["student_id"])}
            assert listed == expected, user
            for s in rng.sample(w.students, 10):  # random pairs: the detail agrees
                assert access.may_see_student(cur, user, s["student_id"], T) == (
                    s["student_id"] in listed
                )

            lenses = {sid: access.lens(cur, user, sid, T) for sid in listed}
            scope, scope_params = access.scope_sql(user)
            for filter_sql, table, shows in [
                (access.contact_filter_sql, "contacts", "shows_contact"),
                (access.role_filter_sql, "roles", "shows_role"),
            ]:
                predicate, params = filter_sql(user, "x")
                sql = f"SELECT * FROM {table} x WHERE x.student_id IN ({scope}) AND {predicate}"
                rel = cur.execute(
                    sql, access.used_params(sql, {**scope_params, **params, "today": T})
                )
                names = [c[0] for c in rel.description]
                by_list = sorted(map(tuple, rel.fetchall()))
                by_detail = []
                for sid, lens in lenses.items():
                    for row in getattr(w, table):
                        if row["student_id"] == sid and getattr(lens, shows)(row):
                            by_detail.append(tuple(row[n] for n in names))
                assert by_list == sorted(by_detail), (user, table)
            by_rules = sorted(
                c["contact_id"] for c in w.contacts
                if c["student_id"] in listed and rules_contact(w, user, c)
            )  # fmt: skip
            by_lens = sorted(
                c["contact_id"] for c in w.contacts if c["student_id"] in listed
                and lenses[c["student_id"]].shows_contact(c)
            )  # fmt: skip
            assert by_lens == by_rules, user
            roles_by_rules = [
                r for r in w.roles if r["student_id"] in listed and rules_role(w, user, r)
            ]
            roles_by_lens = [r for r in w.roles if r["student_id"] in listed
                             and lenses[r["student_id"]].shows_role(r)]  # fmt: skip
            assert roles_by_lens == roles_by_rules, user
