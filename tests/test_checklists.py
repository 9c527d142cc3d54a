"""The two guidance checklists (issue 19): recording alone and with a fixed moment, versioned
wording, latest and previous scores, disagreement between the parties, the step that closes
an open signal, who reads what, and bad input that changes nothing (a real store, on both backends)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import student_world as w

from dashboard.checklists import filling, items, reading
from dashboard.errors import Invalid, NotAllowed, NotFound
from dashboard.security import audit
from dashboard.students import student_file
from validation.checklists import ChecklistForm, ItemText
from validation.forms import ContactForm

T = w.TODAY
START = dt.date(2025, 9, 3)
GUIDANCE = ("relationship", "picture", "needs", "expectations", "accessible", "autonomy",
            "positive", "goals")  # fmt: skip
COLLABORATION = ("informing", "shared_picture", "learning_needs", "pedagogy", "direction",
                 "expertise")  # fmt: skip


@pytest.fixture
def world(store):
    w.build(store)
    return store


def rows(store, sql: str, *params) -> list[tuple]:
    with store.read() as cur:
        return cur.execute(sql, list(params)).fetchall()


def snapshot(store) -> dict[str, list]:
    tables = ("contacts", "checklists", "checklist_answers", "checklist_items", "audit")
    with store.read() as cur:
        return {t: cur.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


def start_contact(**changes) -> ContactForm:
    values = dict(
        kind="start",
        date=START,
        channel="workplace_visit",
        participants=["P-MEN", "P-SUP"],
        student_present=True,
        placement_id="PL1",
    )
    return ContactForm(**{**values, **changes})


def sheet(checklist="collaboration", party="school", on=START, **scores) -> ChecklistForm:
    return ChecklistForm(checklist=checklist, party=party, filled_on=on, scores=dict(scores))


def keys(exc: Invalid) -> set[str]:
    return {p.key.rsplit(".", 1)[-1] for p in exc.problems}


# -- recording -------------------------------------------------------------------------------


def test_a_guide_records_the_guidance_checklist_on_its_own(world):
    form = sheet("guidance", "school", T, relationship="sufficient", goals="improve")
    form.notes = {"goals": "Doelen opnieuw op papier zetten"}
    checklist_id = filling.record_checklist(world, w.MENTOR, "S1", form, T)
    assert rows(world, "SELECT checklist, party, filled_on, contact_id, placement_id, "
                "recorded_by FROM checklists") == [("guidance", "school", T, None, None, "P-MEN")]  # fmt: skip
    answers = dict(
        (r[0], r[1:])
        for r in rows(
            world,
            "SELECT item_id, score, item_version, note "
            "FROM checklist_answers WHERE checklist_id = ?",
            checklist_id,
        )  # fmt: skip
    )
    assert set(answers) == set(GUIDANCE)  # every item, those left out as not discussed
    assert answers["relationship"] == ("sufficient", 1, None)
    assert answers["goals"] == ("improve", 1, "Doelen opnieuw op papier zetten")
    assert answers["needs"][0] == "not_discussed"
    with world.read() as cur:
        event = audit.search(cur, action="record_checklist")[0]
    assert (event["actor"], event["student_id"], event["entity_key"]) == (
        "mentor",
        "S1",
        checklist_id,
    )
    assert "Doelen" not in event["new_value"]  # the note stays out of the trail
    assert json.loads(event["new_value"])["scores"]["goals"] == "improve"


def test_the_three_parties_fill_in_the_collaboration_checklist_of_a_moment(world):
    contact_id = filling.log_contact_with_checklists(
        world,
        w.MENTOR,
        "S1",
        start_contact(),
        [
            sheet(party="student", direction="improve", informing="sufficient"),
            sheet(party="school", direction="sufficient", informing="sufficient"),
            sheet(party="workplace"),  # nothing given: left out
        ],
        T,
    )
    # The supervisor signs in later and adds the workplace's view to the same moment.
    filling.record_checklist(
        world, w.SUPERVISOR, "S1",
        ChecklistForm("collaboration", "workplace", None, contact_id, scores={"direction": "improve"}),
        T,
    )  # fmt: skip
    stored = rows(world, "SELECT party, filled_on, contact_id, placement_id, recorded_by "
                  "FROM checklists ORDER BY party")  # fmt: skip
    assert stored == [
        ("school", START, contact_id, "PL1", "P-MEN"),
        ("student", START, contact_id, "PL1", "P-MEN"),
        ("workplace", START, contact_id, "PL1", "P-SUP"),
    ]
    assert rows(world, "SELECT kind FROM contacts WHERE contact_id = ?", contact_id) == [("start",)]
    # One view per party and moment.
    before = snapshot(world)
    with pytest.raises(Invalid) as exc:
        filling.record_checklist(
            world, w.SUPERVISOR, "S1",
            ChecklistForm("collaboration", "workplace", None, contact_id, scores={"expertise": "improve"}),
            T,
        )  # fmt: skip
    assert keys(exc.value) == {"already_filled"}
    assert snapshot(world) == before


def test_bad_input_is_refused_whole_and_writes_nothing(world):
    before = snapshot(world)
    cases = [
        (sheet("nonsense", "school", T, direction="improve"), {"unknown_checklist"}),
        (sheet("collaboration", "boss", T, direction="improve"), {"party_not_yours"}),
        (sheet("guidance", "student", T, goals="improve"), {"party_not_yours"}),
        (
            sheet("collaboration", "school", T + dt.timedelta(days=1), direction="improve"),
            {"date_in_future"},
        ),  # fmt: skip
        (sheet("collaboration", "school", T), {"nothing_scored"}),
        (
            sheet("collaboration", "school", T, direction="great"),
            {"score_unknown", "nothing_scored"},
        ),
        (
            sheet("collaboration", "school", T, goals="improve", direction="improve"),
            {"item_unknown"},
        ),
        (
            ChecklistForm("guidance", "school", None, "K1", scores={"goals": "improve"}),
            {"moment_unknown"},
        ),  # an incidental contact is no fixed moment  # fmt: skip
        (ChecklistForm(None, None, None), {"required"}),
    ]
    for form, expected in cases:
        with pytest.raises(Invalid) as exc:
            filling.record_checklist(world, w.MENTOR, "S1", form, T)
        assert keys(exc.value) >= expected, form
    # A checklist with an incidental contact: the contact is not written either.
    with pytest.raises(Invalid) as exc:
        filling.log_contact_with_checklists(
            world, w.MENTOR, "S1", start_contact(kind="incidental", reason="progress"),
            [sheet(direction="improve")], T,
        )  # fmt: skip
    assert keys(exc.value) == {"only_fixed_moment"}
    # A bad checklist refuses its contact too (one transaction).
    with pytest.raises(Invalid):
        filling.log_contact_with_checklists(
            world, w.MENTOR, "S1", start_contact(), [sheet(party="boss", direction="improve")], T
        )
    assert snapshot(world) == before


def test_a_workplace_supervisor_speaks_only_for_the_workplace_about_their_placement(world):
    with pytest.raises(Invalid) as exc:
        filling.record_checklist(
            world, w.SUPERVISOR, "S1", sheet(party="student", on=T, direction="improve"), T
        )
    assert keys(exc.value) == {"party_not_yours", "required"}  # and names no placement
    form = sheet(party="workplace", on=T, direction="improve")
    form.placement_id = "PL1"
    filling.record_checklist(world, w.SUPERVISOR, "S1", form, T)
    with pytest.raises(NotFound):
        filling.record_checklist(world, w.OTHER_SUPERVISOR, "S1", form, T)
    with pytest.raises(NotFound):
        filling.record_checklist(world, w.MENTOR, "S2", sheet(direction="improve"), T)


# -- versioned wording -------------------------------------------------------------------------


def test_answers_keep_the_wording_they_were_given_under(world):
    filling.record_checklist(world, w.MENTOR, "S1", sheet(on=START, direction="improve"), T)
    new = ItemText("Wie heeft de regie?", "Who holds direction?", "Uitleg", "Explanation")
    assert items.reword_item(world, w.ADMIN, "direction", new) == 2
    filling.record_checklist(world, w.MENTOR, "S1", sheet(on=T, direction="sufficient"), T)
    got = reading.student_checklists(world, w.MENTOR, "S1", T)
    said = [(f.filled_on, a.version, a.wording) for f in got.filled for a in f.answers
            if a.item_id == "direction"]  # fmt: skip
    assert said == [(T, 2, "Wie heeft de regie?"), (START, 1, "Regie en verantwoordelijkheid")]
    assert reading.student_checklists(world, w.MENTOR, "S1", T, "en").filled[1].answers[
        4
    ].wording == ("Direction and responsibility")
    with world.read() as cur:
        event = audit.search(cur, action="write")[0]
    assert event["entity"] == "checklist_items" and "Wie heeft de regie?" in event["new_value"]


def test_items_are_added_retired_and_brought_back_by_admins_only(world):
    text = ItemText("Afspraken over vervoer", "Transport arrangements", "Uitleg", "Explanation")
    item_id = items.add_item(world, w.ADMIN, "collaboration", text)
    in_use = [i.item_id for i in items.current_items(world, w.MENTOR, "collaboration")]
    assert in_use == [*COLLABORATION, item_id]
    filling.record_checklist(world, w.MENTOR, "S1", sheet(on=START, expertise="improve"), T)
    items.set_retired(world, w.ADMIN, "expertise", True)
    assert "expertise" not in [i.item_id for i in items.current_items(world, w.MENTOR)]
    with pytest.raises(Invalid) as exc:
        filling.record_checklist(world, w.MENTOR, "S1", sheet(on=T, expertise="improve"), T)
    assert keys(exc.value) >= {"item_unknown"}
    filling.record_checklist(world, w.MENTOR, "S1", sheet(on=T, direction="improve"), T)
    got = reading.student_checklists(world, w.MENTOR, "S1", T)
    assert [len(f.answers) for f in got.filled] == [6, 7]  # newest first: without expertise
    assert any(s.item.item_id == "expertise" and s.latest == "improve" for s in got.scores)
    items.set_retired(world, w.ADMIN, "expertise", False)
    assert "expertise" in [i.item_id for i in items.current_items(world, w.MENTOR)]
    with pytest.raises(NotAllowed):
        items.reword_item(world, w.MENTOR, "direction", text)
    with pytest.raises(Invalid) as exc:
        items.reword_item(world, w.ADMIN, "direction", ItemText("", "x" * 500, "a", "b"))
    assert {p.where.field for p in exc.value.problems} == {"wording_nl", "wording_en"}
    with pytest.raises(NotFound):
        items.set_retired(world, w.ADMIN, "nonsense", True)


# -- the student file: latest, previous, change, history, disagreement -------------------------


def test_latest_score_beside_the_previous_one_and_the_change(world):
    for on, direction, informing in [
        (dt.date(2025, 9, 5), "improve", "sufficient"),
        (dt.date(2025, 9, 20), "sufficient", "sufficient"),
        (dt.date(2025, 9, 25), "not_discussed", "improve"),
    ]:
        form = sheet(on=on, direction=direction, informing=informing)
        filling.record_checklist(world, w.MENTOR, "S1", form, T)
    got = reading.student_checklists(world, w.MENTOR, "S1", T)
    by_item = {s.item.item_id: s for s in got.scores_of("collaboration") if s.party == "school"}
    direction, informing = by_item["direction"], by_item["informing"]
    # "niet besproken" is no score: the latest score of direction is the one of the 20th.
    assert (direction.latest, direction.latest_on, direction.previous) == (
        "sufficient", dt.date(2025, 9, 20), "improve",
    )  # fmt: skip
    assert direction.change == "better"
    assert (informing.latest, informing.previous, informing.change) == (
        "improve",
        "sufficient",
        "worse",
    )
    assert by_item["expertise"].latest is None and by_item["expertise"].change is None
    assert [f.filled_on.day for f in got.filled] == [25, 20, 5]  # the history, newest first
    assert {s.party for s in got.scores} == {"school"}  # only parties that gave a view
    # The file on an earlier day shows the file as it was.
    earlier = reading.student_checklists(world, w.MENTOR, "S1", dt.date(2025, 9, 21))
    assert len(earlier.filled) == 2


def test_where_the_parties_disagree(world):
    filling.log_contact_with_checklists(
        world, w.MENTOR, "S1", start_contact(),
        [
            sheet(party="student", direction="improve", informing="improve", pedagogy="sufficient"),
            sheet(party="school", direction="sufficient", informing="improve", pedagogy="sufficient"),
        ],
        T,
    )  # fmt: skip
    # A standalone checklist on another day is another conversation: no disagreement with it.
    filling.record_checklist(world, w.MENTOR, "S1", sheet(on=T, informing="sufficient"), T)
    got = reading.student_checklists(world, w.MENTOR, "S1", T)
    assert [(d.item.item_id, d.improve, d.sufficient, d.moment, d.filled_on)
            for d in got.disagreements] == [("direction", ("student",), ("school",), "start", START)]  # fmt: skip


def test_the_step_that_closes_an_open_signal(world):
    # S1 has a direction agreement but no information agreement (NO_INFORMATION_AGREEMENT).
    filling.record_checklist(
        world, w.MENTOR, "S1", sheet(on=T, informing="improve", direction="improve"), T
    )
    f = student_file.load(world, w.MENTOR, "S1", T)
    got = reading.student_checklists(world, w.MENTOR, "S1", T)
    assert [(s.item_id, s.code, s.topic) for s in got.closing_steps(f.signals["code"])] == [
        ("informing", "NO_INFORMATION_AGREEMENT", "information")
    ]
    assert got.closing_steps(["NO_DIRECTION"])[0].topic == "direction"
    filling.record_checklist(
        world, w.MENTOR, "S1", sheet(on=T, party="student", informing="sufficient"), T
    )
    # Still open: the school's latest is improve. Only "voldoende" everywhere needs no step.
    assert reading.student_checklists(world, w.MENTOR, "S1", T).closing_steps(f.signals["code"])
    # Once every party's latest score is "voldoende", no step is shown.
    filling.record_checklist(world, w.MENTOR, "S1", sheet(on=T, informing="sufficient"), T)
    assert (
        reading.student_checklists(world, w.MENTOR, "S1", T).closing_steps(f.signals["code"]) == ()
    )


# -- who reads what --------------------------------------------------------------------------


def test_a_workplace_supervisor_reads_only_their_own_placements_checklists(world):
    filling.record_checklist(
        world, w.MENTOR, "S1", sheet("guidance", "school", T, goals="improve"), T
    )
    student_view = sheet(party="student", direction="improve")
    student_view.notes = {"direction": "Thuis speelt er veel"}
    contact_id = filling.log_contact_with_checklists(
        world, w.MENTOR, "S1", start_contact(), [student_view], T
    )
    mentor = reading.student_checklists(world, w.MENTOR, "S1", T)
    assert {f.checklist for f in mentor.filled} == {"guidance", "collaboration"}
    supervisor = reading.student_checklists(world, w.SUPERVISOR, "S1", T)
    assert [(f.checklist, f.contact_id) for f in supervisor.filled] == [
        ("collaboration", contact_id)
    ]
    # Without the student's consent for the workplace, the other parties' notes stay hidden.
    assert all(a.note is None for f in supervisor.filled for a in f.answers)
    assert any(a.note for f in mentor.filled for a in f.answers)
    for user, student in [(w.OTHER_SUPERVISOR, "S1"), (w.MENTOR, "S2")]:
        with pytest.raises(NotFound):
            reading.student_checklists(world, user, student, T)


def test_checklists_are_in_the_backup(world, tmp_path):
    from dashboard import backups
    from dashboard.security.access import CLI_USER
    from dashboard.store import open_store

    filling.record_checklist(world, w.MENTOR, "S1", sheet(on=T, direction="improve"), T)
    items.reword_item(world, w.ADMIN, "direction", ItemText("Regie", "Direction", "a", "b"))
    backups.backup(world, CLI_USER, tmp_path / "backup.duckdb")
    copy = open_store(tmp_path / "backup.duckdb")
    try:
        assert rows(copy, "SELECT count(*) FROM checklists") == [(1,)]
        assert rows(copy, "SELECT count(*) FROM checklist_answers") == [(6,)]
        assert rows(copy, "SELECT count(*) FROM checklist_items WHERE item_id = 'direction'") == [
            (2,)
        ]
    finally:
        copy.close()


def test_the_demo_fills_in_checklists_the_same_way_every_time(store, tmp_path):
    """The same checklists every time, on either backend: the first store is the fixture's
    (a file, or PostgreSQL where the generator's rows are copied in: Tx.bulk), the second
    always a file."""
    from dashboard import demo
    from dashboard.security.access import CLI_USER
    from dashboard.store import open_store

    def digest(store) -> list:
        return rows(
            store,
            "SELECT c.checklist, c.party, count(*), count(DISTINCT c.student_id), "
            # An explicit order: DuckDB expands `ORDER BY ALL` inside an aggregate over an
            # attached PostgreSQL table into every column (one md5 per column).
            "md5(string_agg(a.checklist_id || a.item_id || a.score, ',' "
            "ORDER BY a.checklist_id, a.item_id)) "
            "FROM checklists c JOIN checklist_answers a USING (checklist_id) GROUP BY ALL "
            "ORDER BY ALL",
        )

    made = []
    for name in ("a", "b"):
        if name == "b":
            store = open_store(tmp_path / f"{name}.duckdb")
        demo.generate(store, CLI_USER, students=60, seed=1, today=T)
        made.append(digest(store))
        if name == "a":
            # Every kind of view is there, attached to held moments of the student's placements.
            assert {(r[0], r[1]) for r in made[0]} == {
                ("collaboration", "student"), ("collaboration", "school"),
                ("collaboration", "workplace"), ("guidance", "school"),
            }  # fmt: skip
            assert rows(
                store,
                "SELECT count(*) FROM checklists c LEFT JOIN contacts k USING (contact_id) "
                "WHERE c.checklist = 'collaboration' AND (k.placement_id IS DISTINCT FROM "
                "c.placement_id OR k.kind NOT IN ('start', 'mid') OR k.date <> c.filled_on)",
            ) == [(0,)]
        if name == "b":
            store.close()
    assert made[0] == made[1]
