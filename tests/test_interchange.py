"""Import and export of the interchange files (docs/interchange.md), on real DuckDB files.

Every refusal test checks the message AND that the store is exactly as before (data and audit).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import interchange
from dashboard.codes import TABLES
from dashboard.errors import Invalid
from dashboard.interchange import conversion, exporter, importer, staging
from dashboard.security.access import User
from dashboard.store import open_store
from validation.core import (
    ID_MAX,
    TRUE_WORDS,
    WS,
    as_date,
    as_number,
    build_schema,
    ids_present,
    present,
)
from validation.tables import SPECS

DATA = Path(__file__).parent / "data" / "interchange"


# -- helpers -------------------------------------------------------------------------------------


def admin(name: str) -> User:
    """An admin: import and export are theirs (the audit names them as `name`)."""
    return User(name, "admin")


def valid_dir(tmp_path: Path) -> Path:
    """A copy of the valid fixture set (every table) in its own folder."""
    folder = tmp_path / "files"
    shutil.copytree(DATA, folder)
    return folder


def csv_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv"))


def snapshot(store) -> dict:
    """Everything an import may change: every interchange table and the audit trail."""
    out = {}
    with store.read() as cur:
        for table in (*TABLES, "audit"):
            out[table] = cur.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    return out


def refused(store, paths) -> Invalid:
    """Import `paths`, assert it is refused with nothing written, return the error."""
    before = snapshot(store)
    with pytest.raises(Invalid) as info:
        interchange.import_files(store, admin("test"), paths)
    assert snapshot(store) == before, "a refused import changed the store"
    assert info.value.problems, "Invalid without problems"
    return info.value


def texts(exc: Invalid, lang: str = "en") -> list[str]:
    return [p.text(lang) for p in exc.problems]


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Change one cell of a fixture CSV (row as a spreadsheet numbers it: header is row 1)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 2, column] = value
    df.to_csv(path, index=False, lineterminator="\n")


@pytest.fixture
def loaded(store, tmp_path):
    """A store holding the valid fixture set."""
    interchange.import_files(store, admin("setup"), csv_files(valid_dir(tmp_path)))
    return store


# -- valid imports -------------------------------------------------------------------------------


def test_valid_set_is_imported_with_the_right_types(store, tmp_path):
    result = interchange.import_files(store, admin("test"), csv_files(valid_dir(tmp_path)))
    assert {t: c.rows for t, c in result.tables.items()} == {
        "students": 3,
        "staff": 5,
        "roles": 5,
        "placements": 2,
        "contacts": 3,
        "agreements": 3,
        "consents": 2,
        "absences": 2,
    }
    assert all(c.new == c.rows and c.changed == 0 for c in result.tables.values())
    with store.read() as cur:
        contact = cur.execute(
            "SELECT participants, student_present, date, initiated_by, visibility, summary"
            " FROM contacts WHERE contact_id = 'c1'"
        ).fetchone()
        assert contact[0] == ["m1", "w1"]
        assert contact[1] is True
        assert contact[2] == dt.date(2025, 2, 3)
        assert contact[3] == "m1"
        assert contact[4] is None  # empty = the default `guides`, kept as empty
        assert contact[5] == 'Goede start.\nAfspraken gemaakt, ook over "pauzes".'
        assert cur.execute(
            "SELECT student_present FROM contacts WHERE contact_id = 'c3'"
        ).fetchone() == (True,)  # 'ja'
        assert cur.execute(
            "SELECT frequency_days, counterpart_ids FROM agreements WHERE agreement_id = 'a2'"
        ).fetchone() == (14, ["m1"])
        assert cur.execute("SELECT hours FROM absences ORDER BY date").fetchall() == [
            (4.0,),
            (1.5,),
        ]
        assert cur.execute(
            "SELECT last_name, status_reason FROM students WHERE student_id = 's2'"
        ).fetchone() == ("Jansen, jr.", 'Diploma "met lof"')


def test_import_audits_one_event_per_table_with_counts_not_data(store, tmp_path):
    interchange.import_files(store, admin("alice"), csv_files(valid_dir(tmp_path)))
    with store.read() as cur:
        rows = cur.execute(
            "SELECT entity, new_value FROM audit WHERE action = 'import' AND actor = 'alice' ORDER BY id"
        ).fetchall()
    assert [r[0] for r in rows] == list(TABLES)
    students = next(r[1] for r in rows if r[0] == "students")
    assert '"rows": 3' in students and '"new": 3' in students
    assert "Anna" not in " ".join(r[1] for r in rows)


def test_importing_twice_changes_nothing(loaded, tmp_path):
    before = snapshot(loaded)
    result = interchange.import_files(loaded, admin("test"), csv_files(DATA))
    assert all(
        c.new == 0 and c.changed == 0 and c.unchanged == c.rows for c in result.tables.values()
    )
    after = snapshot(loaded)
    assert {t: after[t] for t in TABLES} == {t: before[t] for t in TABLES}


def test_reimport_with_the_same_key_updates_the_row(loaded, tmp_path):
    folder = tmp_path / "update"
    folder.mkdir()
    shutil.copy(DATA / "students.csv", folder)
    shutil.copy(DATA / "contacts.csv", folder)
    set_cell(folder / "students.csv", 2, "last_name", "de Vries-Bakker")
    set_cell(folder / "contacts.csv", 3, "participants", " z1 ;  m1 ")
    result = interchange.import_files(loaded, admin("test"), csv_files(folder))
    assert (result.tables["students"].changed, result.tables["students"].new) == (1, 0)
    assert result.tables["contacts"].changed == 1
    with loaded.read() as cur:
        assert cur.execute("SELECT last_name FROM students WHERE student_id = 's1'").fetchone() == (
            "de Vries-Bakker",
        )
        assert cur.execute(
            "SELECT participants FROM contacts WHERE contact_id = 'c2'"
        ).fetchone() == (["z1", "m1"],)
        assert cur.execute("SELECT count(*) FROM students").fetchone() == (3,)


def test_a_folder_stands_for_its_files(store, tmp_path):
    result = interchange.import_files(store, admin("test"), [valid_dir(tmp_path)])
    assert set(result.tables) == set(TABLES)


def test_tables_may_come_in_separate_imports(store, tmp_path):
    folder = valid_dir(tmp_path)
    interchange.import_files(store, admin("t"), [folder / "students.csv", folder / "staff.csv"])
    result = interchange.import_files(store, admin("t"), [folder / "roles.csv"])
    assert result.tables["roles"].new == 5


def test_semicolon_separated_file_from_dutch_excel_is_read(store, tmp_path):
    folder = valid_dir(tmp_path)
    text = "\ufeffstudent_id;date;hours;excused\r\ns1;2025-04-01;2,5;Ja\r\n"
    (folder / "absences.csv").write_text(text, encoding="utf-8")
    interchange.import_files(store, admin("t"), csv_files(folder))
    with store.read() as cur:
        assert cur.execute("SELECT hours, excused FROM absences").fetchall() == [(2.5, True)]


def test_bom_crlf_spaces_and_case_are_accepted(store, tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    text = (
        "\ufeffStudent_ID , first_name,last_name,birth_date,programme,location,"
        "enrolment_date,status,status_date\r\n"
        " s9 ,Ella,Smit, 2008-05-05 ,Entree,Noord,2025-08-25,ACTIVE,\r\n"
    )
    (folder / "students.csv").write_text(text, encoding="utf-8")
    interchange.import_files(store, admin("t"), csv_files(folder))
    with store.read() as cur:
        row = cur.execute(
            "SELECT birth_date, status, class_code FROM students WHERE student_id = 's9'"
        ).fetchone()
    assert row == (dt.date(2008, 5, 5), "active", None)  # missing optional column = empty


def test_header_only_file_is_an_empty_table_and_empty_rows_are_ignored(store, tmp_path):
    folder = valid_dir(tmp_path)
    (folder / "absences.csv").write_text("student_id,date,hours,excused\n", encoding="utf-8")
    (folder / "consents.csv").write_text(
        (DATA / "consents.csv").read_text("utf-8") + ",,,,,\n\n", encoding="utf-8"
    )
    result = interchange.import_files(store, admin("t"), csv_files(folder))
    assert result.tables["absences"].rows == 0
    assert result.tables["consents"].rows == 2


def test_an_empty_unnamed_column_is_allowed(store, tmp_path):
    folder = valid_dir(tmp_path)
    (folder / "absences.csv").write_text(
        "student_id,date,hours,excused,\ns1,2025-03-11,4,yes,\n", encoding="utf-8"
    )
    assert (
        interchange.import_files(store, admin("t"), csv_files(folder)).tables["absences"].rows == 1
    )


def test_summary_is_dutch_by_default_and_english_on_request(store, tmp_path):
    result = interchange.import_files(store, admin("t"), csv_files(valid_dir(tmp_path)))
    assert "students (students.csv): 3 rijen — 3 nieuw" in result.summary()
    assert "3 rows — 3 new, 0 changed, 0 unchanged" in result.summary("en")


# -- refusals: files and headers -----------------------------------------------------------------


def test_unknown_file_name_is_refused(store, tmp_path):
    folder = valid_dir(tmp_path)
    (folder / "students.csv").rename(folder / "leerlingen.csv")
    exc = refused(store, csv_files(folder))
    assert any(
        t.startswith("leerlingen.csv: is not a file of the interchange format") for t in texts(exc)
    )


def test_missing_file_and_wrong_extension_are_refused(store, tmp_path):
    folder = valid_dir(tmp_path)
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    exc = refused(store, [folder / "staff.csv", folder / "gone.csv", folder / "notes.txt"])
    assert f"{folder / 'gone.csv'}: file not found" in texts(exc)
    assert "notes.txt: only .csv files and .xlsx workbooks can be imported" in texts(exc)


def test_missing_required_column_is_refused(store, tmp_path):
    folder = valid_dir(tmp_path)
    df = pd.read_csv(folder / "students.csv", dtype=str, keep_default_na=False)
    df.drop(columns=["birth_date"]).to_csv(folder / "students.csv", index=False)
    exc = refused(store, csv_files(folder))
    assert "students.csv, column birth_date: this required column is missing" in texts(exc)


def test_extra_columns_are_refused_by_name(store, tmp_path):
    folder = valid_dir(tmp_path)
    df = pd.read_csv(folder / "staff.csv", dtype=str, keep_default_na=False)
    df.assign(functie="x", Telefoon2="").to_csv(folder / "staff.csv", index=False)
    exc = refused(store, csv_files(folder))
    msgs = texts(exc)
    assert any(
        m.startswith("staff.csv, column functie: does not belong to this table") for m in msgs
    )
    assert any(m.startswith("staff.csv, column Telefoon2: does not belong") for m in msgs)
    assert "allowed are: person_id, name, organisation" in msgs[0]


def test_duplicate_column_is_refused(store, tmp_path):
    folder = valid_dir(tmp_path)
    (folder / "absences.csv").write_text(
        "student_id,date,hours,excused,hours\ns1,2025-03-11,4,yes,4\n", encoding="utf-8"
    )
    exc = refused(store, csv_files(folder))
    assert "absences.csv, column hours: appears more than once in the header" in texts(exc)


def test_non_utf8_file_is_refused(store, tmp_path):
    folder = valid_dir(tmp_path)
    text = (folder / "students.csv").read_text("utf-8")
    (folder / "students.csv").write_bytes(text.encode("cp1252", errors="replace"))
    exc = refused(store, csv_files(folder))
    msg = next(m for m in texts(exc) if m.startswith("students.csv"))
    assert "is not UTF-8 text (first unreadable character on line 4)" in msg
    assert "CSV UTF-8" in msg


def test_empty_file_is_refused(store, tmp_path):
    folder = valid_dir(tmp_path)
    (folder / "roles.csv").write_bytes(b"")
    exc = refused(store, csv_files(folder))
    assert "roles.csv: is empty: the first row must hold the column names" in texts(exc)


def test_same_table_twice_is_refused(store, tmp_path):
    folder = valid_dir(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(folder / "staff.csv", other / "Staff.csv")
    exc = refused(store, [*csv_files(folder), other / "Staff.csv"])
    assert "Staff.csv: the table staff is also given in staff.csv" in texts(exc)


def test_unnamed_column_with_values_is_refused(store, tmp_path):
    folder = valid_dir(tmp_path)
    (folder / "absences.csv").write_text(
        "student_id,date,hours,excused,\ns1,2025-03-11,4,yes,\ns1,2025-03-12,4,yes,oops\n",
        encoding="utf-8",
    )
    exc = refused(store, csv_files(folder))
    assert "absences.csv row 3: column 5 has no name but holds a value" in texts(exc)


# -- refusals: rows and cells --------------------------------------------------------------------


def test_bad_date_names_file_row_column_value_and_why(store, tmp_path):
    folder = valid_dir(tmp_path)
    set_cell(folder / "contacts.csv", 3, "date", "2025-13-01")
    exc = refused(store, csv_files(folder))
    assert texts(exc) == [
        "contacts.csv row 3, column date: '2025-13-01' is not a date (YYYY-MM-DD)"
    ]
    assert exc.text("en") == "Import refused: 1 problem found"
    p = exc.problems[0]
    assert (p.where.file, p.where.row, p.where.column, p.value) == (
        "contacts.csv",
        3,
        "date",
        "2025-13-01",
    )


def test_problems_are_dutch_by_default(store, tmp_path):
    folder = valid_dir(tmp_path)
    set_cell(folder / "contacts.csv", 3, "date", "14-03-2025")
    exc = refused(store, csv_files(folder))
    assert texts(exc, "nl") == [
        "contacts.csv rij 3, kolom date: '14-03-2025' is geen datum (JJJJ-MM-DD)"
    ]
    assert (
        exc.problems[0].text("en")
        == "contacts.csv row 3, column date: '14-03-2025' is not a date (YYYY-MM-DD)"
    )


@pytest.mark.parametrize(
    "file, row, column, value, expected",
    [
        (
            "students.csv",
            2,
            "first_name",
            "  ",
            "students.csv row 2, column first_name: is required but empty",
        ),
        (
            "students.csv",
            3,
            "status_date",
            "",
            "students.csv row 3, column status_date: is required when the status is not 'active'",
        ),
        (
            "students.csv",
            2,
            "status",
            "left",
            "'left' is not a valid code; use one of: active, graduated, progressed, employed, transferred, dropped_out",
        ),
        (
            "staff.csv",
            2,
            "organisation_kind",
            "bedrijf",
            "staff.csv row 2, column organisation_kind: 'bedrijf' is not a valid code",
        ),
        (
            "staff.csv",
            3,
            "person_id",
            "b;1",
            "staff.csv row 3, column person_id: 'b;1' may not contain ';'",
        ),
        (
            "roles.csv",
            3,
            "role",
            "coach",
            "roles.csv row 3, column role: 'coach' is not a valid code",
        ),
        (
            "roles.csv",
            3,
            "end_date",
            "2025-01-31",
            "roles.csv row 3, column end_date: '2025-01-31' is before start_date",
        ),
        (
            "roles.csv",
            2,
            "person_id",
            "ghost",
            "roles.csv row 2, column person_id: 'ghost' is not a known person",
        ),
        (
            "roles.csv",
            2,
            "student_id",
            "s404",
            "roles.csv row 2, column student_id: 's404' is not a known student",
        ),
        (
            "placements.csv",
            2,
            "end_date",
            "2025-01-01",
            "placements.csv row 2, column end_date: '2025-01-01' is before start_date",
        ),
        (
            "placements.csv",
            3,
            "ended_early_on",
            "2025-05-30",
            "placements.csv row 3, column ended_early_on: '2025-05-30' must be on or after start_date and before end_date",
        ),
        (
            "placements.csv",
            3,
            "ended_early_on",
            "2024-12-31",
            "column ended_early_on: '2024-12-31' must be on or after start_date",
        ),
        (
            "placements.csv",
            2,
            "supervisor_id",
            "nobody",
            "placements.csv row 2, column supervisor_id: 'nobody' is not a known person",
        ),
        (
            "contacts.csv",
            2,
            "placement_id",
            "",
            "contacts.csv row 2, column placement_id: is required for a start, mid or final meeting",
        ),
        (
            "contacts.csv",
            3,
            "reason",
            "",
            "contacts.csv row 3, column reason: is required for an incidental contact",
        ),
        (
            "contacts.csv",
            2,
            "student_present",
            "misschien",
            "contacts.csv row 2, column student_present: 'misschien' is not a yes/no value",
        ),
        (
            "contacts.csv",
            2,
            "participants",
            " ; ",
            "contacts.csv row 2, column participants: is required but empty",
        ),
        (
            "contacts.csv",
            2,
            "participants",
            "m1; ghost ;w1",
            "contacts.csv row 2, column participants: 'm1;ghost;w1' names 'ghost', which is not a known person",
        ),
        (
            "contacts.csv",
            2,
            "placement_id",
            "pl2",
            "contacts.csv row 2, column placement_id: 'pl2' is a placement of another student (s2)",
        ),
        (
            "contacts.csv",
            2,
            "placement_id",
            "pl9",
            "contacts.csv row 2, column placement_id: 'pl9' is not a known placement",
        ),
        (
            "contacts.csv",
            2,
            "initiated_by",
            "ghost",
            "contacts.csv row 2, column initiated_by: 'ghost' is not a known person",
        ),
        (
            "contacts.csv",
            2,
            "visibility",
            "everyone",
            "'everyone' is not a valid code; use one of: guides, school, care",
        ),
        (
            "agreements.csv",
            3,
            "frequency_days",
            "",
            "agreements.csv row 3, column frequency_days: is required for an agreement on contact frequency",
        ),
        (
            "agreements.csv",
            3,
            "frequency_days",
            "0",
            "agreements.csv row 3, column frequency_days: '0' is not a whole number of 1 or more",
        ),
        ("agreements.csv", 3, "frequency_days", "1.5", "'1.5' is not a whole number of 1 or more"),
        (
            "agreements.csv",
            4,
            "ended_on",
            "2024-09-30",
            "agreements.csv row 4, column ended_on: '2024-09-30' is before agreed_on",
        ),
        (
            "agreements.csv",
            2,
            "counterpart_ids",
            "z1;x9",
            "agreements.csv row 2, column counterpart_ids: 'z1;x9' names 'x9'",
        ),
        (
            "agreements.csv",
            2,
            "holder_id",
            "",
            "agreements.csv row 2, column holder_id: is required but empty",
        ),
        (
            "consents.csv",
            2,
            "audience",
            "school",
            "consents.csv row 2, column audience: 'school' is not a valid code; use one of: workplace, external, parents",
        ),
        (
            "consents.csv",
            2,
            "recorded_by",
            "x",
            "consents.csv row 2, column recorded_by: 'x' is not a known person",
        ),
        (
            "absences.csv",
            2,
            "hours",
            "0",
            "absences.csv row 2, column hours: '0' is not a number greater than 0",
        ),
        ("absences.csv", 2, "hours", "-1", "'-1' is not a number greater than 0"),
        ("absences.csv", 2, "hours", "veel", "'veel' is not a number greater than 0"),
        (
            "absences.csv",
            3,
            "excused",
            "",
            "absences.csv row 3, column excused: is required but empty",
        ),
    ],
)
def test_bad_cell_is_refused_with_a_located_reason(
    store, tmp_path, file, row, column, value, expected
):
    folder = valid_dir(tmp_path)
    set_cell(folder / file, row, column, value)
    exc = refused(store, csv_files(folder))
    assert any(expected in t for t in texts(exc)), texts(exc)


def test_an_id_over_id_max_characters_is_refused_by_file_row_and_column(store, tmp_path):
    """A key of kilobytes cannot be indexed by PostgreSQL (it read as "store unavailable"
    there); both backends refuse an id, or an id in a person list, longer than ID_MAX."""
    folder = valid_dir(tmp_path)
    long_id = "x" * (ID_MAX + 1)
    set_cell(folder / "staff.csv", 2, "person_id", long_id)
    set_cell(folder / "contacts.csv", 2, "participants", f"w1; {long_id} ;b1")
    exc = refused(store, csv_files(folder))
    for where, shown in (
        ("staff.csv row 2, column person_id", long_id),
        ("contacts.csv row 2, column participants", f"w1; {long_id}"),
    ):
        expected = f"{where}: '{shown[:57]}…' is longer than {ID_MAX} characters"
        assert any(t.startswith(expected) for t in texts(exc)), texts(exc)
    assert any("is langer dan 200 tekens" in t for t in texts(exc, "nl"))


def test_ids_of_id_max_characters_are_stored_and_found(store, tmp_path):
    """At the limit, in 4-byte characters, two ids in one key (a role) fit both stores."""
    student, person = "𝔰" * ID_MAX, " " + "𝔭" * ID_MAX + " "
    folder = tmp_path / "long"
    folder.mkdir()
    (folder / "students.csv").write_text(
        "student_id,first_name,last_name,birth_date,programme,location,enrolment_date,status\n"
        f"{student},Lang,Id,2008-01-01,Entree,Zuid,2024-08-26,active\n",
        encoding="utf-8",
    )
    (folder / "staff.csv").write_text(
        f"person_id,name,organisation,organisation_kind\n{person},Lang,ROC,school\n",
        encoding="utf-8",
    )
    (folder / "roles.csv").write_text(
        f"student_id,person_id,role,start_date\n{student},{person},mentor,2024-08-26\n",
        encoding="utf-8",
    )
    interchange.import_files(store, admin("t"), csv_files(folder))
    with store.read() as cur:
        rows = cur.execute("SELECT student_id, person_id FROM roles").fetchall()
    assert rows == [(student, person.strip())]


def test_initiated_by_student_is_a_valid_value(store, tmp_path):
    folder = valid_dir(tmp_path)
    set_cell(folder / "contacts.csv", 2, "initiated_by", "Student")
    interchange.import_files(store, admin("t"), csv_files(folder))


def test_references_to_stored_rows_are_valid(loaded, tmp_path):
    folder = tmp_path / "later"
    folder.mkdir()
    (folder / "contacts.csv").write_text(
        "contact_id,student_id,placement_id,date,kind,channel,participants,student_present\n"
        "c9,s1,pl1,2025-04-01,mid,phone,m1;w1,no\n",
        encoding="utf-8",
    )
    assert (
        interchange.import_files(loaded, admin("t"), csv_files(folder)).tables["contacts"].new == 1
    )


def test_moving_a_placement_away_from_its_stored_contacts_is_refused(loaded, tmp_path):
    folder = tmp_path / "move"
    folder.mkdir()
    shutil.copy(DATA / "placements.csv", folder)
    set_cell(folder / "placements.csv", 2, "student_id", "s3")
    exc = refused(loaded, csv_files(folder))
    assert "placements.csv row 2, column student_id: 's3' differs from student s1" in texts(exc)[0]


def test_duplicate_keys_in_a_file_name_both_rows(store, tmp_path):
    folder = valid_dir(tmp_path)
    with open(folder / "roles.csv", "a", encoding="utf-8") as f:
        f.write("s1, m1 ,Mentor,2024-08-26,,again\n")
    (folder / "staff.csv").write_text(
        (folder / "staff.csv").read_text("utf-8") + "b1,Dubbel,ROC,school,,\n", encoding="utf-8"
    )
    exc = refused(store, csv_files(folder))
    assert (
        "staff.csv row 7, column person_id: 'b1' already occurs in row 3: the key must be unique"
        in texts(exc)
    )
    assert (
        "roles.csv row 7, column student_id, person_id, role, start_date: "
        "'s1,  m1 , Mentor, 2024-08-26' already occurs in row 2: the key must be unique"
    ) in texts(exc)


def test_row_numbers_count_blank_lines_multiline_cells_and_unreadable_rows(store, tmp_path):
    folder = valid_dir(tmp_path)
    header = (DATA / "contacts.csv").read_text("utf-8").splitlines()[0]
    (folder / "contacts.csv").write_text(
        header + "\n"
        'c1,s1,pl1,2025-02-03,start,phone,m1,yes,,,"two\n\nparagraphs",\n'  # row 2
        "\n"  # row 3: blank line
        "c2,s1,pl1,2025-02-04,start,phone,m1,yes,,,a, b,guides\n"  # row 4: a comma too many
        "c3,s1,pl1,2025-02-05,start,phone\n"  # row 5: too few values
        "c4,s1,pl1,2025-02-30,start,phone,m1,yes,,,,\n",  # row 6: bad date
        encoding="utf-8",
    )
    exc = refused(store, csv_files(folder))
    assert texts(exc) == [
        "contacts.csv row 4: has more values than there are columns (a comma in text without quotes?)",
        "contacts.csv row 5: has fewer values than there are columns",
        "contacts.csv row 6, column date: '2025-02-30' is not a date (YYYY-MM-DD)",
    ]


def test_unclosed_quote_is_refused(store, tmp_path):
    folder = valid_dir(tmp_path)
    (folder / "absences.csv").write_text(
        'student_id,date,hours,excused\ns1,2025-03-11,4,"yes\ns1,2025-03-12,4,no\n',
        encoding="utf-8",
    )
    exc = refused(store, csv_files(folder))
    assert 'absences.csv row 2: has a quote (") that is not closed properly' in texts(exc)


def test_every_problem_of_every_file_is_reported_at_once(store, tmp_path):
    folder = valid_dir(tmp_path)
    set_cell(folder / "students.csv", 2, "birth_date", "gisteren")
    set_cell(folder / "contacts.csv", 3, "channel", "fax")
    set_cell(folder / "absences.csv", 3, "hours", "")
    (folder / "staff.csv").write_bytes(b"naam\nx\n")
    exc = refused(store, csv_files(folder))
    files = [p.where.file for p in exc.problems]
    assert files[0] == "staff.csv"  # a file-level problem comes first
    assert {"students.csv", "contacts.csv", "absences.csv"} <= set(files)
    # staff.csv could not be read, so its persons are not reported as unknown everywhere
    assert not any("not a known person" in t for t in texts(exc))


def test_many_problems_are_capped_with_the_total_in_the_message(store, tmp_path):
    folder = valid_dir(tmp_path)
    rows = "".join(f"s1,2025-{m:02d}-{d:02d},0,yes\n" for m in range(1, 13) for d in range(1, 26))
    (folder / "absences.csv").write_text("student_id,date,hours,excused\n" + rows, encoding="utf-8")
    exc = refused(store, csv_files(folder))
    assert len(exc.problems) == interchange.MAX_SHOWN
    assert exc.text("en") == "Import refused: 300 problems found (the first 200 are listed above)"
    assert [p.where.row for p in exc.problems] == list(range(2, 202))


# -- xlsx ----------------------------------------------------------------------------------------


def workbook(path: Path, tables: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def fixture_rows(table: str) -> list[list[str]]:
    df = pd.read_csv(DATA / f"{table}.csv", dtype=str, keep_default_na=False)
    return [list(df.columns), *df.to_numpy().tolist()]


def test_xlsx_workbook_is_imported_with_native_cell_types(store, tmp_path):
    tables = {t: fixture_rows(t) for t in TABLES}
    # A school's sheet: real dates, numbers and booleans instead of text.
    tables["absences"] = [
        ["student_id", "date", "hours", "excused"],
        ["s1", dt.datetime(2025, 3, 11), 4, True],
        ["s1", dt.date(2025, 3, 12), 1.5, False],
        [None, None, None, None],
    ]
    path = workbook(tmp_path / "school.xlsx", tables)
    result = interchange.import_files(store, admin("t"), [path])
    assert result.tables["absences"].label("nl") == "school.xlsx, blad absences"
    with store.read() as cur:
        assert cur.execute(
            "SELECT date, hours, excused FROM absences ORDER BY date"
        ).fetchall() == [
            (dt.date(2025, 3, 11), 4.0, True),
            (dt.date(2025, 3, 12), 1.5, False),
        ]
        assert cur.execute("SELECT count(*) FROM contacts").fetchone() == (3,)


def test_xlsx_problems_name_the_sheet_and_row(store, tmp_path):
    tables = {t: fixture_rows(t) for t in ("students", "staff")}
    tables["students"][2][3] = "2007-02-30"
    tables["Blad1"] = [["iets"]]
    path = workbook(tmp_path / "school.xlsx", tables)
    exc = refused(store, [path])
    assert texts(exc) == [
        "school.xlsx, sheet Blad1: this sheet has no known table name; the sheets are named "
        + ", ".join(TABLES),
        "school.xlsx, sheet students row 3, column birth_date: '2007-02-30' is not a date (YYYY-MM-DD)",
    ]


def test_broken_xlsx_is_refused(store, tmp_path):
    (tmp_path / "kapot.xlsx").write_bytes(b"PK not really a zip")
    exc = refused(store, [tmp_path / "kapot.xlsx"])
    assert texts(exc)[0].startswith("kapot.xlsx: is not a readable Excel workbook (.xlsx)")


# -- export --------------------------------------------------------------------------------------

TRICKY = {
    "students": (
        "student_id,first_name,last_name,birth_date,programme,location,class_code,enrolment_date,status,status_date,status_reason\n"
        's10,"Zoë, de ""kleine""",Ünal,2009-02-28,Niveau 2,Zuid,,2025-08-25,transferred,2025-10-01,"=SUM(A1:A9)"\n'
        's2,Ö,"line one\nline two",2008-01-01,Entree, Noord ,1A,2024-08-26,active,,"+31 6 1234 @home -x"\n'
        's1,Ann,"tab\there",2008-01-01,Entree,Noord,#1,2024-08-26,active,,"crlf\r\ninside"\n'
    ),
    "staff": 'person_id,name,organisation,organisation_kind,email,phone\np1,"O\'Brien, P.","ROC ""Noord""",school,p@x.nl,=1+1\n',
    "roles": 'student_id,person_id,role,start_date,end_date,note\ns1,p1,mentor,2024-08-26,,"😀 emoji"\ns1,p1,mentor,2024-01-01,2024-08-25,\n',
    "contacts": (
        "contact_id,student_id,placement_id,date,kind,channel,participants,student_present,initiated_by,reason,summary,visibility\n"
        'c2,s1,,2025-03-01,incidental,chat, p1 ; p1 ,0,STUDENT,Other,"a""b""c, d",\n'
    ),
    "absences": 'student_id,date,hours,excused\ns1,2025-03-01,0.30000000000000004,nee\ns1,2025-03-02,"1,25",TRUE\n',
}


