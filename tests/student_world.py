"""A small, fixed world around one student for the student-file tests (plain SQL inserts).

Student S1 (a minor on TODAY) has a mentor, a workplace supervisor with one active placement,
a care worker, an external (jeugdzorg) and a parent; a direction agreement held by the mentor;
a `guides` contact and a `care` contact; no start moment yet (so START_MISSING is open on TODAY).
Student S2 belongs to someone else entirely.
"""

from __future__ import annotations

import datetime as dt

from dashboard.security.access import User

TODAY = dt.date(2025, 10, 1)

ADMIN = User(username="admin", kind="admin", name="Beheer")
MENTOR = User(username="mentor", kind="guide", person_id="P-MEN", name="Mila Mentor")
SUPERVISOR = User(username="sup", kind="workplace", person_id="P-SUP", name="Sam Bakker")
OTHER_SUPERVISOR = User(username="sup2", kind="workplace", person_id="P-SUP2", name="Olga")
CARE = User(username="care", kind="care_worker", person_id="P-CARE", name="Cor Zorg")

STAFF = [
    ("P-MEN", "Mila Mentor", "Albeda Noord", "school", "mila@school.nl", "010-1"),
    ("P-BPV", "Bas BPV", "Albeda Noord", "school", None, None),
    ("P-SUP", "Sam Bakker", "Bakkerij De Korst", "workplace", "sam@korst.nl", "06-1"),
    ("P-SUP2", "Olga Other", "Garage Oost", "workplace", None, None),
    ("P-CARE", "Cor Zorg", "Zorgteam Albeda", "care", None, None),
    ("P-EXT", "Eva Extern", "Jeugdzorg Rijnmond", "external", None, None),
    ("P-PAR", "Piet Ouder", "familie", "family", None, None),
]
STUDENTS = [
    ("S1", "Noa", "Jansen", "2008-05-01", "Entree", "Noord", "E1A", "2025-08-25", "active"),
    ("S2", "Tim", "de Vries", "2005-01-01", "Niveau 2", "Zuid", "N2B", "2025-08-25", "active"),
]
ROLES = [
    ("S1", "P-MEN", "mentor", "2025-08-25"),
    ("S1", "P-BPV", "bpv_coordinator", "2025-08-25"),
    ("S1", "P-SUP", "workplace_supervisor", "2025-09-01"),
    ("S1", "P-CARE", "care_worker", "2025-09-01"),
    ("S1", "P-EXT", "external", "2025-09-15"),
    ("S1", "P-PAR", "parent", "2025-08-25"),
    ("S2", "P-SUP2", "workplace_supervisor", "2025-09-01"),
]
PLACEMENTS = [
    ("PL1", "S1", "Bakkerij De Korst", "P-SUP", "2025-09-01", "2026-01-31"),
    ("PL2", "S2", "Garage Oost", "P-SUP2", "2025-09-01", "2026-01-31"),
]


def build(store) -> None:
    with store.write() as cur:
        cur.executemany("INSERT INTO staff VALUES (?, ?, ?, ?, ?, ?)", STAFF)
        cur.executemany(
            "INSERT INTO students VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)", STUDENTS
        )
        cur.executemany("INSERT INTO roles VALUES (?, ?, ?, ?, NULL, NULL)", ROLES)
        cur.executemany("INSERT INTO placements VALUES (?, ?, ?, ?, ?, ?, NULL)", PLACEMENTS)
        cur.execute(
            "INSERT INTO contacts VALUES "
            "('K1', 'S1', NULL, '2025-09-20', 'incidental', 'phone', ARRAY['P-MEN', 'P-SUP'], false,"
            " 'P-SUP', 'absence', 'Twee dagen te laat', 'guides'),"
            "('K2', 'S1', NULL, '2025-09-25', 'incidental', 'in_person', ARRAY['P-CARE'], true,"
            " 'student', 'care', 'Woonsituatie besproken', 'care')"
        )
        cur.execute(
            "INSERT INTO agreements VALUES "
            "('AG1', 'S1', NULL, 'direction', 'P-MEN', ARRAY['P-BPV'], 'Mentor houdt regie', NULL,"
            " true, '2025-09-01', '2026-01-15', NULL)"
        )
