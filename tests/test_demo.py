"""The demo generator: deterministic, referentially sound, plausible, and every signal occurs."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard import cli, demo, signals
from dashboard.codes import (
    AUDIENCES,
    CHANNELS,
    CONTACT_KINDS,
    ORGANISATION_KINDS,
    REASONS,
    ROLES,
    STATUSES,
    TABLES,
    TOPICS,
    VISIBILITIES,
)
from dashboard.errors import Invalid
from dashboard.security.access import CLI_USER
from dashboard.store import open_store

TODAY = dt.date(2025, 3, 3)


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    """One default-size demo store (300 students around TODAY), shared by the read-only tests."""
    store = open_store(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    counts = demo.generate(store, CLI_USER, students=300, seed=1, today=TODAY)
    yield store, counts
    store.close()


def table_digests(store) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of every interchange table."""
    with store.read() as cur:
        return {
            table: cur.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::VARCHAR, chr(10) ORDER BY t::VARCHAR), '')) "
                f"FROM {table} t"
            ).fetchone()
            for table in TABLES
        }


def scalar(store, sql: str, params=None):
    params = {k: v for k, v in (params or {}).items() if f"${k}" in sql}  # DuckDB refuses extras
    with store.read() as cur:
        return cur.execute(sql, params).fetchone()[0]


# -- determinism and the contract of generate --------------------------------------------


def test_same_arguments_give_identical_data(tmp_path):
    first = open_store(tmp_path / "a.duckdb")
    second = open_store(tmp_path / "b.duckdb")
    other_seed = open_store(tmp_path / "c.duckdb")
    demo.generate(first, CLI_USER, students=80, seed=7, today=TODAY)
    demo.generate(second, CLI_USER, students=80, seed=7, today=TODAY)
    demo.generate(other_seed, CLI_USER, students=80, seed=8, today=TODAY)
    assert table_digests(first) == table_digests(second)
    assert table_digests(first)["contacts"] != table_digests(other_seed)["contacts"]


