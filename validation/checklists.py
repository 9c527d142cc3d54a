"""Validation of the checklist forms (dashboard/checklists): filling one in, and an admin's
wording of an item. Like validation/forms.py: every problem at once, each naming its field.

A filled-in checklist is checked against a `ChecklistContext` read inside the write
transaction: the items in use, the fixed contact moments the user may attach it to, which
parties the user may speak for, and which (moment, party) views are already recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dashboard.checklists import CHECKLISTS, SCORED, SCORES
from dashboard.problem import Problem, Where
from validation.forms import MAX_TEXT

MAX_WORDING = 120
MAX_EXPLANATION = 400


@dataclass
class ChecklistForm:
    """One party's view: a score per item (item_id -> code of SCORES; an item left out counts
    as not discussed) and an optional note per item. `contact_id` attaches it to a fixed
    contact moment (then its date and placement are the moment's)."""

    checklist: str | None = None
    party: str | None = None
    filled_on: dt.date | None = None
    contact_id: str | None = None
    placement_id: str | None = None
    scores: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Moment:
    """A fixed contact moment a checklist may be attached to."""

    kind: str
    date: dt.date
    placement_id: str | None


@dataclass(frozen=True)
class ChecklistContext:
    today: dt.date
    enrolment_date: dt.date
    items: dict[str, str]  # item_id in use -> its checklist
    moments: dict[str, Moment]  # contact_id -> the moment (only those the user may use)
    placements: frozenset[str]  # the placements the user may name
    parties: dict[str, tuple[str, ...]]  # checklist -> the parties the user may speak for
    filled: frozenset[tuple[str, str]] = frozenset()  # (contact_id, party) already recorded
    placement_required: bool = False  # a workplace supervisor's checklist is about a placement


def _problem(key: str, name: str, value: object = None, **params: object) -> Problem:
    return Problem(f"checklists.problem.{key}", params, Where(field=name), value)


def validate_checklist(form: ChecklistForm, ctx: ChecklistContext) -> list[Problem]:
    problems: list[Problem] = []
    known = form.checklist in CHECKLISTS
    if not form.checklist:
        problems.append(Problem("student.problem.required", {}, Where(field="checklist")))
    elif not known:
        problems.append(_problem("unknown_checklist", "checklist", form.checklist))
    allowed = ctx.parties.get(form.checklist or "", ())
    if not form.party:
        problems.append(Problem("student.problem.required", {}, Where(field="party")))
    elif known and form.party not in allowed:
        problems.append(_problem("party_not_yours", "party", form.party))
    moment = ctx.moments.get(form.contact_id or "")
    if form.contact_id and moment is None:
        problems.append(_problem("moment_unknown", "contact_id", form.contact_id))
    elif moment is not None:
        if form.checklist != "collaboration":
            problems.append(_problem("moment_only_collaboration", "contact_id", form.contact_id))
        if (form.contact_id, form.party) in ctx.filled:
            problems.append(_problem("already_filled", "party", form.party))
    elif form.placement_id and form.placement_id not in ctx.placements:
        problems.append(
            Problem("student.problem.placement_unknown", {}, Where(field="placement_id"))
        )
    elif ctx.placement_required and not form.placement_id:
        problems.append(Problem("student.problem.required", {}, Where(field="placement_id")))
    day = moment.date if moment is not None else form.filled_on
    if day is None:
        problems.append(Problem("student.problem.required", {}, Where(field="filled_on")))
    elif day > ctx.today:
        problems.append(
            Problem("student.problem.date_in_future", {}, Where(field="filled_on"), day.isoformat())
        )
    elif day < ctx.enrolment_date:
        problems.append(
            Problem(
                "student.problem.before_enrolment",
                {"day": ctx.enrolment_date},
                Where(field="filled_on"),
                day.isoformat(),
            )
        )
    problems += _answers(form, ctx, known)
    return problems


def _answers(form: ChecklistForm, ctx: ChecklistContext, known: bool) -> list[Problem]:
    problems: list[Problem] = []
    foreign = sorted(i for i in {*form.scores, *form.notes} if ctx.items.get(i) != form.checklist)
    if known and foreign:
        problems.append(_problem("item_unknown", "scores", foreign))
    bad = sorted({s for s in form.scores.values() if s not in SCORES})
    if bad:
        problems.append(_problem("score_unknown", "scores", bad))
    if known and not any(s in SCORED for s in form.scores.values()):
        problems.append(_problem("nothing_scored", "scores"))
    for item_id, note in form.notes.items():
        if note and len(note) > MAX_TEXT:
            problems.append(
                Problem("student.problem.too_long", {"max": MAX_TEXT}, Where(field="note"), item_id)
            )
    return problems


@dataclass
class ItemText:
    """An item's wording and explanation in both languages (an admin's form)."""

    wording_nl: str = ""
    wording_en: str = ""
    explanation_nl: str = ""
    explanation_en: str = ""


def validate_item_text(text: ItemText) -> list[Problem]:
    problems: list[Problem] = []
    limits = {
        "wording_nl": MAX_WORDING,
        "wording_en": MAX_WORDING,
        "explanation_nl": MAX_EXPLANATION,
        "explanation_en": MAX_EXPLANATION,
    }
    for name, limit in limits.items():
        value = (getattr(text, name) or "").strip()
        if not value:
            problems.append(Problem("student.problem.required", {}, Where(field=name)))
        elif len(value) > limit:
            problems.append(
                Problem("student.problem.too_long", {"max": limit}, Where(field=name), value)
            )
    return problems
