"""The minutes per audience (the PDF read back with pypdf, and the Markdown), the per-owner
recaps, and the data rules: meetings in the inzage export and backups, gone on erasure."""

from __future__ import annotations

import io

import duckdb
import pytest
from factories import days
from meeting_world import COORD, T, build, create
from pypdf import PdfReader

from dashboard import backups
from dashboard.errors import Invalid
from dashboard.meetings import minutes, run
from dashboard.security.access import CLI_USER, User
from dashboard.students import rights

TYPED = "# Kop [link](http://x) <b>vet</b> | *ster*"


@pytest.fixture
def meeting(store):
    return hold_meeting(store)


def hold_meeting(store):
    """An external meeting, closed: S-HIGH (named: consent given), S-MED (no consent: without
    name), a care-only decision and a care-only action, and a typed text with markup."""
    build(store)
    with store.write() as tx:
        tx.touch(["S-HIGH"])
        tx.execute(
            "INSERT INTO consents VALUES ('S-HIGH', 'external', $d, true, 'x', NULL)",
            {"d": T - days(3)},
        )
    attendees = (("P-CO", "voorzitter"), ("P-BPV", "bpv"), ("P-LP", "leerplicht"))
    meeting_id = create(store, ["S-HIGH", "S-MED"], kind="external", attendees=attendees)
    run.set_attendance(store, COORD, meeting_id, {"P-CO": True, "P-BPV": True, "P-LP": False}, T)
    run.record_decision(store, COORD, meeting_id, "S-HIGH", "Stage gaat door", T)
    run.record_decision(store, COORD, meeting_id, "S-HIGH", "Schuldhulp loopt", T, care_only=True)
    run.record_decision(store, COORD, meeting_id, "S-MED", TYPED, T)
    run.decide_direction(store, COORD, meeting_id, "S-HIGH", "P-BPV", T)
    run.add_action(store, COORD, meeting_id, "S-HIGH", "Werkgever bellen", "P-BPV", T + days(7), T)
    run.add_action(
        store,
        COORD,
        meeting_id,
        "S-MED",
        "Ouders uitnodigen",
        "M-S-MED",
        T + days(14),
        T,
        care_only=True,
    )
    run.close_meeting(store, COORD, meeting_id)
    return store, meeting_id


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def test_the_care_version_holds_everything_and_names_only_who_consented(meeting):
    store, meeting_id = meeting
    text = pdf_text(minutes.minutes(store, COORD, meeting_id, "care", "pdf", T))
    for expected in (
        "Verslag caseloadbespreking 01-10-2025",
        "Aanwezig: Bram BPV (bpv), Carla Coördinator (voorzitter)",
        "Afwezig: Leerplicht Lisa (leerplicht)",
        "1. Naam S-HIGH",
        "Stage gaat door",
        "Schuldhulp loopt",
        "Regie bij Bram BPV vanaf 01-10-2025.",
        "Werkgever bellen — Bram BPV, klaar op 08-10-2025 (open)",
        "2. Leerling 2 (zonder naam besproken)",
        "Ouders uitnodigen — Mentor S-MED, klaar op 15-10-2025 (open)",
        TYPED,
    ):
        assert expected in text, expected
    assert "S-MED" not in text.replace("Mentor S-MED", "")  # no name, no student number


def test_the_school_version_leaves_out_what_only_care_may_read(meeting):
    store, meeting_id = meeting
    text = pdf_text(minutes.minutes(store, COORD, meeting_id, "school", "pdf", T, "en"))
    assert "Minutes of the caseload meeting of 2025-10-01" in text
    assert "Stage gaat door" in text and "Werkgever bellen" in text
    assert "Schuldhulp loopt" not in text and "Ouders uitnodigen" not in text
    assert "Student 2 (discussed without name)" in text