def test_export_follows_the_spec_format(store, tmp_path):
    folder = tmp_path / "tricky"
    folder.mkdir()
    for table, text in TRICKY.items():
        (folder / f"{table}.csv").write_text(text, encoding="utf-8", newline="")
    interchange.import_files(store, admin("t"), csv_files(folder))
    paths = interchange.export_all(store, admin("t"), tmp_path / "out")
    assert [p.name for p in paths] == [f"{t}.csv" for t in TABLES]
    for table, path in zip(TABLES, paths):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.decode("utf-8").split("\n")[0] == ",".join(TABLES[table])
        assert data.endswith(b"\n")
    students = (tmp_path / "out" / "students.csv").read_text("utf-8")
    assert [line.split(",")[0] for line in students.split("\n")[1:] if line.startswith("s")] == [
        "s1",
        "s10",
        "s2",
    ]
    assert (
        '"=SUM(A1:A9)"' not in students and "=SUM(A1:A9)" in students
    )  # lossless, not neutralised
    contacts = (tmp_path / "out" / "contacts.csv").read_text("utf-8")
    assert (
        contacts.split("\n")[1]
        == 'c2,s1,,2025-03-01,incidental,chat,p1;p1,no,student,other,"a""b""c, d",'
    )
    absences = (tmp_path / "out" / "absences.csv").read_text("utf-8")
    assert (
        absences
        == "student_id,date,hours,excused\ns1,2025-03-01,0.30000000000000004,no\ns1,2025-03-02,1.25,yes\n"
    )
    assert (tmp_path / "out" / "agreements.csv").read_text("utf-8") == ",".join(
        TABLES["agreements"]
    ) + "\n"
    roles = (tmp_path / "out" / "roles.csv").read_text("utf-8").split("\n")
    assert roles[1].startswith("s1,p1,mentor,2024-01-01,2024-08-25")  # key order, dates as dates


