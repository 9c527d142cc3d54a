"""The minutes of a caseload meeting, as Markdown and PDF, per audience; and per-owner recaps.

Both forms are rendered from one list of blocks (`_blocks`), so they always say the same. The
minutes follow the access rules: they hold only what the user making them may read, and
- the `care` version holds everything of that;
- the `school` version leaves out the decisions and actions only care roles may read;
- at a meeting with external partners, a student whose consent is missing (`ask_first`)
  appears without name in every version and every recap.
User text is shown literally: escaped in Markdown (a typed `# kop` or `[link](x)` stays text),
plain text in the PDF (fpdf2 without markup). Making minutes is audited as an export.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from dashboard import i18n
from dashboard.bare_links import unlinked
from dashboard.meetings.follow_up import StudentDecision
from dashboard.meetings.model import Action, AgendaItem, Decision, Meeting
from dashboard.meetings.reads import load
from dashboard.problem import Problem
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.students.write_steps import check

AUDIENCES = ("care", "school")
# A font with every character users may type; the PDF falls back to Helvetica (Latin-1 only,
# other characters become "?") where it is not installed.
UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
UNICODE_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@dataclass(frozen=True)
class Block:
    """One line of the minutes: a title, a heading, a line of text or a list item. `text`
    is user text or already-filled texts: shown as it is, never as markup."""

    kind: str  # title, heading, text, item
    text: str


def _check(user: User, audience: str) -> None:
    access.ensure(user, "view_meetings")
    if audience not in AUDIENCES:
        check([Problem("meeting.problem.audience", value=audience)])


def _student_label(item: AgendaItem, lang: str) -> str:
    if item.ask_first:
        return i18n.t("meeting.minutes.unnamed", lang, n=item.position)
    return item.name


def decision_text(d: Decision | StudentDecision, lang: str) -> str:
    """A decision as text: its words, or what a one-click decision recorded."""
    if d.kind == "text":
        return d.text or ""
    day = i18n.date_text(d.agreed_on, lang)
    return i18n.t(f"meeting.decision.{d.kind}", lang, name=d.holder_name or "", day=day)


def _action_text(a: Action, lang: str) -> str:
    status = i18n.t(f"meeting.status.{a.status}", lang)
    return i18n.t(
        "meeting.minutes.action",
        lang,
        what=a.what,
        owner=a.owner_name,
        due=i18n.date_text(a.due_on, lang),
        status=status,
    )


def _shown(items, audience: str):
    return [x for x in items if audience == "care" or not x.care_only]


def _blocks(meeting: Meeting, audience: str, lang: str) -> list[Block]:
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    state = "closed" if meeting.is_closed else "draft"
    blocks = [
        Block("title", t("meeting.minutes.title", day=i18n.date_text(meeting.held_on, lang))),
        Block("text", t(f"meeting.minutes.version.{audience}")),
        Block("text", t("meeting.minutes.kind", kind=t(f"meeting.kind.{meeting.kind}"))),
        Block("text", t(f"meeting.minutes.state.{state}")),
    ]
    for label, present in (("present", True), ("absent", False), ("unknown", None)):
        people = [f"{a.name} ({a.role})" for a in meeting.attendees if a.present is present]
        if people:
            blocks.append(Block("text", t(f"meeting.minutes.{label}", names=", ".join(people))))
    for item in meeting.agenda:
        blocks.append(Block("heading", f"{item.position}. {_student_label(item, lang)}"))
        decisions = _shown(meeting.decisions_of(item.student_id), audience)
        acts = _shown(meeting.actions_of(item.student_id), audience)
        if not decisions and not acts:
            blocks.append(Block("text", t("meeting.minutes.nothing")))
        if decisions:
            blocks.append(Block("text", t("meeting.minutes.decisions")))
            blocks += [Block("item", decision_text(d, lang)) for d in decisions]
        if acts:
            blocks.append(Block("text", t("meeting.minutes.actions")))
            blocks += [Block("item", _action_text(a, lang)) for a in acts]
    return blocks


def escape_markdown(text: str) -> str:
    """User text as Markdown that shows it as typed (one line)."""
    text = unlinked(" ".join(str(text).splitlines()))
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text)


def _markdown(blocks: list[Block]) -> str:
    prefix = {"title": "# ", "heading": "\n## ", "text": "", "item": "- "}
    lines = []
    for b in blocks:
        line = prefix[b.kind] + escape_markdown(b.text)
        lines.append(line if b.kind == "item" else line + "\n")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def _pdf(blocks: list[Block]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    family = "Helvetica"
    if UNICODE_FONT.is_file() and UNICODE_BOLD.is_file():
        family = "Regiebord"
        pdf.add_font(family, "", str(UNICODE_FONT))
        pdf.add_font(family, "B", str(UNICODE_BOLD))
    pdf.add_page()
    style = {
        "title": ("B", 16, 10),
        "heading": ("B", 12, 8),
        "text": ("", 10, 6),
        "item": ("", 10, 6),
    }
    for b in blocks:
        bold, size, height = style[b.kind]
        pdf.set_font(family, bold, size)
        text = ("• " if b.kind == "item" else "") + b.text
        if family == "Helvetica":
            text = text.replace("•", "-").encode("latin-1", "replace").decode("latin-1")
        if b.kind == "heading":
            pdf.ln(2)
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT", markdown=False)
    return bytes(pdf.output())


def minutes(
    store: Store,
    user: User,
    meeting_id: str,
    audience: str,
    form: str,
    today: dt.date,
    lang: str = "nl",
) -> bytes:
    """The minutes in `form` (`pdf` or `markdown`, UTF-8) for `audience` (`care`, `school`)."""
    _check(user, audience)
    if form not in ("pdf", "markdown"):
        check([Problem("meeting.problem.form", value=form)])
    with store.write(audit_only=True) as tx:
        meeting = load(tx.duckdb, user, meeting_id, today)
        blocks = _blocks(meeting, audience, lang)
        audit.record(tx, audit.MinutesExport(user.actor, meeting_id, audience, form))
    if form == "pdf":
        return _pdf(blocks)
    return _markdown(blocks).encode("utf-8")


def recaps(
    store: Store,
    user: User,
    meeting_id: str,
    audience: str,
    today: dt.date,
    lang: str = "nl",
) -> dict[str, str]:
    """Per owner (by name) their own actions of this meeting as Markdown lines:
    "student X: Y, by Z". The same rules as the minutes of `audience`."""
    _check(user, audience)
    with store.write(audit_only=True) as tx:
        meeting = load(tx.duckdb, user, meeting_id, today)
        audit.record(tx, audit.MinutesExport(user.actor, meeting_id, audience, "recap"))
    labels = {i.student_id: _student_label(i, lang) for i in meeting.agenda}
    out: dict[str, list[str]] = {}
    for a in _shown(meeting.actions, audience):
        line = i18n.t(
            "meeting.recap.line",
            lang,
            student=labels.get(a.student_id, ""),
            what=a.what,
            due=i18n.date_text(a.due_on, lang),
        )
        out.setdefault(a.owner_name, []).append(f"- {escape_markdown(line)}")
    return {owner: "\n".join(lines) + "\n" for owner, lines in sorted(out.items())}


def filename(meeting: Meeting, audience: str, form: str) -> str:
    """The file name of the minutes: day, meeting and version."""
    suffix = "pdf" if form == "pdf" else "md"
    return f"verslag-{meeting.held_on.isoformat()}-{meeting.meeting_id}-{audience}.{suffix}"
