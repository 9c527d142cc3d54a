"""Validation of the student-file forms (contact, agreement, role, consent, status, placement).

Plain functions rather than pandera schemas: each form is one record whose rules cross fields
and look at the student's own data (roles, placements), which a `FormContext` carries. Every
function returns ALL problems at once; each names the form field, the value and a reason
from i18n (`student.problem.*`), so the page can show it under the field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeGuard, TypeVar, Union, get_args, get_origin, get_type_hints

from dashboard import codes
from dashboard.problem import Problem, Where
from validation import plausible

MAX_TEXT = 1000  # summaries, details and notes are short texts, not case files

T = TypeVar("T")


# -- what the rules need to know about the student -------------------------------------------


@dataclass(frozen=True)
class RoleSpan:
    person_id: str
    role: str
    start_date: dt.date
    end_date: dt.date | None

    def is_active(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True)
class PlacementSpan:
    placement_id: str
    start_date: dt.date
    end_date: dt.date
    ended_early_on: dt.date | None
    supervisor_id: str | None


@dataclass(frozen=True)
class FormContext:
    """The facts a form is checked against, read inside the write transaction."""

    today: dt.date
    enrolment_date: dt.date
    status: str
    status_date: dt.date | None
    known_people: frozenset[str]  # staff person_ids among those the form names
    roles: tuple[RoleSpan, ...] = ()
    placements: dict[str, PlacementSpan] = field(default_factory=dict)  # those the user may use
    visibilities: tuple[str, ...] = codes.VISIBILITIES

    @property
    def student_people(self) -> set[str]:
        """Everyone with a role for the student, ever, plus the placements' supervisors."""
        people = {r.person_id for r in self.roles}
        people |= {p.supervisor_id for p in self.placements.values() if p.supervisor_id}
        return people

    def is_guide_on(self, person_id: str, day: dt.date) -> bool:
        return any(
            r.person_id == person_id and r.role != "parent" and r.is_active(day) for r in self.roles
        )


# -- the forms -------------------------------------------------------------------------------


@dataclass
class ContactForm:
    kind: str = "incidental"
    date: dt.date | None = None
    channel: str | None = None
    participants: list[str] = field(default_factory=list)
    student_present: bool = False
    placement_id: str | None = None
    initiated_by: str | None = None  # a person_id, "student" or None
    reason: str | None = None
    summary: str = ""
    visibility: str = "guides"


@dataclass
class AgreementForm:
    topic: str | None = None
    holder_id: str | None = None
    counterpart_ids: list[str] = field(default_factory=list)
    details: str = ""
    frequency_days: int | None = None
    discussed_with_student: bool = False
    agreed_on: dt.date | None = None
    review_on: dt.date | None = None
    placement_id: str | None = None


@dataclass
class RoleForm:
    person_id: str | None = None
    role: str | None = None
    start_date: dt.date | None = None
    note: str = ""


@dataclass
class ConsentForm:
    audience: str | None = None
    shares: bool | None = None
    decided_on: dt.date | None = None
    recorded_by: str | None = None
    note: str = ""


@dataclass
class StatusForm:
    status: str | None = None
    status_date: dt.date | None = None
    status_reason: str = ""


# -- types: a service may be called with anything (the command line, a script, a test) ------


def _type_ok(value: Any, hint: Any) -> bool:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_type_ok(value, arg) for arg in get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        return isinstance(value, list) and all(_type_ok(v, get_args(hint)[0]) for v in value)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if hint is str:
        return isinstance(value, str)
    return True


@functools.cache
def _hints(form_type: type) -> dict[str, Any]:
    """A form class's field types, resolved once (each write checks its form, under the lock)."""
    return get_type_hints(form_type)


def wrong_types(form: Any) -> list[Problem]:
    """A problem per field of a form whose value is not of the field's type (a text where a
    date belongs, a number for a text): the rules below may assume the types once this is
    empty. Services check it before anything else."""
    hints = _hints(form.__class__)
    return [
        Problem("student.problem.wrong_type", {}, Where(field=f.name), getattr(form, f.name))
        for f in dataclasses.fields(form)
        if not _type_ok(getattr(form, f.name), hints[f.name])
    ]


def value_type_problem(name: str, value: Any, hint: Any) -> Problem | None:
    """The same check for a single value a service takes outside a form."""
    if _type_ok(value, hint):
        return None
    return Problem("student.problem.wrong_type", {}, Where(field=name), value)


# -- rules -----------------------------------------------------------------------------------


def _required(value: T | None, problems: list[Problem], name: str) -> TypeGuard[T]:
    """Whether the field is filled in. The value comes first so a True narrows it for mypy."""
    if value is None or value == "" or value == []:
        problems.append(Problem("student.problem.required", {}, Where(field=name), value))
        return False
    return True


def _code(problems: list[Problem], name: str, value: Any, allowed: Iterable[str]) -> bool:
    if not _required(value, problems, name):
        return False
    if value not in allowed:
        problems.append(Problem("student.problem.unknown_code", {}, Where(field=name), value))
        return False
    return True