def test_round_trip_is_byte_identical(loaded, tmp_path):
    folder = tmp_path / "tricky"
    folder.mkdir()
    for table, text in TRICKY.items():  # updates s1, s2, c2 and adds rows
        (folder / f"{table}.csv").write_text(text, encoding="utf-8", newline="")
    interchange.import_files(loaded, admin("t"), csv_files(folder))
    first = interchange.export_all(loaded, admin("t"), tmp_path / "one")
    fresh = open_store(tmp_path / "fresh.duckdb")
    try:
        interchange.import_files(fresh, admin("t"), first)
        second = interchange.export_all(fresh, admin("t"), tmp_path / "two")
    finally:
        fresh.close()
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert "=SUM(A1:A9)" in (tmp_path / "two" / "students.csv").read_text("utf-8")
    assert sum(len(p.read_bytes().splitlines()) for p in first) > len(TABLES) + 20


def test_numbers_come_back_as_the_school_wrote_them(store, tmp_path):
    """`hours` 4 is exported as `4`, not `4.0` (docs/interchange.md: shortest exact form)."""
    folder = valid_dir(tmp_path)
    school = (
        "student_id,date,hours,excused\n"
        "s1,2025-03-11,4,yes\n"
        "s1,2025-03-12,2.5,no\n"
        "s2,2025-03-11,0.0001,no\n"
        "s2,2025-03-12,16,yes\n"
    )
    (folder / "absences.csv").write_text(school, encoding="utf-8", newline="")
    interchange.import_files(store, admin("t"), csv_files(folder))
    interchange.export_all(store, admin("t"), tmp_path / "out")
    assert (tmp_path / "out" / "absences.csv").read_bytes() == school.encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(number=st.floats(min_value=0, exclude_min=True, allow_infinity=False))
