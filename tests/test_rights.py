"""The student's rights: inzage, correction, erasure and anonymisation after retention; and the
audit trail that records them stays append-only."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from factories import World

from dashboard.errors import Invalid, NotAllowed, NotFound
from dashboard.security import access, audit
from dashboard.store import store_tables
from dashboard.students import rights

TODAY = dt.date(2025, 10, 1)
ADMIN = access.User("boss", "admin", name="Beheer")
MENTOR = access.User("mila", "guide", "P-MEN", "Mila Mentor")
# Words that only S1's rows hold, and only S2's.
S1_WORDS = (
    "Noa",
    "Jansen",
    "Bakkerij Korst",
    "summary-S1",
    "details-S1",
    "note-S1",
    "ack-S1",
    "extra-S1",
    "checklist-S1",
    "decision-S1",
    "action-S1",
)
S2_WORDS = (
    "Tim",
    "Vries",
    "Garage Oost",
    "summary-S2",
    "details-S2",
    "note-S2",
    "ack-S2",
    "extra-S2",
    "checklist-S2",
    "decision-S2",
    "action-S2",
)


def student_with_everything(world: World, sid: str, first: str, last: str, company: str, left_on):
    start = dt.date(2019, 8, 26)
    world.add_student(
        sid,
        start,
        first_name=first,
        last_name=last,
        birth_date=dt.date(2003, 7, 14),
        status="graduated" if left_on else "active",
        status_date=left_on,
        status_reason=f"reason-{sid}",
    )
    parent = f"PAR-{sid}"
    world.add_person(parent, f"Ouder {last}", kind="family")
    world.add_role(sid, "P-MEN", "mentor", start)
    world.add_role(sid, parent, "parent", start)
    world.roles[-2]["note"] = f"note-{sid}"
    placement = world.add_placement(
        sid,
        start,
        start + dt.timedelta(days=100),
        "P-SUP",
        placement_id=f"{sid}-P1",
        company=company,
    )
    contact = world.add_contact(
        sid, start, ["P-MEN", parent], placement_id=placement["placement_id"]
    )
    contact.update(summary=f"summary-{sid} | met een\nregelovergang", initiated_by=parent)
    agreement = world.add_agreement(sid, "direction", "P-MEN", start)
    agreement.update(details=f"details-{sid}", counterpart_ids=[parent, "P-SUP"])
    world.add_consent(sid, start, shares=True)
    world.consents[-1]["note"] = f"note-{sid}"
    world.add_absence(sid, start, 3.5)


@pytest.fixture
def world(store):
    w = World()
    w.add_person("P-MEN", "Mila Mentor")
    w.add_person("P-SUP", "Sam Bakker", kind="workplace")
    student_with_everything(w, "S1", "Noa", "Jansen", "Bakkerij Korst", dt.date(2021, 6, 30))
    student_with_everything(w, "S2", "Tim", "de Vries", "Garage Oost", dt.date(2021, 6, 30))
    w.save(store)
    with store.write() as cur:
        for sid in ("S1", "S2"):
            cur.execute(
                "INSERT INTO acknowledgements VALUES ('NO_DIRECTION', ?, ?, '2019-09-01', ?, "
                "'2019-12-01', 'mila', '2019-09-02 10:00:00')",
                [sid, f"{sid}-P1", f"ack-{sid}"],
            )
        # A checklist about the placement's contact (dashboard/checklists).
        for n, sid in enumerate(("S1", "S2"), start=1):
            contact_id = cur.scalar("SELECT contact_id FROM contacts WHERE student_id = ?", [sid])
            cur.execute(
                "INSERT INTO checklists VALUES (?, ?, 'collaboration', 'student', '2019-09-02', "
                "?, ?, 'P-MEN', '2019-09-02 10:00:00')",
                [f"CL-{n}", sid, f"{sid}-P1", contact_id],
            )
            cur.execute(
                "INSERT INTO checklist_answers VALUES (?, ?, 'direction', 1, 'improve', ?)",
                [f"CL-{n}", sid, f"checklist-{sid}"],
            )
        # A caseload meeting about both, with a decision and an action for each.
        cur.execute(
            "INSERT INTO meetings VALUES ('M1', '2020-01-10', 'internal', 'list', NULL, 60, "
            "'mila', '2020-01-09 09:00:00', NULL, NULL)"
        )
        for sid in ("S1", "S2"):
            cur.execute("INSERT INTO meeting_items VALUES ('M1', ?, 1, 5, 'high')", [sid])
            cur.execute(
                "INSERT INTO meeting_decisions VALUES (?, 'M1', ?, 'text', ?, NULL, false, "
                "'mila', '2020-01-10 10:00:00')",
                [f"MD-{sid}", sid, f"decision-{sid}"],
            )
            cur.execute(
                "INSERT INTO meeting_actions VALUES (?, 'M1', ?, ?, 'P-MEN', '2020-01-20', NULL, "
                "false, 'mila', '2020-01-10 10:00:00')",
                [f"MA-{sid}", sid, f"action-{sid}"],
            )
            cur.execute(
                "INSERT INTO meeting_action_status VALUES (?, ?, 'open', '2020-01-10', 'mila', "
                "'2020-01-10 10:00:00')",
                [f"MA-{sid}", sid],
            )
        # A table another capability might add later: found because it has student_id.
        cur.execute("CREATE TABLE extra_notes (student_id VARCHAR, text VARCHAR)")
        cur.execute("INSERT INTO extra_notes VALUES ('S1', 'extra-S1'), ('S2', 'extra-S2')")
        audit.record(cur, audit.ViewStudent("mila", "S1"))
    return store


def everything_but_audit(store) -> str:
    """Every value of every table except the audit trail, as one text."""
    with store.read() as cur:
        tables = store_tables(cur)
        return "\n".join(
            f"{t}: {cur.execute(f'SELECT * FROM {t}').fetchall()}" for t in tables if t != "audit"
        )


def audit_text(store) -> str:
    with store.read() as cur:
        return str(cur.execute("SELECT * FROM audit").fetchall())


# -- inzage --------------------------------------------------------------------------------


def test_inzage_holds_every_table_of_the_student_and_nothing_of_another(world):
    text = rights.inzage(world, ADMIN, "S1").decode("utf-8")
    for word in S1_WORDS:
        assert word in text
    for word in S2_WORDS:
        assert word not in text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Leerling",
        "## Begeleiders en hun rol",
        "## Stages (BPV)",
        "## Contactmomenten",
        "## Afspraken",
        "## Toestemming om informatie te delen",
        "## Verzuim",
        "## Signalen waarvan bewust is afgeweken",
        "## Antwoorden op de checklists",
        "## Ingevulde checklists",
        "## extra_notes",
        "## Status van die acties",
        "## Acties uit caseloadbesprekingen",
        "## Besluiten in caseloadbesprekingen",
        "## Op de agenda van caseloadbesprekingen",
        "## Wie heeft het dossier bekeken, gewijzigd of geëxporteerd",
    ]
    assert "Geen gegevens." not in text  # every section has its rows
    assert "Mila Mentor (P-MEN)" in text and "mentor / SLB-er" in text  # names, code labels
    assert "| ack-S1 |" in text  # a free-text reason is not mistaken for a code
    assert "| 2003-07-14 |" in text and "| ja |" in text
    # A cell with | and a line break stays one cell of its row.
    row = next(line for line in text.splitlines() if "summary-S1" in line)
    assert "summary-S1 \\| met een regelovergang" in row
    assert "view_student" in text  # who looked at the file
    # A checklist answer with the wording it was given under, and its codes by name.
    answer = next(line for line in text.splitlines() if "checklist-S1" in line)
    assert "| Regie en verantwoordelijkheid |" in answer and "ruimte voor verbetering" in answer


def test_inzage_is_audited_as_an_export_without_the_data(world):
    rights.inzage(world, ADMIN, "S1")
    with world.read() as cur:
        event = audit.search(cur, action="export")[0]
    assert (event["actor"], event["student_id"], event["detail"]) == ("boss", "S1", "inzage")
    assert "Noa" not in audit_text(world)


def test_inzage_only_for_admins_and_existing_students(world):
    with pytest.raises(NotAllowed):
        rights.inzage(world, MENTOR, "S1")
    with pytest.raises(NotFound):
        rights.inzage(world, ADMIN, "S9")
    with world.read() as cur:
        assert audit.search(cur, action="export") == []


# -- correction ----------------------------------------------------------------------------


def test_correct_changes_the_fields_and_audits_without_personal_values(world):
    changed = rights.correct(
        world, ADMIN, "S1", {"last_name": "Janssen", "location": "Zuid", "class_code": "E1A"}
    )
    assert changed == ["last_name", "location"]
    with world.read() as cur:
        row = cur.execute("SELECT last_name, location FROM students WHERE student_id = 'S1'")
        assert row.fetchone() == ("Janssen", "Zuid")
        event = audit.search(cur, action="correct")[0]
    assert event["old_value"] == '{"location": "Rotterdam Zuid"}'
    assert event["new_value"] == '{"location": "Zuid"}'
    assert event["detail"] == "corrected: last_name, location"
    assert "Jans" not in audit_text(world)


def test_correct_refuses_bad_values_and_writes_nothing(world):
    with pytest.raises(Invalid) as exc:
        rights.correct(
            world,
            ADMIN,
            "S1",
            {"first_name": " ", "birth_date": "14-07-2003", "status": "gone", "student_id": "X"},
        )
    assert sorted(p.key for p in exc.value.problems) == [
        "access.rights.bad_date",
        "access.rights.bad_field",
        "access.rights.bad_status",
        "access.rights.required",
    ]
    assert "'14-07-2003' is not a date" in " ".join(p.text("en") for p in exc.value.problems)
    with pytest.raises(Invalid) as exc:
        rights.correct(world, ADMIN, "S1", {"status_date": ""})
    assert [p.key for p in exc.value.problems] == ["access.rights.status_date_required"]
    with world.read() as cur:
        assert cur.execute("SELECT first_name FROM students WHERE student_id='S1'").fetchone() == (
            "Noa",
        )
        assert audit.search(cur, action="correct") == []


# -- erasure and anonymisation -------------------------------------------------------------


@pytest.mark.parametrize("mode", rights.MODES)
def test_erasure_is_refused_within_the_retention_period(world, mode):
    with world.write() as cur:
        cur.execute("UPDATE students SET status_date = '2024-01-15' WHERE student_id = 'S1'")
    before = everything_but_audit(world)
    with pytest.raises(Invalid) as exc:
        rights.erase_or_anonymise(world, ADMIN, "S1", mode, today=TODAY)
    (problem,) = exc.value.problems
    assert problem.key == "access.rights.within_retention"
    assert "2024-01-15" in problem.text("en") and "2026-01-16" in problem.text("en")
    assert "2 years" in problem.text("en")
    assert everything_but_audit(world) == before


def test_erasure_is_refused_for_an_active_student_and_for_non_admins(world):
    with world.write() as cur:
        cur.execute(
            "UPDATE students SET status = 'active', status_date = NULL WHERE student_id='S1'"
        )
    with pytest.raises(Invalid) as exc:
        rights.erase_or_anonymise(world, ADMIN, "S1", "erase", today=TODAY)
    assert exc.value.problems[0].key == "access.rights.still_active"
    with pytest.raises(NotAllowed):
        rights.erase_or_anonymise(world, MENTOR, "S2", "erase", today=TODAY)
    with pytest.raises(Invalid):
        rights.erase_or_anonymise(world, ADMIN, "S2", "shred", today=TODAY)


def test_retention_is_a_setting(world):
    with world.write() as cur:
        cur.execute("INSERT INTO settings VALUES ('retention_years', '5', 'boss', now())")
    with pytest.raises(Invalid) as exc:
        rights.erase_or_anonymise(world, ADMIN, "S1", "erase", today=TODAY)
    assert "5 years" in exc.value.problems[0].text("en")


def test_erase_leaves_no_trace_of_the_student_but_keeps_the_other(world):
    rights.inzage(world, ADMIN, "S1")
    counts = rights.erase_or_anonymise(world, ADMIN, "S1", "erase", today=TODAY)
    assert counts["contacts"] == 1 and counts["extra_notes"] == 1 and counts["staff"] == 1
    assert counts["checklists"] == 1 and counts["checklist_answers"] == 1
    stored = everything_but_audit(world) + audit_text(world)
    for word in S1_WORDS:
        assert word not in stored
    assert "Ouder Jansen" not in stored  # the parent, linked to no one else, is gone too
    for word in S2_WORDS:
        assert word in everything_but_audit(world)
    with world.read() as cur:
        event = audit.search(cur, action="erase")[0]
        assert audit.verify_chain(cur) is None
    assert (event["actor"], event["student_id"]) == ("boss", "S1")
    assert '"students": 1' in event["new_value"]


def test_anonymise_keeps_what_totals_need_and_strips_the_person(world):
    rights.erase_or_anonymise(world, ADMIN, "S1", "anonymise", today=TODAY)
    stored = everything_but_audit(world)
    for word in S1_WORDS:
        assert word not in stored or word == "Bakkerij Korst"  # the company is kept
    assert "Ouder Jansen" not in stored and "PAR-S1" not in stored
    assert not re.search(r"\bS1\b|S1-", stored)  # no id that leads back to the student
    with world.read() as cur:
        anon = cur.execute(
            "SELECT student_id, first_name, last_name, birth_date, programme, location, "
            "status, status_date, status_reason, class_code FROM students "
            "WHERE student_id LIKE 'ANON-%'"
        ).fetchall()
        assert len(anon) == 1
        new_id = anon[0][0]
        assert anon[0][1:] == (
            "Anoniem", "", dt.date(2003, 1, 1), "Entree", "Rotterdam Zuid", "graduated",
            dt.date(2021, 6, 30), None, None,
        )  # fmt: skip
        counts = dict(
            cur.execute(
                "SELECT 'roles', count(*) FROM roles WHERE student_id = $s "
                "UNION ALL SELECT 'placements', count(*) FROM placements WHERE student_id = $s "
                "UNION ALL SELECT 'contacts', count(*) FROM contacts WHERE student_id = $s "
                "UNION ALL SELECT 'agreements', count(*) FROM agreements WHERE student_id = $s "
                "UNION ALL SELECT 'absences', count(*) FROM absences WHERE student_id = $s "
                "UNION ALL SELECT 'extra', count(*) FROM extra_notes WHERE student_id = $s "
                "UNION ALL SELECT 'checklists', count(*) FROM checklists WHERE student_id = $s "
                "UNION ALL SELECT 'answers', count(*) FROM checklist_answers "
                "WHERE student_id = $s AND score = 'improve'",
                {"s": new_id},
            ).fetchall()
        )
        contact = cur.execute(
            "SELECT c.placement_id, p.placement_id, c.participants, c.summary FROM contacts c "
            "JOIN placements p USING (student_id) WHERE c.student_id = $s",
            {"s": new_id},
        ).fetchone()
        event = audit.search(cur, action="anonymise")[0]
    assert counts == {
        "roles": 1,  # the mentor stays, the parent goes
        "placements": 1,
        "contacts": 1,
        "agreements": 1,
        "absences": 1,
        "extra": 0,  # unknown tables lose the rows: they may hold anything
        "checklists": 1,  # the scores stay for the trends, the note goes
        "answers": 1,
    }
    assert contact[0] == contact[1]  # the renamed placement id is renamed everywhere
    assert contact[2:] == (["P-MEN"], None)
    assert event["student_id"] == "S1" and new_id not in audit_text(world)


# -- the audit trail stays append-only -----------------------------------------------------


def test_no_code_updates_or_deletes_audit_rows():
    pattern = re.compile(
        r"(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE|ALTER\s+TABLE)\s+audit\b", re.I
    )
    root = Path(__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(root))
        for folder in ("dashboard", "pages")
        for path in (root / folder).rglob("*.*")
        if path.suffix in (".py", ".sql") and pattern.search(path.read_text("utf-8"))
    ]
    offenders += [
        str(p.relative_to(root)) for p in [root / "streamlit_app.py"] if p.exists() and pattern.search(p.read_text("utf-8"))
    ]  # fmt: skip
    assert offenders == []


def test_an_edit_outside_the_app_is_detected(world):
    rights.inzage(world, ADMIN, "S1")
    rights.correct(world, ADMIN, "S1", {"location": "Zuid"})
    with world.read() as cur:
        assert audit.verify_chain(cur) is None
        ids = [r[0] for r in cur.execute("SELECT id FROM audit ORDER BY id").fetchall()]
    with world.write() as cur:  # someone with the DuckDB command line covers their tracks
        cur.execute("UPDATE audit SET actor = 'someone' WHERE id = ?", [ids[1]])
    with world.read() as cur:
        assert audit.verify_chain(cur) == ids[1]
    with world.write() as cur:
        cur.execute("UPDATE audit SET actor = 'boss' WHERE id = ?", [ids[1]])
        cur.execute("DELETE FROM audit WHERE id = ?", [ids[1]])
    with world.read() as cur:
        assert audit.verify_chain(cur) == ids[2]


def test_find_students_says_who_may_be_erased(world):
    with world.write() as cur:
        cur.execute("UPDATE students SET status_date = '2024-01-15' WHERE student_id = 'S2'")
    rows = {r["student_id"]: r for r in rights.find_students(world, ADMIN, "", TODAY)}
    assert rows["S1"]["erasable"] and not rows["S2"]["erasable"]
    assert rows["S2"]["why_not"].key == "access.rights.within_retention"
    assert [r["student_id"] for r in rights.find_students(world, ADMIN, "noa jan", TODAY)] == ["S1"]
    with pytest.raises(NotAllowed):
        rights.find_students(world, MENTOR, "", TODAY)


# -- inzage with hostile text (issue 21, finding 2) ----------------------------------------

HOSTILE = (
    "[x](javascript:alert(1)) ![p](https://evil.example/p.png) <img src=x onerror=alert(1)> "
    "**b** _u_ https://evil.example/a www.evil.example `c` ~~s~~ # h | &lt; <https://evil.example> "
    "x@evil.example"
)
# Every free text and name the inzage shows, and a code column (an unknown code shows as is).
HOSTILE_COLUMNS = {
    "students": ("first_name", "last_name", "programme", "location", "class_code", "status_reason"),
    "staff": ("name",),
    "placements": ("company",),
    "roles": ("note",),
    "contacts": ("summary", "channel"),
    "agreements": ("details",),
    "consents": ("note",),
    "acknowledgements": ("reason",),
    "extra_notes": ("text",),
}
MARKUP = {"link_open", "image", "html_inline", "html_block", "strong_open", "em_open"}
MARKUP |= {"s_open", "code_inline", "code_block", "fence", "blockquote_open"}


def markup_in(text: str) -> list[str]:
    """The Markdown constructs a viewer would render in `text` (beyond tables, headings and
    plain paragraphs), and any bare address a GitHub-style viewer would turn into a link."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    found = []
    for token in md.parse(text):
        for t in [token, *(token.children or [])]:
            if t.type in MARKUP:
                found.append(f"{t.type}: {t.content or t.markup}")
    found += re.findall(r"https?://|www\.|javascript:|@\w", text)
    return found


def test_inzage_shows_hostile_text_in_every_field_literally(world):
    with world.write() as tx:
        for table, columns in HOSTILE_COLUMNS.items():
            sets = ", ".join(f"{c} = $t" for c in columns)
            tx.execute(f"UPDATE {table} SET {sets}", {"t": f"{table} {HOSTILE}"})
        tx.touch_all()
    boss = access.User(username="boss", kind="admin", name=f"Boss {HOSTILE}")
    text = rights.inzage(world, boss, "S1").decode("utf-8")
    for table in HOSTILE_COLUMNS:
        assert f"{table} \\[x\\]" in text  # each field is there, escaped
    assert markup_in(text) == []
    # Each hostile value stays inside its cell: every table row has as many cells as its header.
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        widths = {len(re.split(r"(?<!\\)\|", line)) for line in lines}
        assert len(widths) <= 1, block