def _text(problems: list[Problem], name: str, value: str | None) -> None:
    """A free text of a form: short, and without control or bidirectional characters (line
    ends are fine: every free text of a form may hold several lines)."""
    if value and len(value) > MAX_TEXT:
        problems.append(
            Problem(
                "student.problem.too_long", {"max": MAX_TEXT}, Where(field=name), f"{value[:40]}…"
            )
        )
    elif (problem := plausible.text_problem(name, value)) is not None:
        problems.append(problem)


def _plausible(problems: list[Problem], name: str, value: dt.date | None, today: dt.date) -> bool:
    """Whether the date lies in its plausible window (validation/plausible); other checks of
    the date only make sense when it does."""
    problem = plausible.date_problem(name, value, today)
    if problem is not None:
        problems.append(problem)
    return problem is None


def _not_future(problems: list[Problem], name: str, value: dt.date, ctx: FormContext) -> None:
    if value > ctx.today:
        problems.append(
            Problem("student.problem.date_in_future", {}, Where(field=name), value.isoformat())
        )


def _person(problems: list[Problem], name: str, value: str, ctx: FormContext) -> bool:
    if value not in ctx.known_people:
        problems.append(Problem("student.problem.person_unknown", {}, Where(field=name), value))
        return False
    return True


def _placement(problems: list[Problem], name: str, value: str | None, ctx: FormContext) -> bool:
    if value and value not in ctx.placements:
        problems.append(Problem("student.problem.placement_unknown", {}, Where(field=name), value))
        return False
    return True


def validate_contact(form: ContactForm, ctx: FormContext) -> list[Problem]:
    problems: list[Problem] = []
    kind_ok = _code(problems, "kind", form.kind, codes.CONTACT_KINDS)
    if _required(form.date, problems, "date") and _plausible(
        problems, "date", form.date, ctx.today
    ):
        _not_future(problems, "date", form.date, ctx)
    _code(problems, "channel", form.channel, codes.CHANNELS)
    if _required(form.participants, problems, "participants"):
        strangers = [p for p in form.participants if p not in ctx.student_people]
        if strangers:
            problems.append(
                Problem(
                    "student.problem.not_student_people", {}, Where(field="participants"), strangers
                )
            )
    if kind_ok and form.kind in codes.FIXED_KINDS:
        if _required(form.placement_id, problems, "placement_id"):
            _placement(problems, "placement_id", form.placement_id, ctx)
    else:
        _placement(problems, "placement_id", form.placement_id, ctx)
    if kind_ok and form.kind == "incidental":
        _code(problems, "reason", form.reason, codes.REASONS)
    elif form.reason:
        _code(problems, "reason", form.reason, codes.REASONS)
    if form.initiated_by and form.initiated_by != "student":
        if form.initiated_by not in ctx.student_people:
            problems.append(
                Problem(
                    "student.problem.not_student_people",
                    {},
                    Where(field="initiated_by"),
                    form.initiated_by,
                )
            )
    if _code(problems, "visibility", form.visibility, codes.VISIBILITIES):
        if form.visibility not in ctx.visibilities:
            problems.append(
                Problem(
                    "student.problem.visibility_not_yours",
                    {},
                    Where(field="visibility"),
                    form.visibility,
                )
            )
    _text(problems, "summary", form.summary)
    return problems


def validate_agreement(form: AgreementForm, ctx: FormContext) -> list[Problem]:
    problems: list[Problem] = []
    topic_ok = _code(problems, "topic", form.topic, codes.TOPICS)
    if _required(form.agreed_on, problems, "agreed_on"):
        _plausible(problems, "agreed_on", form.agreed_on, ctx.today)
    _plausible(problems, "review_on", form.review_on, ctx.today)
    if _required(form.holder_id, problems, "holder_id") and _person(
        problems, "holder_id", form.holder_id, ctx
    ):
        if form.agreed_on is not None and not ctx.is_guide_on(form.holder_id, form.agreed_on):
            problems.append(
                Problem(
                    "student.problem.holder_not_guide", {}, Where(field="holder_id"), form.holder_id
                )
            )
    for person_id in form.counterpart_ids:
        _person(problems, "counterpart_ids", person_id, ctx)
    if form.holder_id and form.holder_id in form.counterpart_ids:
        problems.append(
            Problem(
                "student.problem.holder_is_counterpart",
                {},
                Where(field="counterpart_ids"),
                form.holder_id,
            )
        )
    if topic_ok and form.topic == "contact_frequency":
        if _required(form.frequency_days, problems, "frequency_days") and form.frequency_days < 1:
            problems.append(
                Problem(
                    "student.problem.at_least_one",
                    {},
                    Where(field="frequency_days"),
                    form.frequency_days,
                )
            )
    if form.agreed_on is not None and form.review_on and form.review_on < form.agreed_on:
        problems.append(
            Problem(
                "student.problem.review_before_agreed",
                {},
                Where(field="review_on"),
                form.review_on.isoformat(),
            )
        )
    _placement(problems, "placement_id", form.placement_id, ctx)
    _text(problems, "details", form.details)
    return problems


