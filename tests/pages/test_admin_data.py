"""The import/export page: a bad upload is explained and writes nothing; a good one imports."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard import backups
from dashboard.codes import TABLES

from .conftest import app_store, assert_day_warmed, texts

HEADER = ",".join(TABLES["students"])
GOOD_ROW = "T000001,Noor,El Amrani,2008-04-02,Entree,Rotterdam Zuid,E1A,2024-08-26,active,,"
BAD_ROW = "T000002,Sem,Jansen,2008-13-40,Entree,Rotterdam Zuid,E1A,2024-08-26,active,,"


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def student_count() -> int:
    with app_store().read() as cur:
        return cur.execute("SELECT count(*) FROM students").fetchone()[0]


@pytest.fixture
def admin_page(signed_in):
    at = signed_in("beheerder")
    at.switch_page("pages/admin_data.py").run()
    assert not at.exception
    return at


def test_a_bad_file_shows_the_problem_and_writes_nothing(admin_page):
    at = admin_page
    before = student_count()
    at.file_uploader[0].set_value(("students.csv", csv_bytes(GOOD_ROW, BAD_ROW), "text/csv"))
    at.run()
    assert "Er is 1 probleem gevonden" in texts(at)
    problem = at.dataframe[0].value.iloc[0]
    assert problem["Bestand"] == "students.csv"
    assert problem["Rij"] == "3" and problem["Kolom"] == "birth_date"
    assert problem["Waarde"] == "2008-13-40"
    assert not [b for b in at.button if b.label == "Importeren"]  # nothing to confirm
    assert student_count() == before


def test_a_good_file_imports_after_confirmation(admin_page, monkeypatch):
    at = admin_page
    before = student_count()
    at.file_uploader[0].set_value(("students.csv", csv_bytes(GOOD_ROW), "text/csv"))
    at.run()
    assert "De bestanden zijn in orde." in texts(at)
    assert student_count() == before  # checked, not yet stored
    button(at, "Importeren").click().run()
    assert not at.exception
    assert "De bestanden zijn geïmporteerd." in texts(at)
    assert student_count() == before + 1
    with app_store().read() as cur:
        name = cur.execute("SELECT last_name FROM students WHERE student_id = 'T000001'").fetchone()
    assert name == ("El Amrani",)
    assert_day_warmed(monkeypatch)  # the new student's signals are ready for the next page


def test_export_is_made_on_request_and_audited(admin_page):
    at = admin_page
    assert not at.get("download_button")
    button(at, "Export maken").click().run()
    assert at.get("download_button")
    with app_store().read() as cur:
        exports = cur.execute(
            "SELECT count(*) FROM audit WHERE action = 'export' AND actor = 'beheerder'"
        ).fetchone()[0]
    assert exports == 1


def test_only_admins_have_the_page(signed_in):
    at = signed_in("zorgcoordinator")
    with pytest.raises(ValueError):
        at.switch_page("pages/admin_data.py")


@pytest.mark.parametrize("backend", ["file"], indirect=True)  # PostgreSQL: pg_dump (below)
def test_lists_the_scheduled_backups_with_size_and_age(admin_page, db):
    at = admin_page
    assert "Er is nog geen back-up gemaakt" in texts(at)
    made = dt.datetime.now() - dt.timedelta(hours=3)
    backups.run_scheduled(app_store(), made)
    at.run()
    (table,) = [df.value for df in at.dataframe]
    assert list(table["Bestand"]) == [f"regiebord-{made:%Y-%m-%dT%H%M%S}.duckdb"]
    assert table["Grootte"].iloc[0].endswith(" MB") and table["Leeftijd"].iloc[0] == "3 uur"
    assert str(db.parent / "backups") in texts(at).replace("\\", "")
    assert "ouder dan een dag" not in texts(at)


def test_the_export_says_beside_its_button_that_it_is_raw_data(admin_page):
    """Issue 21, finding 9: formulas are not neutralised in the interchange export, and the
    page says so right under the download button."""
    at = admin_page
    button(at, "Export maken").click().run()
    shown = [getattr(e, "type", "") for e in at.main.children.values()]
    assert shown  # the page has a body
    elements = list(_leaves(at.main))
    at_button = next(i for i, e in enumerate(elements) if e.type == "download_button")
    beside = elements[at_button + 1]
    assert beside.type == "caption"
    assert "ruwe gegevens" in beside.value and "=" in beside.value


def test_tables_offer_no_download_that_skips_the_audit_or_keeps_formulas():
    """st.dataframe's own CSV download writes `=...` cells as they are and is not audited:
    the app turns it off (client.disableDataExport); the exports it offers itself are audited."""
    import tomllib
    from pathlib import Path

    config = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
    assert tomllib.loads(config.read_text())["client"]["disableDataExport"] is True


def _leaves(node):
    children = getattr(node, "children", None)
    if not children:
        yield node
        return
    for child in children.values():
        yield from _leaves(child)


def test_an_upload_is_checked_once_not_on_every_rerun(admin_page, monkeypatch):
    """Issue 21, finding 6: the file stays in the uploader while the admin clicks around."""
    from dashboard import interchange

    calls = []
    real = interchange.validate_upload
    monkeypatch.setattr(
        interchange, "validate_upload", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    at = admin_page
    at.file_uploader[0].set_value(("students.csv", csv_bytes(GOOD_ROW), "text/csv"))
    at.run()
    at.run()
    at.run()
    assert "De bestanden zijn in orde." in texts(at)
    assert len(calls) == 1
    at.file_uploader[0].set_value(("students.csv", csv_bytes(GOOD_ROW, BAD_ROW), "text/csv"))
    at.run()
    assert len(calls) == 2 and "Er is 1 probleem gevonden" in texts(at)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_on_postgresql_the_backups_section_points_to_pg_dump(admin_page):
    assert "pg_dump" in texts(admin_page) and not admin_page.exception