def test_a_number_is_exported_in_its_shortest_exact_decimal_form(number):
    con = duckdb.connect()
    sql = f"SELECT {exporter._number_text('x')} FROM (SELECT $x::DOUBLE AS x)"
    text = con.execute(sql, {"x": number}).fetchone()[0]
    con.close()
    shortest = format(Decimal(repr(number)), "f")
    assert text == (shortest.rstrip("0").rstrip(".") if "." in shortest else shortest)
    assert float(text) == number and "e" not in text and not text.endswith(".0")


def test_export_of_an_empty_store_imports_again(store, tmp_path):
    paths = interchange.export_all(store, admin("t"), tmp_path / "out")
    result = interchange.import_files(store, admin("t"), paths)
    assert all(c.rows == 0 for c in result.tables.values()) and len(result.tables) == len(TABLES)


def test_export_is_audited(loaded, tmp_path):
    interchange.export_all(loaded, admin("bob"), tmp_path / "out")
    with loaded.read() as cur:
        row = cur.execute(
            "SELECT entity, new_value, detail FROM audit WHERE action = 'export' AND actor = 'bob'"
        ).fetchone()
    assert row[0] == "interchange" and '"students": 3' in row[1] and row[2] == "csv"


def test_export_zip_holds_the_same_files_and_is_stable(loaded, tmp_path):
    paths = interchange.export_all(loaded, admin("t"), tmp_path / "out")
    first = interchange.export_zip(loaded, admin("t"))
    assert interchange.export_zip(loaded, admin("t")) == first
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert zf.namelist() == [p.name for p in paths]
        for p in paths:
            assert zf.read(p.name) == p.read_bytes()


