"""The items of the two checklists, versioned: read them, and (admins) reword, add, retire or
bring back an item.

Every change adds a version row to `checklist_items`; none changes or removes one, so an
answer (checklist_answers.item_version) always finds the wording it was given under. An item's
newest version decides its current wording, its place and whether it is in use. Changes are
audited as `write` events on `checklist_items` with the old and new wording (item texts are
the school's, not personal data).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dashboard.checklists import CHECKLISTS
from dashboard.errors import Invalid, NotAllowed, NotFound
from dashboard.problem import Problem, Where
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import Tx
from validation.checklists import ItemText, validate_item_text

# The newest version of each item.
CURRENT_SQL = (
    "SELECT * FROM checklist_items i WHERE version = "
    "(SELECT max(version) FROM checklist_items j WHERE j.item_id = i.item_id)"
)


@dataclass(frozen=True)
class Item:
    """One version of one item."""

    checklist: str
    item_id: str
    version: int
    position: int
    wording_nl: str
    wording_en: str
    explanation_nl: str
    explanation_en: str
    retired: bool

    def wording(self, lang: str) -> str:
        return self.wording_en if lang == "en" else self.wording_nl

    def explanation(self, lang: str) -> str:
        return self.explanation_en if lang == "en" else self.explanation_nl


_FIELDS = tuple(Item.__dataclass_fields__)


def item_from(row: dict) -> Item:
    return Item(**{k: row[k] for k in _FIELDS})


def current_items(
    store: Store, user: User, checklist: str | None = None, *, with_retired: bool = False
) -> list[Item]:
    """The items as they read now, in checklist order; retired ones only when asked.

    For whoever fills in checklists, and for admins who manage them."""
    if not (access.may(user, "log_contact") or access.may(user, "manage_settings")):
        raise NotAllowed("checklist_items")
    with store.read() as cur:
        rel = cur.execute(f"{CURRENT_SQL} ORDER BY checklist, position, item_id")
        names = [d[0] for d in rel.description]
        items = [item_from(dict(zip(names, r))) for r in rel.fetchall()]
    return [
        i
        for i in items
        if (checklist is None or i.checklist == checklist) and (with_retired or not i.retired)
    ]


def _current(tx: Tx, item_id: str) -> dict:
    row = tx.one(f"{CURRENT_SQL} AND item_id = $id", {"id": item_id})
    if row is None:
        raise NotFound(item_id)
    return row


def _add_version(tx: Tx, user: User, old: dict | None, new: dict) -> None:
    version = (old["version"] + 1) if old else 1
    row = {**new, "version": version, "changed_by": user.actor}
    tx.execute(
        "INSERT INTO checklist_items (checklist, item_id, version, position, wording_nl, "
        "wording_en, explanation_nl, explanation_en, retired, changed_by, changed_at) VALUES "
        "($checklist, $item_id, $version, $position, $wording_nl, $wording_en, $explanation_nl, "
        "$explanation_en, $retired, $changed_by, current_timestamp::TIMESTAMP)",
        {k: row[k] for k in (*_FIELDS, "changed_by")},
    )
    public = {k: row[k] for k in _FIELDS}
    before = {k: old[k] for k in _FIELDS} if old else None
    audit.record(
        tx, audit.Write(user.actor, "checklist_items", new["item_id"], None, before, public)
    )
    # Item texts show on every student file with checklists.
    tx.touch_all()


def _texts(text: ItemText) -> dict:
    problems = validate_item_text(text)
    if problems:
        raise Invalid(problems)
    return {k: getattr(text, k).strip() for k in ItemText.__dataclass_fields__}


def reword_item(store: Store, user: User, item_id: str, text: ItemText) -> int:
    """Give an item new wording (a new version); returns that version."""
    access.ensure(user, "manage_settings")
    texts = _texts(text)
    with store.write() as tx:
        old = _current(tx, item_id)
        _add_version(tx, user, old, {**old, **texts})
        return int(old["version"]) + 1


def add_item(store: Store, user: User, checklist: str, text: ItemText) -> str:
    """Add an item at the end of `checklist`; returns its item_id."""
    access.ensure(user, "manage_settings")
    if checklist not in CHECKLISTS:
        raise Invalid(
            [
                Problem(
                    "checklists.problem.unknown_checklist", {}, Where(field="checklist"), checklist
                )
            ]
        )
    texts = _texts(text)
    with store.write() as tx:
        last = tx.scalar(
            "SELECT max(position) FROM checklist_items WHERE checklist = $c", {"c": checklist}
        )
        item_id = f"item-{uuid.uuid4().hex[:8]}"
        new = {
            "checklist": checklist,
            "item_id": item_id,
            "position": int(last or 0) + 1,
            "retired": False,
            **texts,
        }
        _add_version(tx, user, None, new)
    return item_id


def set_retired(store: Store, user: User, item_id: str, retired: bool) -> None:
    """Retire an item (it leaves the form; answers given keep it) or bring it back."""
    access.ensure(user, "manage_settings")
    with store.write() as tx:
        old = _current(tx, item_id)
        if bool(old["retired"]) == retired:
            key = "already_retired" if retired else "not_retired"
            raise Invalid([Problem(f"checklists.problem.{key}", {}, None, item_id)])
        _add_version(tx, user, old, {**old, "retired": retired})
