"""Form validation (validation/forms.py) as properties: whatever a form holds, validation
never crashes, names only real form fields with a Dutch reason, and passes only forms that
keep the rules."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import codes, i18n
from dashboard.problem import Problem, Where
from validation import forms

TODAY = dt.date(2025, 10, 1)
CTX = forms.FormContext(
    today=TODAY,
    enrolment_date=dt.date(2025, 8, 25),
    status="active",
    status_date=None,
    known_people=frozenset({"P1", "P2"}),
    roles=(
        forms.RoleSpan("P1", "mentor", dt.date(2025, 8, 25), None),
        forms.RoleSpan("P2", "workplace_supervisor", dt.date(2025, 9, 1), None),
    ),
    placements={
        "PL1": forms.PlacementSpan("PL1", dt.date(2025, 9, 1), dt.date(2026, 1, 31), None, "P2")
    },
    visibilities=("guides", "school"),
)

dates = st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)))
ids = st.sampled_from(["P1", "P2", "GHOST", "", "student"])


def code(values):
    return st.one_of(st.none(), st.sampled_from(values), st.text(max_size=5))


contact_forms = st.builds(
    forms.ContactForm,
    kind=code(codes.CONTACT_KINDS),
    date=dates,
    channel=code(codes.CHANNELS),
    participants=st.lists(ids, max_size=3),
    student_present=st.booleans(),
    placement_id=st.sampled_from([None, "", "PL1", "PL9"]),
    initiated_by=st.one_of(st.none(), ids),
    reason=code(codes.REASONS),
    summary=st.text(max_size=1100).map(lambda s: s * 2),
    visibility=code(codes.VISIBILITIES),
)


def is_dutch_reason(problem: Problem) -> bool:
    reason = problem.reason("nl")
    return bool(reason) and not reason.startswith("student.") and "{" not in reason


@settings(max_examples=300, deadline=None)
@given(contact_forms)
def test_contact_validation_is_total_and_exact(form):
    problems = forms.validate_contact(form, CTX)
    names = {f.name for f in dataclasses.fields(forms.ContactForm)}
    assert all(p.where.field in names and is_dutch_reason(p) for p in problems)
    if not problems:
        assert form.kind in codes.CONTACT_KINDS and form.channel in codes.CHANNELS
        assert form.date <= TODAY
        assert form.participants and set(form.participants) <= {"P1", "P2"}
        assert form.visibility in CTX.visibilities
        assert len(form.summary) <= forms.MAX_TEXT
        if form.kind in codes.FIXED_KINDS:
            assert form.placement_id == "PL1"
        if form.kind == "incidental":
            assert form.reason in codes.REASONS


agreement_forms = st.builds(
    forms.AgreementForm,
    topic=code(codes.TOPICS),
    holder_id=st.one_of(st.none(), ids),
    counterpart_ids=st.lists(ids, max_size=3),
    details=st.text(max_size=20),
    frequency_days=st.one_of(st.none(), st.integers(-3, 60)),
    discussed_with_student=st.booleans(),
    agreed_on=dates,
    review_on=dates,
    placement_id=st.sampled_from([None, "PL1", "PL9"]),
)


@settings(max_examples=300, deadline=None)
@given(agreement_forms)
def test_agreement_validation_is_total_and_exact(form):
    problems = forms.validate_agreement(form, CTX)
    names = {f.name for f in dataclasses.fields(forms.AgreementForm)}
    assert all(p.where.field in names and is_dutch_reason(p) for p in problems)
    if not problems:
        assert form.topic in codes.TOPICS
        assert CTX.is_guide_on(form.holder_id, form.agreed_on)
        assert set(form.counterpart_ids) <= CTX.known_people - {form.holder_id}
        assert form.review_on is None or form.review_on >= form.agreed_on
        if form.topic == "contact_frequency":
            assert form.frequency_days >= 1


def test_every_problem_has_a_text_in_both_languages():
    def problem_keys(lang):
        return {k for k in i18n.catalogue(lang) if k.startswith("student.problem.")}

    assert problem_keys("nl") == problem_keys("en")
    assert len(problem_keys("nl")) >= 20


def test_a_problem_reads_as_one_sentence():
    problem = Problem("student.problem.date_in_future", {}, Where(field="date"), "2025-10-02")
    assert str(problem) == "Datum: 2025-10-02 — Deze datum ligt in de toekomst."
    assert (
        Problem("student.problem.required", {}, Where(field="channel")).text("en")
        == "Channel: This field is required."
    )
