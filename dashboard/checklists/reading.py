"""A student's checklists as the student file shows them: per item and party the latest score
beside the previous one, the history of every filled-in checklist (each answer in the wording
it was given under), and where the parties disagree.

The student-file rules decide what a user reads (access.require_student, the lens): a
workplace supervisor reads only the checklists of their own placements, and the notes of
the other parties only while the student shares personal circumstances with the workplace;
a checklist attached to a contact the user may not read is not shown. Reading happens inside
the student file, whose opening is audited (student_file.load, `view_student`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.checklists import ITEM_SIGNALS, PARTIES, SCORED
from dashboard.checklists.filling import parties_for
from dashboard.checklists.items import CURRENT_SQL, Item, item_from
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import rows
from dashboard.students.student_file import own_placement_ids

# A score's rank: a change from improve to sufficient is better.
_RANK = {"improve": 0, "sufficient": 1}


@dataclass(frozen=True)
class Answer:
    item_id: str
    version: int
    wording: str  # as it read in that version
    score: str
    note: str | None


@dataclass(frozen=True)
class Filled:
    """One filled-in checklist: one party's view on one day."""

    checklist_id: str
    checklist: str
    party: str
    filled_on: dt.date
    placement_id: str | None
    contact_id: str | None
    moment: str | None  # start, mid, final when attached to a fixed moment
    recorded_by: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class ItemScores:
    """One item as one party last scored it (sufficient or improve), and the time before."""

    item: Item  # the item as it reads now
    party: str
    latest: str | None = None
    latest_on: dt.date | None = None
    previous: str | None = None
    previous_on: dt.date | None = None
    note: str | None = None  # the note of the latest score

    @property
    def change(self) -> str | None:
        """better, worse or same against the previous score; None without one."""
        if self.latest is None or self.previous is None:
            return None
        diff = _RANK[self.latest] - _RANK[self.previous]
        return "better" if diff > 0 else "worse" if diff < 0 else "same"


@dataclass(frozen=True)
class Disagreement:
    """In one conversation (a moment, or one day's checklists) one party said "ruimte voor
    verbetering" where another said "voldoende"."""

    checklist: str
    item: Item
    filled_on: dt.date
    moment: str | None
    improve: tuple[str, ...]  # the parties who saw room for improvement
    sufficient: tuple[str, ...]


@dataclass(frozen=True)
class ClosingStep:
    """A collaboration item scored "ruimte voor verbetering" while its signal is open: record
    an agreement on `topic` to close it."""

    item_id: str
    code: str
    topic: str


@dataclass(frozen=True)
class StudentChecklists:
    filled: tuple[Filled, ...]  # newest first
    scores: tuple[ItemScores, ...]  # per checklist, item (in order) and party
    disagreements: tuple[Disagreement, ...]  # newest first
    items: tuple[Item, ...]  # the items in use now, for the form
    parties: dict[str, tuple[str, ...]]  # the parties the user may record, per checklist
    may_fill: bool

    def scores_of(self, checklist: str) -> tuple[ItemScores, ...]:
        return tuple(s for s in self.scores if s.item.checklist == checklist)

    def closing_steps(self, open_codes: Iterable[str]) -> tuple[ClosingStep, ...]:
        """The agreements that would close an open signal the collaboration checklist
        points at (its latest score by any party is "ruimte voor verbetering")."""
        codes = set(open_codes)
        return tuple(
            ClosingStep(item_id, code, topic)
            for item_id, (code, topic) in ITEM_SIGNALS.items()
            if code in codes
            and any(s.item.item_id == item_id and s.latest == "improve" for s in self.scores)
        )