def validate_change_on(
    name: str, on: dt.date | None, agreed_on: dt.date, ended_on: dt.date | None, today: dt.date
) -> list[Problem]:
    """A change or end of an agreement: on or after its start, and while it is not yet ended."""
    problems: list[Problem] = []
    if not _required(on, problems, name) or not _plausible(problems, name, on, today):
        return problems
    if on < agreed_on:
        problems.append(
            Problem(
                "student.problem.before_agreed",
                {"day": agreed_on},
                Where(field=name),
                on.isoformat(),
            )
        )
    if ended_on is not None:
        problems.append(
            Problem(
                "student.problem.already_ended",
                {"day": ended_on},
                Where(field=name),
                on.isoformat(),
            )
        )
    return problems


def validate_role(form: RoleForm, ctx: FormContext) -> list[Problem]:
    problems: list[Problem] = []
    if _required(form.person_id, problems, "person_id"):
        _person(problems, "person_id", form.person_id, ctx)
    role_ok = _code(problems, "role", form.role, codes.ROLES)
    start_ok = _required(form.start_date, problems, "start_date") and _plausible(
        problems, "start_date", form.start_date, ctx.today
    )
    if start_ok and role_ok and form.person_id and form.start_date is not None:
        if any(
            r.person_id == form.person_id and r.role == form.role and r.is_active(form.start_date)
            for r in ctx.roles
        ):
            problems.append(
                Problem("student.problem.role_already_active", {}, Where(field="role"), form.role)
            )
    _text(problems, "note", form.note)
    return problems


def validate_role_end(role: RoleSpan, end_date: dt.date | None, today: dt.date) -> list[Problem]:
    problems: list[Problem] = []
    if not _required(end_date, problems, "end_date") or not _plausible(
        problems, "end_date", end_date, today
    ):
        return problems
    if end_date < role.start_date:
        problems.append(
            Problem(
                "student.problem.before_start",
                {"day": role.start_date},
                Where(field="end_date"),
                end_date.isoformat(),
            )
        )
    if role.end_date is not None:
        problems.append(
            Problem(
                "student.problem.already_ended",
                {"day": role.end_date},
                Where(field="end_date"),
                end_date.isoformat(),
            )
        )
    return problems


def validate_consent(form: ConsentForm, ctx: FormContext) -> list[Problem]:
    problems: list[Problem] = []
    _code(problems, "audience", form.audience, codes.AUDIENCES)
    if form.shares is None:
        problems.append(Problem("student.problem.required", {}, Where(field="shares"), None))
    if _required(form.decided_on, problems, "decided_on") and _plausible(
        problems, "decided_on", form.decided_on, ctx.today
    ):
        _not_future(problems, "decided_on", form.decided_on, ctx)
    if _required(form.recorded_by, problems, "recorded_by"):
        _person(problems, "recorded_by", form.recorded_by, ctx)
    _text(problems, "note", form.note)
    return problems


def validate_status(form: StatusForm, ctx: FormContext) -> list[Problem]:
    problems: list[Problem] = []
    status_ok = _code(problems, "status", form.status, codes.STATUSES)
    if status_ok and form.status != "active":
        if _required(form.status_date, problems, "status_date") and _plausible(
            problems, "status_date", form.status_date, ctx.today
        ):
            _not_future(problems, "status_date", form.status_date, ctx)
            if form.status_date < ctx.enrolment_date:
                problems.append(
                    Problem(
                        "student.problem.before_enrolment",
                        {"day": ctx.enrolment_date},
                        Where(field="status_date"),
                        form.status_date.isoformat(),
                    )
                )
    if status_ok and form.status == ctx.status and form.status_date == ctx.status_date:
        problems.append(
            Problem("student.problem.status_unchanged", {}, Where(field="status"), form.status)
        )
    _text(problems, "status_reason", form.status_reason)
    return problems


def validate_early_end(
    placement_id: str | None, ended_early_on: dt.date | None, ctx: FormContext
) -> list[Problem]:
    problems: list[Problem] = []
    if not (
        _required(placement_id, problems, "placement_id")
        and _placement(problems, "placement_id", placement_id, ctx)
    ):
        return problems
    placement = ctx.placements[placement_id]
    if placement.ended_early_on is not None:
        problems.append(
            Problem(
                "student.problem.already_ended",
                {"day": placement.ended_early_on},
                Where(field="placement_id"),
                placement_id,
            )
        )
    if _required(ended_early_on, problems, "ended_early_on") and _plausible(
        problems, "ended_early_on", ended_early_on, ctx.today
    ):
        _not_future(problems, "ended_early_on", ended_early_on, ctx)
        if not placement.start_date <= ended_early_on < placement.end_date:
            problems.append(
                Problem(
                    "student.problem.outside_placement",
                    {"start": placement.start_date, "end": placement.end_date},
                    Where(field="ended_early_on"),
                    ended_early_on.isoformat(),
                )
            )
    return problems