def test_markdown_minutes_show_typed_text_literally(meeting):
    store, meeting_id = meeting
    text = minutes.minutes(store, COORD, meeting_id, "care", "markdown", T).decode("utf-8")
    assert text.startswith("# Verslag caseloadbespreking 01\\-10\\-2025\n")
    assert "- \\# Kop \\[link\\]\\(http\\:\u2060//x\\) \\<b\\>vet\\</b\\> \\| \\*ster\\*" in text
    assert "Naam S\\-HIGH" in text and "Naam S\\-MED" not in text


def test_a_guide_gets_only_their_own_students_in_the_minutes(meeting):
    store, meeting_id = meeting
    with store.write() as tx:
        tx.execute(
            "INSERT INTO meeting_attendees VALUES ($m, 'M-S-MED', 'mentor', true)",
            {"m": meeting_id},
        )
    mentor = User("m-med", "guide", "M-S-MED")
    text = pdf_text(minutes.minutes(store, mentor, meeting_id, "care", "pdf", T))
    assert "Werkgever bellen" not in text and "Stage gaat door" not in text
    assert "Ouders uitnodigen" not in text  # care-only: a mentor is no care role
    assert TYPED in text


def test_recaps_per_owner(meeting):
    store, meeting_id = meeting
    care = minutes.recaps(store, COORD, meeting_id, "care", T)
    assert care == {
        "Bram BPV": "- Naam S\\-HIGH\\: Werkgever bellen, klaar op 08\\-10\\-2025\n",
        "Mentor S-MED": "- Leerling 2 \\(zonder naam besproken\\)\\: Ouders uitnodigen, klaar op "
        "15\\-10\\-2025\n",
    }
    assert list(minutes.recaps(store, COORD, meeting_id, "school", T)) == ["Bram BPV"]


def test_making_minutes_is_audited_and_checks_its_input(meeting):
    store, meeting_id = meeting
    minutes.minutes(store, COORD, meeting_id, "school", "markdown", T)
    with store.read() as cur:
        detail = cur.execute(
            "SELECT detail FROM audit WHERE action = 'export' AND entity_key = $m",
            {"m": meeting_id},
        ).fetchall()
    assert detail == [("markdown school",)]
    with pytest.raises(Invalid):
        minutes.minutes(store, COORD, meeting_id, "everyone", "pdf", T)


def test_meetings_are_in_backups(store, tmp_path):
    hold_meeting(store)
    backups.backup(store, CLI_USER, tmp_path / "backup.duckdb")
    copy = duckdb.connect(str(tmp_path / "backup.duckdb"), read_only=True)
    assert copy.execute("SELECT count(*) FROM meeting_actions").fetchone() == (3,)
    copy.close()


def test_meetings_are_in_the_inzage_and_gone_after_erasure(meeting):
    store, meeting_id = meeting
    inzage = rights.inzage(store, CLI_USER, "S-HIGH").decode("utf-8")
    assert "## Acties uit caseloadbesprekingen" in inzage and "Werkgever bellen" in inzage
    assert "## Besluiten in caseloadbesprekingen" in inzage and "Stage gaat door" in inzage
    with store.write() as tx:
        tx.touch_all()
        tx.execute(
            "UPDATE students SET status = 'transferred', status_date = $d "
            "WHERE student_id = 'S-HIGH'",
            {"d": T - days(3650)},
        )
    counts = rights.erase_or_anonymise(store, CLI_USER, "S-HIGH", "erase", today=T)
    assert counts["meeting_actions"] == 1 and counts["meeting_decisions"] == 3
    with store.read() as cur:
        left = cur.execute(
            "SELECT count(*) FROM (SELECT student_id FROM meeting_items UNION ALL "
            "SELECT student_id FROM meeting_decisions UNION ALL SELECT student_id "
            "FROM meeting_actions UNION ALL SELECT student_id FROM meeting_action_status) "
            "WHERE student_id = 'S-HIGH'"
        ).fetchone()
    assert left == (0,)
    assert len(minutes.recaps(store, COORD, meeting_id, "care", T)) == 1  # S-MED's stays