def test_counts_match_the_tables_and_the_store_is_marked_demo(school):
    store, counts = school
    assert counts == {t: n for t, (n, _) in table_digests(store).items()}
    assert counts["students"] == 300
    assert all(counts[t] > 0 for t in TABLES), counts
    assert store.is_demo()
    assert scalar(store, "SELECT count(*) FROM audit WHERE action = 'demo_generate'") == 1
    assert scalar(store, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'demo_%'") == 0


def test_duckdb_settings_are_put_back_after_generating(store):
    settings = (
        "SELECT current_setting('memory_limit') || ' '"
        " || current_setting('preserve_insertion_order')"
    )
    before = scalar(store, settings)
    demo.generate(store, CLI_USER, students=10, today=TODAY)
    assert scalar(store, settings) == before


def test_a_store_with_data_is_refused_and_left_as_it_was(store):
    demo.generate(store, CLI_USER, students=20, seed=1, today=TODAY)
    before = table_digests(store)
    with pytest.raises(Invalid) as refused:
        demo.generate(store, CLI_USER, students=20, seed=2, today=TODAY)
    assert "empty store" in refused.value.problems[0].text("en")
    assert "students (20 rows)" in refused.value.problems[0].text("en")
    assert table_digests(store) == before


@pytest.mark.parametrize("students", [0, -5, demo.MAX_STUDENTS + 1])
def test_student_count_out_of_range_is_refused(store, students):
    with pytest.raises(Invalid):
        demo.generate(store, CLI_USER, students=students, today=TODAY)
    assert scalar(store, "SELECT count(*) FROM students") == 0
    assert not store.is_demo()


def test_dates_are_relative_to_today_by_default(store):
    demo.generate(store, CLI_USER, students=40)
    today = dt.date.today()
    assert scalar(store, "SELECT max(date) FROM contacts") <= today
    assert scalar(store, "SELECT max(date) FROM contacts") >= today - dt.timedelta(days=14)


def test_cli_fills_an_empty_store_and_refuses_a_second_time(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REGIEBORD_LANG", "en")
    db = str(tmp_path / "cli.duckdb")
    args = ["demo", "--db", db, "--students", "25", "--seed", "3", "--today", "2025-03-03"]
    assert cli.main(args) == 0
    assert "students 25" in capsys.readouterr().out
    assert cli.main(args) == 1
    assert "empty store" in capsys.readouterr().err


# -- referential integrity and date order (docs/interchange.md) --------------------------

INTEGRITY_CHECKS = {
    "role of an unknown student": "SELECT count(*) FROM roles WHERE student_id NOT IN (SELECT student_id FROM students)",
    "role of an unknown person": "SELECT count(*) FROM roles WHERE person_id NOT IN (SELECT person_id FROM staff)",
    "placement of an unknown student": "SELECT count(*) FROM placements WHERE student_id NOT IN (SELECT student_id FROM students)",
    "unknown supervisor": "SELECT count(*) FROM placements WHERE supervisor_id NOT IN (SELECT person_id FROM staff)",
    "contact of an unknown student": "SELECT count(*) FROM contacts WHERE student_id NOT IN (SELECT student_id FROM students)",
    "contact placement of another student": """
        SELECT count(*) FROM contacts c WHERE placement_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM placements p WHERE p.placement_id = c.placement_id AND p.student_id = c.student_id)""",
    "unknown participant": """
        SELECT count(*) FROM (SELECT unnest(participants) AS p FROM contacts)
        WHERE p NOT IN (SELECT person_id FROM staff)""",
    "no participants": "SELECT count(*) FROM contacts WHERE len(participants) = 0",
    "unknown initiator": """
        SELECT count(*) FROM contacts
        WHERE initiated_by <> 'student' AND initiated_by NOT IN (SELECT person_id FROM staff)""",
    "fixed moment without placement": "SELECT count(*) FROM contacts WHERE kind <> 'incidental' AND placement_id IS NULL",
    "incidental contact without reason": "SELECT count(*) FROM contacts WHERE kind = 'incidental' AND reason IS NULL",
    "agreement of an unknown student": "SELECT count(*) FROM agreements WHERE student_id NOT IN (SELECT student_id FROM students)",
    "agreement placement of another student": """
        SELECT count(*) FROM agreements a WHERE placement_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM placements p WHERE p.placement_id = a.placement_id AND p.student_id = a.student_id)""",
    "unknown holder": "SELECT count(*) FROM agreements WHERE holder_id NOT IN (SELECT person_id FROM staff)",
    "unknown counterpart": """
        SELECT count(*) FROM (SELECT unnest(counterpart_ids) AS p FROM agreements)
        WHERE p NOT IN (SELECT person_id FROM staff)""",
    "frequency on the wrong topic or below 1": """
        SELECT count(*) FROM agreements
        WHERE (topic = 'contact_frequency') <> (frequency_days IS NOT NULL) OR frequency_days < 1""",
    "consent of an unknown student": "SELECT count(*) FROM consents WHERE student_id NOT IN (SELECT student_id FROM students)",
    "consent recorded by an unknown person": "SELECT count(*) FROM consents WHERE recorded_by NOT IN (SELECT person_id FROM staff)",
    "absence of an unknown student": "SELECT count(*) FROM absences WHERE student_id NOT IN (SELECT student_id FROM students)",
    "absence without hours": "SELECT count(*) FROM absences WHERE hours <= 0",
    "role ends before it starts": "SELECT count(*) FROM roles WHERE end_date < start_date",
    "placement ends before it starts": "SELECT count(*) FROM placements WHERE end_date < start_date",
    "early end outside the placement": """
        SELECT count(*) FROM placements
        WHERE ended_early_on < start_date OR ended_early_on >= end_date""",
    "agreement ends before it was made": "SELECT count(*) FROM agreements WHERE ended_on < agreed_on",
    "review before the agreement": "SELECT count(*) FROM agreements WHERE review_on <= agreed_on",
    "status date missing or superfluous": """
        SELECT count(*) FROM students WHERE (status = 'active') <> (status_date IS NULL)""",
    "left before enrolling": "SELECT count(*) FROM students WHERE status_date <= enrolment_date",
    "born after enrolling at 15": "SELECT count(*) FROM students WHERE birth_date > enrolment_date - INTERVAL 15 YEAR",
    "something dated after today": """
        SELECT (SELECT count(*) FROM contacts WHERE date > $today)
             + (SELECT count(*) FROM consents WHERE decided_on > $today)
             + (SELECT count(*) FROM absences WHERE date > $today)
             + (SELECT count(*) FROM agreements WHERE agreed_on > $today)
             + (SELECT count(*) FROM roles WHERE start_date > $today)
             + (SELECT count(*) FROM placements WHERE start_date > $today OR ended_early_on > $today)
             + (SELECT count(*) FROM students WHERE enrolment_date > $today OR status_date > $today)""",
    "a contact after the student left (other than telling the workplace)": """
        SELECT count(*) FROM contacts c JOIN students s USING (student_id)
        WHERE c.date > s.status_date AND c.reason IS DISTINCT FROM 'stop'""",
    "a role after the student left": """
        SELECT count(*) FROM roles r JOIN students s USING (student_id)
        WHERE r.start_date > s.status_date OR r.end_date > s.status_date
           OR (s.status <> 'active' AND r.end_date IS NULL)""",
    "a placement starting after the student left": """
        SELECT count(*) FROM placements p JOIN students s USING (student_id) WHERE p.start_date > s.status_date""",
    "overlapping placements of one student": """
        SELECT count(*) FROM placements a JOIN placements b
            ON a.student_id = b.student_id AND a.placement_id < b.placement_id
        WHERE a.start_date <= coalesce(b.ended_early_on, b.end_date)
          AND b.start_date <= coalesce(a.ended_early_on, a.end_date)""",
    "supervisor not from a workplace": """
        SELECT count(*) FROM placements p JOIN staff s ON s.person_id = p.supervisor_id
        WHERE s.organisation_kind <> 'workplace'""",
    "parent not from a family": """
        SELECT count(*) FROM roles r JOIN staff s USING (person_id)
        WHERE r.role = 'parent' AND s.organisation_kind <> 'family'""",
    "external from the school": """
        SELECT count(*) FROM roles r JOIN staff s USING (person_id)
        WHERE r.role = 'external' AND s.organisation_kind NOT IN ('external', 'care')""",
    "badly formed id": r"""
        SELECT (SELECT count(*) FROM students WHERE NOT regexp_full_match(student_id, 'S\d{6}'))
             + (SELECT count(*) FROM staff WHERE NOT regexp_full_match(person_id, 'P\d{4,}'))
             + (SELECT count(*) FROM placements WHERE NOT regexp_full_match(placement_id, 'PL\d{6}-\d'))
             + (SELECT count(*) FROM contacts WHERE NOT regexp_full_match(contact_id, 'C\d{6}-\d{3}'))
             + (SELECT count(*) FROM agreements WHERE NOT regexp_full_match(agreement_id, 'A\d{6}-\d{2}'))""",
}

CODE_CHECKS = {
    ("students", "status"): STATUSES,
    ("staff", "organisation_kind"): ORGANISATION_KINDS,
    ("roles", "role"): ROLES,
    ("contacts", "kind"): CONTACT_KINDS,
    ("contacts", "channel"): CHANNELS,
    ("contacts", "reason"): REASONS,
    ("contacts", "visibility"): VISIBILITIES,
    ("agreements", "topic"): TOPICS,
    ("consents", "audience"): AUDIENCES,
}


@pytest.mark.parametrize("problem", INTEGRITY_CHECKS)
def test_references_resolve_and_dates_are_in_order(school, problem):
    store, _ = school
    assert scalar(store, INTEGRITY_CHECKS[problem], {"today": TODAY}) == 0


@pytest.mark.parametrize(("table", "column"), CODE_CHECKS)
def test_every_code_is_known_and_every_code_is_used(school, table, column):
    store, _ = school
    with store.read() as cur:
        used = {r[0] for r in cur.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}
    allowed = set(CODE_CHECKS[(table, column)])
    assert used - {None} <= allowed
    assert used >= allowed, f"{table}.{column} never uses {allowed - used}"


# -- plausible shares ---------------------------------------------------------------------

ACTIVE = "enrolment_date <= $today AND (status = 'active' OR status_date > $today)"
ACTIVE_PLACEMENT = "start_date <= $today AND $today <= coalesce(ended_early_on, end_date)"


def share(store, sql: str) -> float:
    return scalar(store, sql, {"today": TODAY})


def test_most_students_are_active_and_many_are_minors(school):
    store, _ = school
    assert 0.7 <= share(store, f"SELECT avg(({ACTIVE})::INT) FROM students") <= 0.9
    minors = share(
        store,
        f"SELECT avg((birth_date > $today - INTERVAL 18 YEAR)::INT) FROM students WHERE {ACTIVE}",
    )
    assert 0.2 <= minors <= 0.6
    assert scalar(store, "SELECT count(DISTINCT location) FROM students") == 3
    assert scalar(store, "SELECT count(DISTINCT programme) FROM students") >= 6
    assert scalar(store, "SELECT count(*) FROM students WHERE status = 'dropped_out'") > 0


def test_placements_mostly_have_a_supervisor_and_their_moments(school):
    store, _ = school
    without = share(store, "SELECT avg((supervisor_id IS NULL)::INT) FROM placements")
    assert 0 < without <= 0.06
    started = share(
        store,
        """SELECT avg((EXISTS (SELECT 1 FROM contacts c WHERE c.placement_id = p.placement_id
                                AND c.kind = 'start'))::INT)
           FROM placements p WHERE start_date < $today - 14""",
    )
    assert 0.85 <= started < 1
    complete = share(
        store,
        """SELECT avg((student_present AND len(participants) >= 2)::INT)
           FROM contacts WHERE kind <> 'incidental'""",
    )
    assert 0.9 <= complete < 1
    assert 0 < share(store, "SELECT avg((ended_early_on IS NOT NULL)::INT) FROM placements") < 0.2


def test_contacts_are_regular_and_mostly_visible_to_all_guides(school):
    store, _ = school
    per_student = share(store, "SELECT count(*) / count(DISTINCT student_id) FROM contacts")
    assert 12 <= per_student <= 35
    assert share(store, "SELECT avg((visibility = 'guides')::INT) FROM contacts") >= 0.75
    assert share(store, "SELECT avg((summary IS NOT NULL)::INT) FROM contacts") >= 0.9
    assert share(store, "SELECT avg(excused::INT) FROM absences") >= 0.6


def test_every_location_has_a_care_coordinator_with_students(school):
    store, _ = school
    with store.read() as cur:
        rows = cur.execute(
            f"""SELECT s.location, count(DISTINCT r.person_id)
                FROM students s LEFT JOIN roles r ON r.student_id = s.student_id
                    AND r.role = 'care_coordinator' AND r.start_date <= $today
                    AND (r.end_date IS NULL OR r.end_date >= $today)
                WHERE {ACTIVE} GROUP BY 1""",
            {"today": TODAY},
        ).fetchall()
    assert len(rows) == 3
    assert all(n >= 1 for _, n in rows), rows


# -- demo accounts ------------------------------------------------------------------------


def test_demo_people_names_a_fitting_person_per_kind(school):
    store, _ = school
    people = demo.demo_people(store, TODAY)
    assert set(people) == {
        "care_coordinator",
        "care_worker",
        "guide",
        "class_counsellor",
        "workplace",
        "workplace_no_consent",
    }
    assert people["workplace"] != people["workplace_no_consent"]
    params = {"today": TODAY}
    with store.read() as cur:

        def active_roles(person, role):
            return cur.execute(
                f"""SELECT count(DISTINCT student_id) FROM roles JOIN students USING (student_id)
                    WHERE person_id = $p AND role = $role AND start_date <= $today
                      AND (end_date IS NULL OR end_date >= $today) AND {ACTIVE}""",
                {**params, "p": person, "role": role},
            ).fetchone()[0]

        assert 10 <= active_roles(people["guide"], "mentor") <= 30
        assert active_roles(people["care_coordinator"], "care_coordinator") > 0
        assert active_roles(people["care_worker"], "care_worker") > 0
        assert active_roles(people["class_counsellor"], "class_counsellor") > 0
        for kind, shares in (("workplace", True), ("workplace_no_consent", False)):
            consents = cur.execute(
                f"""SELECT (SELECT c.shares FROM consents c WHERE c.student_id = p.student_id
                            AND c.audience = 'workplace' AND c.decided_on <= $today
                            ORDER BY c.decided_on DESC LIMIT 1),
                           (SELECT count(*) FROM contacts k WHERE k.student_id = p.student_id
                            AND k.visibility = 'care')
                    FROM placements p WHERE p.supervisor_id = $p AND {ACTIVE_PLACEMENT}""",
                {**params, "p": people[kind]},
            ).fetchall()
            assert consents and all(s is shares for s, _ in consents), (kind, consents)
            assert any(n > 0 for _, n in consents)
    assert demo.person_locations(store, people["care_coordinator"])


# -- every signal occurs --------------------------------------------------------------------


def test_every_signal_occurs_in_the_default_demo(store):
    demo.generate(store, CLI_USER)  # 300 students, seed 1, around today
    found = signals.evaluate(store, dt.date.today())
    missing = set(signals.CODES) - set(found["code"])
    assert not missing, f"signals that never occur: {sorted(missing)}"
    active = scalar(
        store,
        "SELECT count(*) FROM students WHERE enrolment_date <= current_date "
        "AND (status = 'active' OR status_date > current_date)",
    )
    # a school that mostly works: a good part of the students have no signal at all
    assert found["student_id"].nunique() <= 0.7 * active
