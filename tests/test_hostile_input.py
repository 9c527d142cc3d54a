"""Dates far away and invisible characters, refused by every service that takes them
(issue 21, findings 4 and 5): a clear Problem naming the field, and nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import student_world as w
from store_dump import dump

from dashboard import signals
from dashboard.errors import Invalid
from dashboard.security.access import User
from dashboard.students import agreements, records, rights
from validation.forms import AgreementForm, ConsentForm, ContactForm, RoleForm, StatusForm

T = w.TODAY
ADMIN = User("boss", "admin", name="Beheer")
FAR = (dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(9999, 12, 31))


@pytest.fixture
def world(store):
    w.build(store)
    return store


def contact(**changes) -> ContactForm:
    values = dict(
        kind="incidental",
        date=dt.date(2025, 9, 3),
        channel="phone",
        participants=["P-MEN"],
        reason="question",
        summary="Even gebeld.",
    )
    return ContactForm(**{**values, **changes})


def agreement(**changes) -> AgreementForm:
    values = dict(topic="information", holder_id="P-MEN", agreed_on=dt.date(2025, 9, 2))
    return AgreementForm(**{**values, **changes})


def consent(**changes) -> ConsentForm:
    values = dict(
        audience="workplace", shares=True, decided_on=dt.date(2025, 9, 2), recorded_by="P-MEN"
    )
    return ConsentForm(**{**values, **changes})


def status(**changes) -> StatusForm:
    values = dict(status="dropped_out", status_date=dt.date(2025, 9, 30))
    return StatusForm(**{**values, **changes})


def ack(store, reason="bewust", until=T + dt.timedelta(days=30)):
    signals.acknowledge(
        store, ADMIN, "START_MISSING", "S1", "PL1", dt.date(2025, 9, 1), reason, until, today=T
    )


def end_role(store, day):
    records.end_role(store, ADMIN, "S1", "P-MEN", "mentor", dt.date(2025, 8, 25), day, T)


# A write per date field a service takes: (name, the field, the call with that date).
DATED: list[tuple[str, Callable]] = [
    ("date", lambda s, d: records.log_contact(s, ADMIN, "S1", contact(date=d), T)),
    (
        "start_date",
        lambda s, d: records.assign_role(
            s, ADMIN, "S1", RoleForm(person_id="P-BPV", role="mentor", start_date=d), T
        ),
    ),
    ("end_date", end_role),
    ("decided_on", lambda s, d: records.record_consent(s, ADMIN, "S1", consent(decided_on=d), T)),
    ("status_date", lambda s, d: records.change_status(s, ADMIN, "S1", status(status_date=d), T)),
    ("ended_early_on", lambda s, d: records.end_placement_early(s, ADMIN, "S1", "PL1", d, T)),
    (
        "agreed_on",
        lambda s, d: agreements.record_agreement(s, ADMIN, "S1", agreement(agreed_on=d), T),
    ),
    (
        "review_on",
        lambda s, d: agreements.record_agreement(s, ADMIN, "S1", agreement(review_on=d), T),
    ),
    (
        "agreed_on",
        lambda s, d: agreements.change_agreement(
            s, ADMIN, "AG1", agreement(topic="direction", agreed_on=d), T
        ),
    ),
    ("ended_on", lambda s, d: agreements.end_agreement(s, ADMIN, "AG1", d, T)),
    ("agreed_on", lambda s, d: agreements.hand_over_direction(s, ADMIN, "S1", "P-BPV", d, T)),
    (
        "review_on",
        lambda s, d: agreements.hand_over_direction(
            s, ADMIN, "S1", "P-BPV", dt.date(2025, 9, 30), T, review_on=d
        ),
    ),
    ("until", lambda s, d: ack(s, until=d)),
    ("birth_date", lambda s, d: rights.correct(s, ADMIN, "S1", {"birth_date": d.isoformat()})),
    (
        "enrolment_date",
        lambda s, d: rights.correct(s, ADMIN, "S1", {"enrolment_date": d.isoformat()}),
    ),
]


@pytest.mark.parametrize(
    ("field", "write"), DATED, ids=[f"{i}-{f}" for i, (f, _) in enumerate(DATED)]
)
def test_every_service_refuses_a_date_outside_the_plausible_window(world, field, write):
    before = dump(world)
    for day in FAR:
        with pytest.raises(Invalid) as caught:
            write(world, day)
        window = [p for p in caught.value.problems if p.key == "problem.date_implausible"]
        assert [p.where.field for p in window] == [field], [str(p) for p in caught.value.problems]
        assert day.isoformat() in window[0].text("en")  # the refused date, and the window:
        assert "between" in window[0].text("en")
    assert dump(world) == before


def test_dates_inside_the_window_still_save(world):
    records.log_contact(world, ADMIN, "S1", contact(date=dt.date(2006, 1, 2)), T)
    agreements.record_agreement(world, ADMIN, "S1", agreement(review_on=dt.date(2030, 9, 1)), T)


# -- invisible characters ----------------------------------------------------------------------

ANSI = "rood \x1b[31mALARM\x1b[0m"
BIDI = "gebeld \u202egnissiw\u202c"
ZERO = "nul\x00byte"

# A write per free-text field: (field, the call with that text).
TEXTS: list[tuple[str, Callable]] = [
    ("summary", lambda s, t: records.log_contact(s, ADMIN, "S1", contact(summary=t), T)),
    (
        "note",
        lambda s, t: records.assign_role(
            s, ADMIN, "S1", RoleForm("P-BPV", "mentor", dt.date(2025, 9, 1), note=t), T
        ),
    ),
    ("note", lambda s, t: records.record_consent(s, ADMIN, "S1", consent(note=t), T)),
    (
        "status_reason",
        lambda s, t: records.change_status(s, ADMIN, "S1", status(status_reason=t), T),
    ),
    ("details", lambda s, t: agreements.record_agreement(s, ADMIN, "S1", agreement(details=t), T)),
    (
        "details",
        lambda s, t: agreements.hand_over_direction(
            s, ADMIN, "S1", "P-BPV", dt.date(2025, 9, 30), T, details=t
        ),
    ),
    ("reason", lambda s, t: ack(s, reason=t)),
    ("first_name", lambda s, t: rights.correct(s, ADMIN, "S1", {"first_name": t})),
    ("programme", lambda s, t: rights.correct(s, ADMIN, "S1", {"programme": t})),
]


@pytest.mark.parametrize(
    ("field", "write"), TEXTS, ids=[f"{i}-{f}" for i, (f, _) in enumerate(TEXTS)]
)
def test_control_and_bidi_characters_are_refused_in_every_text_field(world, field, write):
    before = dump(world)
    for text in (ANSI, BIDI, ZERO):
        with pytest.raises(Invalid) as caught:
            write(world, text)
        refused = [p for p in caught.value.problems if p.key == "problem.control_character"]
        assert [p.where.field for p in refused] == [field], [p.key for p in caught.value.problems]
        assert "\x1b" not in refused[0].text("en") and "\u202e" not in refused[0].text("en")
    assert dump(world) == before


def test_newlines_stay_where_a_field_allows_them(world):
    contact_id = records.log_contact(world, ADMIN, "S1", contact(summary="regel 1\nregel 2"), T)
    with world.read() as cur:
        summary = cur.execute(
            "SELECT summary FROM contacts WHERE contact_id = ?", [contact_id]
        ).fetchone()[0]
    assert summary == "regel 1\nregel 2"
    with pytest.raises(Invalid):  # a name is one line
        rights.correct(world, ADMIN, "S1", {"first_name": "No\na"})


# -- the import --------------------------------------------------------------------------------

STUDENT_HEADER = "student_id,first_name,last_name,birth_date,programme,location,class_code,"
STUDENT_HEADER += "enrolment_date,status,status_date,status_reason"


def import_students(store, *rows: str):
    from dashboard import interchange

    body = "\n".join([STUDENT_HEADER, *rows]) + "\n"
    return interchange.import_upload(store, ADMIN, {"students.csv": body.encode("utf-8")})


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (
            "T1,Noor,Amrani,0001-01-01,Entree,Zuid,E1,2024-08-26,active,,",
            "birth_date",
            "date_range",
        ),
        (
            "T1,Noor,Amrani,2008-01-01,Entree,Zuid,E1,9999-12-31,active,,",
            "enrolment_date",
            "date_range",
        ),
        (
            "T1,Noor,Amrani,1850-01-01,Entree,Zuid,E1,2024-08-26,active,,",
            "birth_date",
            "date_range",
        ),
        (
            "T1,No\x1b[31mor,Amrani,2008-01-01,Entree,Zuid,E1,2024-08-26,active,,",
            "first_name",
            "control_character",
        ),
        (
            "T1,Noor,Am\u202einarma,2008-01-01,Entree,Zuid,E1,2024-08-26,active,,",
            "last_name",
            "control_character",
        ),
        (
            "T\x07 1,Noor,Amrani,2008-01-01,Entree,Zuid,E1,2024-08-26,active,,",
            "student_id",
            "control_character",
        ),
        (
            'T1,Noor,Amrani,2008-01-01,Entree,Zuid,E1,2024-08-26,transferred,2025-01-01,"a\x00b"',
            "status_reason",
            "control_character",
        ),
    ],
)
def test_the_import_refuses_far_dates_and_control_characters_by_file_row_and_column(
    world, row, column, reason
):
    before = dump(world)
    with pytest.raises(Invalid) as caught:
        import_students(world, row)
    (problem,) = caught.value.problems
    assert (problem.where.file, problem.where.row, problem.where.column) == (
        "students.csv",
        2,
        column,
    )
    assert problem.key == f"interchange.reason.{reason}"
    assert "\x1b" not in problem.text("en") and "\u202e" not in problem.text("en")
    assert dump(world) == before


def test_the_import_keeps_line_ends_in_free_text(world):
    import_students(
        world, 'T1,Noor,Amrani,2008-01-01,Entree,Zuid,E1,2024-08-26,transferred,2025-01-01,"a\nb"'
    )
    with world.read() as cur:
        assert cur.execute(
            "SELECT status_reason FROM students WHERE student_id = 'T1'"
        ).fetchone() == ("a\nb",)