# -- uploads (admin page) ------------------------------------------------------------------------


def uploads(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in csv_files(folder)}


def test_validate_upload_reports_counts_and_problems_without_writing(store, tmp_path):
    folder = valid_dir(tmp_path)
    report = interchange.validate_upload(store, admin("admin"), uploads(folder))
    assert report.ok and report.counts["contacts"] == 3
    set_cell(folder / "roles.csv", 2, "start_date", "morgen")
    before = snapshot(store)
    report = interchange.validate_upload(None, admin("admin"), uploads(folder))
    assert not report.ok and report.total_problems == 1
    assert (
        report.problems[0].text("en")
        == "roles.csv row 2, column start_date: 'morgen' is not a date (YYYY-MM-DD)"
    )
    assert snapshot(store) == before


def test_validate_upload_without_store_skips_references(tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(DATA / "roles.csv", folder)
    assert interchange.validate_upload(None, admin("admin"), uploads(folder)).ok


def test_import_upload_writes_and_refuses_oversized_files(store, tmp_path, monkeypatch):
    folder = valid_dir(tmp_path)
    result = interchange.import_upload(store, admin("admin"), uploads(folder))
    assert result.tables["students"].new == 3
    monkeypatch.setattr(importer, "MAX_UPLOAD_BYTES", 100)
    before = snapshot(store)
    with pytest.raises(Invalid) as info:
        interchange.import_upload(
            store,
            admin("admin"),
            {"../../contacts.csv": (folder / "contacts.csv").read_bytes()},
        )
    assert info.value.problems[0].text("en").startswith("contacts.csv: is too large")
    assert snapshot(store) == before


# -- validation as data: the schemas and the SQL conversion agree --------------------------------


def contract_keys() -> dict[str, tuple[str, ...]]:
    """The key of each table as docs/interchange.md states it (`Key: a, b (unique; ...)`)."""
    text = (Path(__file__).parents[1] / "docs" / "interchange.md").read_text("utf-8")
    found = re.findall(r"^## (\w+)\.csv.*\nKey: ([a-z_, ]+) \(", text, flags=re.MULTILINE)
    return {table: tuple(k.strip() for k in key.split(",")) for table, key in found}


def test_schemas_match_the_spec_columns_and_keys():
    assert set(contract_keys()) == set(TABLES)
    for table, spec in SPECS.items():
        assert spec.names == TABLES[table]
        assert spec.key == contract_keys()[table]
        assert list(spec.schema.columns) == list(TABLES[table])


def test_a_schema_checks_a_whole_frame_including_keys():
    df = pd.DataFrame(
        {
            "student_id": ["s1", " s1"],
            "date": ["2025-01-01", "2025-01-01"],
            "hours": ["1", "2"],
            "excused": ["ja", "no"],
        },
        index=[2, 3],
    )
    with pytest.raises(Exception) as info:
        build_schema(SPECS["absences"]).validate(df, lazy=True)
    cases = info.value.failure_cases
    assert set(cases["check"]) == {"duplicate_key"} and set(cases["index"]) == {3}


_CELLS = st.text(alphabet=" \t\u00a0;,.-+eE0123456789aAbjnostuy", max_size=12)
_KIND_COLUMNS = {
    "date": ("absences", "date"),
    "bool": ("absences", "excused"),
    "posint": ("agreements", "frequency_days"),
    "posnumber": ("absences", "hours"),
    "ids": ("contacts", "participants"),
}


@settings(max_examples=150, deadline=None)
@given(cell=_CELLS, kind=st.sampled_from(sorted(_KIND_COLUMNS)))
def test_what_the_schema_accepts_the_sql_stores_as_the_same_value(cell, kind):
    table, name = _KIND_COLUMNS[kind]
    col = SPECS[table].col(name)
    s = pd.Series([cell])
    accepted = (ids_present(s) if kind == "ids" else present(s)).iloc[0] and all(
        bool(check._check_fn(s).iloc[0]) for check in SPECS[table].schema.columns[name].checks
    )
    con = duckdb.connect()
    conversion.create_work_tables(con)
    sql = f"SELECT {conversion.to_value(col)} FROM (SELECT $v AS {name}) r"
    stored = con.execute(sql, {"v": cell}).fetchone()[0]
    con.close()
    if not accepted:
        return
    word = cell.strip(WS)
    if kind == "date":
        assert stored == as_date(s).iloc[0].date()
    elif kind == "bool":
        assert stored is (word.lower() in TRUE_WORDS)
    elif kind in ("posint", "posnumber"):
        assert stored == as_number(s).iloc[0]
    else:
        assert stored == [x.strip(WS) for x in cell.split(";") if x.strip(WS)]


# -- property: one bad cell refuses everything ---------------------------------------------------

# For every column, values that must make the import refuse (whatever the rest holds).
_BAD = {
    "id": ["", "  "],
    "text": ["", " "],
    "code": ["nonsense", "mentor2"],
    "date": ["2025-13-01", "01-02-2025", "2025-02-30", "gisteren"],
    "bool": ["misschien", "y", "2"],
    "posint": ["0", "-3", "1.5", "x"],
    "posnumber": ["0", "-1", "abc", "1e999"],
    "ids": [" ; ", "ghost"],
}
_TARGETS = [
    (table, col.name, bad)
    for table, spec in SPECS.items()
    for col in spec.columns
    for bad in (
        (["ghost-id"] if col.ref in ("student", "person", "person_or_student", "placement") else [])
        + (_BAD[col.kind] if col.required or col.kind not in ("id", "text", "ids") else [])
        + (["ghost"] if col.kind == "ids" and not col.required else [])
    )
    if not (col.kind in ("id", "text") and not col.required and col.ref is None)
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A store holding the valid set, and the valid files as texts."""
    folder = tmp_path_factory.mktemp("world")
    s = open_store(folder / "world.duckdb")
    interchange.import_files(s, admin("setup"), csv_files(DATA))
    frames = {t: pd.read_csv(DATA / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLES}
    yield s, frames, folder
    s.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(target=st.sampled_from(_TARGETS), pick=st.integers(min_value=0, max_value=100))
def test_corrupting_any_one_cell_refuses_the_whole_import(world, target, pick):
    store, frames, folder = world
    table, column, bad = target
    frame = frames[table].copy()
    row = pick % len(frame)
    frame.loc[row, column] = bad
    files = folder / "case"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir()
    for t, f in frames.items():
        (frame if t == table else f).to_csv(files / f"{t}.csv", index=False, lineterminator="\n")
    before = snapshot(store)
    with pytest.raises(Invalid) as info:
        interchange.import_files(store, admin("prop"), csv_files(files))
    assert snapshot(store) == before
    assert any(
        p.where.file == f"{table}.csv"
        and p.where.row == row + 2
        and column in (p.where.column or "")
        for p in info.value.problems
    ), [p.text("en") for p in info.value.problems]


def test_every_reason_has_a_dutch_and_an_english_text():
    from dashboard import i18n

    source = "".join(
        p.read_text("utf-8") for p in sorted(Path(interchange.__file__).parent.glob("*.py"))
    )
    used = set(re.findall(r'"interchange\.reason\.([a-z_0-9]+)"', source))
    used |= set(re.findall(r"'([a-z_]+)'(?:,| END)", source)) & {
        "unknown_placement",
        "placement_other_student",
        "unknown_person_in_list",
        "placement_moved",
        "unreadable_row",
    }
    used |= {"unknown_student", "unknown_person", *staging.REJECT_REASONS.values()}
    for spec in SPECS.values():
        used |= {c.name for col in spec.schema.columns.values() for c in col.checks}
        used |= {c.name for c in spec.schema.checks}
    assert {"required", "date", "duplicate_key", "not_utf8", "placement_moved"} <= used
    for lang in ("nl", "en"):
        missing = {k for k in used if f"interchange.reason.{k}" not in i18n.catalogue(lang)}
        assert not missing, (lang, missing)