def student_checklists(
    store: Store, user: User, student_id: str, as_of: dt.date, lang: str = "nl"
) -> StudentChecklists:
    """The checklists of `student_id` that `user` may read on `as_of`; NotFound otherwise,
    for a manager too (as student_file.load: no existence oracle)."""
    with store.read() as cur:
        access.require_student(cur, user, student_id, as_of)
        lens = access.lens(cur, user, student_id, as_of)
        params = {"sid": student_id}
        placements = rows(
            cur,
            "SELECT placement_id, supervisor_id FROM placements WHERE student_id = $sid",
            params,
        )
        contacts = {
            c["contact_id"]: c
            for c in rows(
                cur,
                "SELECT contact_id, kind, visibility, reason FROM contacts WHERE student_id = $sid",
                params,
            )
        }
        sheets = rows(
            cur,
            "SELECT * FROM checklists WHERE student_id = $sid AND filled_on <= $as_of "
            "ORDER BY filled_on DESC, recorded_at DESC, checklist_id",
            {**params, "as_of": as_of},
        )
        answers = rows(
            cur,
            "SELECT a.*, i.wording_nl, i.wording_en FROM checklist_answers a "
            "JOIN checklist_items i ON i.item_id = a.item_id AND i.version = a.item_version "
            "WHERE a.student_id = $sid",
            params,
        )
        versions = [item_from(r) for r in rows(cur, f"{CURRENT_SQL} ORDER BY position")]
    own = own_placement_ids(placements, user)
    own_party = parties_for(user)["guidance"][0]

    def shown(sheet: dict) -> bool:
        if own is not None and sheet["placement_id"] not in own:
            return False
        contact = contacts.get(sheet["contact_id"] or "")
        return sheet["contact_id"] is None or (contact is not None and lens.shows_contact(contact))

    by_sheet: dict[str, list[Answer]] = {}
    for a in answers:
        by_sheet.setdefault(a["checklist_id"], []).append(
            Answer(
                a["item_id"],
                a["item_version"],
                a["wording_en"] if lang == "en" else a["wording_nl"],
                a["score"],
                a["note"],
            )
        )
    current = {i.item_id: i for i in versions}
    filled = tuple(
        Filled(
            checklist_id=s["checklist_id"],
            checklist=s["checklist"],
            party=s["party"],
            filled_on=s["filled_on"],
            placement_id=s["placement_id"],
            contact_id=s["contact_id"],
            moment=contacts[s["contact_id"]]["kind"] if s["contact_id"] in contacts else None,
            recorded_by=s["recorded_by"],
            answers=tuple(
                a if lens.personal or s["party"] == own_party else _without_note(a)
                for a in sorted(
                    by_sheet.get(s["checklist_id"], []),
                    key=lambda a: (current[a.item_id].position, a.item_id),
                )
            ),
        )
        for s in sheets
        if shown(s)
    )
    return StudentChecklists(
        filled=filled,
        scores=_scores(filled, versions),
        disagreements=_disagreements(filled, current),
        items=tuple(i for i in versions if not i.retired),
        parties=parties_for(user),
        may_fill=access.may(user, "log_contact"),
    )


def _without_note(answer: Answer) -> Answer:
    return Answer(answer.item_id, answer.version, answer.wording, answer.score, None)


def _scores(filled: tuple[Filled, ...], items: list[Item]) -> tuple[ItemScores, ...]:
    """Per item (in use, or retired with answers) and party that gave a view of its
    checklist: the latest two scores."""
    seen: dict[tuple[str, str], list[tuple[dt.date, Answer]]] = {}
    for sheet in filled:  # newest first
        for a in sheet.answers:
            if a.score in SCORED:
                seen.setdefault((a.item_id, sheet.party), []).append((sheet.filled_on, a))
    views = {(sheet.checklist, sheet.party) for sheet in filled}
    answered = {item_id for item_id, _ in seen}
    out = []
    for item in sorted(items, key=lambda i: (i.checklist, i.position, i.item_id)):
        if item.retired and item.item_id not in answered:
            continue
        for party in PARTIES:
            if (item.checklist, party) not in views:
                continue
            given = seen.get((item.item_id, party), [])
            latest = given[0] if given else None
            previous = given[1] if len(given) > 1 else None
            out.append(
                ItemScores(
                    item=item,
                    party=party,
                    latest=latest[1].score if latest else None,
                    latest_on=latest[0] if latest else None,
                    previous=previous[1].score if previous else None,
                    previous_on=previous[0] if previous else None,
                    note=latest[1].note if latest else None,
                )
            )
    return tuple(out)


def _disagreements(
    filled: tuple[Filled, ...], current: dict[str, Item]
) -> tuple[Disagreement, ...]:
    """Per conversation (the same moment, or the same checklist, day and placement) and
    item: the parties who said improve where others said sufficient."""
    groups: dict[tuple, list[Filled]] = {}
    for sheet in filled:
        key = sheet.contact_id or (sheet.checklist, sheet.filled_on, sheet.placement_id)
        groups.setdefault((sheet.checklist, key), []).append(sheet)
    out = []
    for sheets in groups.values():  # in order of their newest sheet: newest first
        for item_id in dict.fromkeys(a.item_id for s in sheets for a in s.answers):
            said = {s.party: a.score for s in sheets for a in s.answers if a.item_id == item_id}
            improve = tuple(p for p in PARTIES if said.get(p) == "improve")
            sufficient = tuple(p for p in PARTIES if said.get(p) == "sufficient")
            if improve and sufficient:
                out.append(
                    Disagreement(
                        sheets[0].checklist,
                        current[item_id],
                        sheets[0].filled_on,
                        sheets[0].moment,
                        improve,
                        sufficient,
                    )
                )
    return tuple(out)
