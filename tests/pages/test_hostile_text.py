"""Text that did not come from the code is shown literally on every page (issue 21, finding 1).

Every free text and name in the store is replaced by hostile Markdown and HTML (a link, an
image a browser would fetch, bold, a heading, a tag). Then each page is opened as the users
who may open it, and every string that Streamlit renders as Markdown (bodies of titles,
headers, Markdown, captions and alerts; labels, help tooltips and radio options of widgets;
expander and tab labels) is checked: the hostile text may only appear escaped. Texts shown by
widgets that never render Markdown (tables, select options, text fields) are not checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
import student_world as w
from streamlit.testing.v1 import AppTest

from dashboard.app import render, runtime
from dashboard.app.meeting_page.common import CURRENT
from dashboard.checklists import filling, items
from dashboard.meetings import prepare, run
from dashboard.meetings.model import CaseloadChoice, MeetingForm
from pages.test_student_page import every_tab
from validation.checklists import ChecklistForm

PAGES = Path(__file__).resolve().parents[2] / "pages"

HOSTILE = (
    "**B** [l](https://evil.example/l) ![i](https://evil.example/i.png) <b>h</b> _u_ `c` "
    "https://evil.example/b www.evil.example x@evil.example\n# H"
)
# What may never reach a Markdown-rendering string unescaped. The last three are the bare
# addresses GitHub-style Markdown links even when their punctuation is escaped.
MARKERS = ("**B**", "](https://evil", "![i]", "<b>", "_u_", "`c`", "\n# H")
MARKERS += ("://", "www\\.evil", "@evil")

# Every free text and every name a school's import or a form can put in the store.
TEXT_COLUMNS = {
    "students": ("first_name", "last_name", "programme", "location", "class_code"),
    "staff": ("name", "organisation"),
    "placements": ("company",),
    "roles": ("note",),
    "contacts": ("summary",),
    "agreements": ("details",),
    "consents": ("note",),
}
# Fields a person reads as one line: no line break there.
ONE_LINE = {"first_name", "last_name", "programme", "location", "class_code", "name"}
ONE_LINE |= {"organisation", "company"}


def hostile(column: str) -> str:
    text = f"{column} {HOSTILE}"
    return text.replace("\n", " ") if column in ONE_LINE else text


@pytest.fixture
def hostile_world(store, monkeypatch):
    w.build(store)
    with store.write() as tx:
        tx.execute(
            "INSERT INTO consents VALUES ('S1', 'workplace', '2025-09-10', true, 'P-MEN', 'x')"
        )
        tx.execute("UPDATE students SET status_reason = 'x'")
        tx.execute(
            "INSERT INTO agreements VALUES ('AG2', 'S1', 'PL1', 'task_division', 'P-MEN', "
            "ARRAY['P-SUP'], 'x', NULL, true, '2025-09-01', NULL, NULL)"
        )
        for table, columns in TEXT_COLUMNS.items():
            sets = ", ".join(f"{c} = ${c}" for c in columns)
            tx.execute(f"UPDATE {table} SET {sets}", {c: hostile(c) for c in columns})
        tx.execute("UPDATE students SET status_reason = $t", {"t": hostile("status_reason")})
        # The checklist items as an admin may reword them on the settings page.
        columns = ("wording_nl", "wording_en", "explanation_nl", "explanation_en")
        sets = ", ".join(f"{c} = ${c}" for c in columns)
        tx.execute(f"UPDATE checklist_items SET {sets}", {c: hostile(c) for c in columns})
        tx.touch_all()
    _meeting_and_checklist(store)
    monkeypatch.setenv("REGIEBORD_DB", str(store.path))
    yield store
    runtime.store().close()
    st.cache_resource.clear()


def _meeting_and_checklist(store) -> None:
    """The texts only a page writes: a caseload meeting about S1 with a decision and an
    action for the mentor (decision, action and note in hostile text), and a guidance
    checklist of S1 with a hostile note."""
    form = MeetingForm(w.TODAY, "internal", CaseloadChoice("list", None, ("S1",)), 30)
    meeting = prepare.create_meeting(store, w.ADMIN, form, w.TODAY)
    run.record_decision(store, w.ADMIN, meeting, "S1", hostile("decision"), w.TODAY)
    run.add_action(
        store,
        w.ADMIN,
        meeting,
        "S1",
        hostile("what"),
        "P-MEN",
        w.TODAY,
        w.TODAY,
        note=hostile("note"),
    )
    item = items.current_items(store, w.MENTOR, "guidance")[0].item_id
    checklist = ChecklistForm(
        "guidance", "school", w.TODAY, scores={item: "improve"}, notes={item: hostile("note")}
    )
    filling.record_checklist(store, w.MENTOR, "S1", checklist, w.TODAY)
    MEETING["id"] = meeting


MEETING: dict[str, str] = {}  # the id of the hostile world's meeting


def open_page(page: str, user, state: dict | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(PAGES / page), default_timeout=60)
    at.session_state["user"] = user
    at.session_state["today"] = w.TODAY
    for name, value in (state or {}).items():
        at.session_state[name] = value
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def views(at: AppTest, page: str):
    """The page as drawn; for the student file, each of its tabs (only the open one is drawn)."""
    if page == "student.py":
        yield from every_tab(at)
    else:
        yield at


# Proto fields whose text Streamlit renders as Markdown, and the widgets whose options it does.
MARKDOWN_FIELDS = {"body", "label", "help", "captions"}
MARKDOWN_OPTIONS = {"radio"}


def _strings(message, with_options: bool):
    for descriptor, value in message.ListFields():
        name = descriptor.name
        if descriptor.message_type is not None:
            items = value if descriptor.is_repeated else [value]
            for item in items:
                yield from _strings(item, with_options)
        elif name in MARKDOWN_FIELDS or (with_options and name == "options"):
            items = value if descriptor.is_repeated else [value]
            yield from (v for v in items if isinstance(v, str))


def rendered_markdown(at: AppTest) -> list[str]:
    """Every string of the page that Streamlit renders as Markdown."""
    out: list[str] = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(node, "type", "") not in ("arrow_data_frame",):
            out.extend(_strings(proto, getattr(node, "type", "") in MARKDOWN_OPTIONS))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return out


def unescaped(at: AppTest) -> list[str]:
    return [s for s in rendered_markdown(at) if any(m in s for m in MARKERS)]


def test_the_walker_finds_unescaped_markdown(hostile_world):
    """The check itself: a page that shows a raw hostile text is caught."""
    at = AppTest.from_string(
        f"import streamlit as st\nst.title({hostile('name')!r})\n"
        f"st.checkbox('ok', help={HOSTILE!r})",
        default_timeout=30,
    ).run()
    assert len(unescaped(at)) == 2


@pytest.mark.parametrize(
    ("page", "user", "query"),
    [
        ("student.py", w.ADMIN, {"student": "S1"}),
        ("student.py", w.MENTOR, {"student": "S1"}),
        ("student.py", w.CARE, {"student": "S1"}),
        ("student.py", w.SUPERVISOR, {"student": "S1"}),
        ("students.py", w.ADMIN, {}),
        ("students.py", w.SUPERVISOR, {}),
        ("caseload.py", w.MENTOR, {}),
        ("caseload.py", w.ADMIN, {}),
        ("student_rights.py", w.ADMIN, {"student": "S1"}),
        ("audit_log.py", w.ADMIN, {}),
        ("users.py", w.ADMIN, {}),
        ("meetings.py", w.ADMIN, {}),
        ("settings.py", w.ADMIN, {}),
        ("trends.py", w.ADMIN, {}),
    ],
)
def test_hostile_texts_show_literally(hostile_world, page, user, query):
    state = {CURRENT: MEETING["id"]} if page == "meetings.py" else None
    at = open_page(page, user, state, **query)
    for _ in views(at, page):
        shown = "\n".join(rendered_markdown(at))
        assert shown, "the page shows something"
        assert unescaped(at) == []


def test_the_hand_over_message_shows_the_new_holder_literally(hostile_world):
    at = open_page("student.py", w.MENTOR, student="S1")
    form = next(b for b in at.get("form") if b.proto.form.form_id.startswith("handover.form"))
    holder = next(s for s in form.selectbox if s.key and "holder_id" in s.key)
    holder.select("P-BPV")
    next(b for b in at.button if b.key.startswith("FormSubmitter:handover.form")).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("holder" in s or "regie" in s.lower() for s in (m.value for m in at.success))
    assert unescaped(at) == []


@pytest.mark.parametrize(
    ("page", "user", "query", "columns"),
    [
        ("meetings.py", w.ADMIN, {}, ("decision", "what")),
        ("caseload.py", w.MENTOR, {}, ("what",)),
        (
            "student.py",
            w.MENTOR,
            {"student": "S1"},
            ("decision", "what", "wording_nl", "explanation_nl", "note"),
        ),
    ],
)
def test_texts_written_on_pages_are_shown_escaped(hostile_world, page, user, query, columns):
    """The walk above is not empty-handed for the texts only pages write (a meeting's
    decisions and actions, checklist notes, the items' wording): they are shown, escaped."""
    state = {CURRENT: MEETING["id"]} if page == "meetings.py" else None
    at = open_page(page, user, state, **query)
    shown = [s for _ in views(at, page) for s in rendered_markdown(at)]
    for column in columns:
        escaped = f"{render.plain(column)} \\*\\*B\\*\\*"
        assert any(escaped in s for s in shown), (column, shown)
