"""The checklists tab of the student file, and the checklist fields of the contact form.

The tab shows, per checklist, each party's latest score beside the previous one, where the
parties differ, the history (a table and a picture over time), the step that closes an open
signal the collaboration checklist points at (issue 19, point 5: the agreement form of the
agreements tab, with its topic set), and the form to fill one in. Scoring is one radio per
item (Tab to the next item, arrow keys to choose) with an optional note, so a checklist
takes a minute.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.app import render, runtime, session
from dashboard.app.session import label, tr
from dashboard.app.student_page import cached
from dashboard.app.student_page.agreements import agreement_form
from dashboard.app.student_page.common import Slots, day, key, person_name, placement_label, submit
from dashboard.checklists import CHECKLISTS, PARTIES, SCORES, filling, items, reading
from dashboard.errors import RegiebordError
from dashboard.students import file_model
from validation.checklists import ChecklistForm

DISAGREEMENTS_SHOWN = 5  # the newest; the history holds every answer
SCORE_COLOURS = {"sufficient": "#1a7f37", "improve": "#b26a00", "not_discussed": "#9e9e9e"}
SCORE_CELLS = {
    "sufficient": "background-color: #e6f4ea; color: #1a5e2a",
    "improve": "background-color: #fff0d6; color: #7a4100",
}


def score_fields(form: str, item_list, party: str) -> tuple[dict[str, str], dict[str, str]]:
    """A radio and a note per item; the scores and notes given (item_id -> value)."""
    scores, notes = {}, {}
    for item in item_list:
        left, middle, right = st.columns([3, 7, 2], vertical_alignment="center")
        # An admin words the items (the settings page): shown literally, as any user text.
        wording = render.plain(item.wording(session.lang()))
        left.markdown(wording, help=render.plain(item.explanation(session.lang())))
        scores[item.item_id] = middle.radio(
            wording,
            SCORES,
            index=SCORES.index("not_discussed"),
            horizontal=True,
            format_func=lambda s: tr(f"checklists.score.{s}"),
            label_visibility="collapsed",
            key=key(form, f"score.{party}.{item.item_id}"),
        )
        notes[item.item_id] = right.text_input(
            tr("student.field.note"),
            label_visibility="collapsed",
            placeholder=tr("student.field.note"),
            key=key(form, f"note.{party}.{item.item_id}"),
        )
    return scores, notes


def moment_views(form: str) -> list[ChecklistForm]:
    """Inside the contact form: the collaboration checklist, a tab per party the user may
    speak for. Views left as they are ("niet besproken", no note) are not recorded."""
    user = session.user()
    parties = filling.parties_for(user)["collaboration"]
    item_list = items.current_items(runtime.store(), user, "collaboration")
    views = []
    with st.expander(tr("checklists.in_contact")):
        st.caption(tr("checklists.in_contact_help"))
        for party, tab in zip(parties, st.tabs([tr(f"checklists.party.{p}") for p in parties])):
            with tab:
                scores, notes = score_fields(form, item_list, party)
            views.append(ChecklistForm("collaboration", party, scores=scores, notes=notes))
    return views


def checklists_tab(f: file_model.StudentFile) -> None:
    try:
        got = cached.checklists(
            runtime.store_key(), session.user(), f.student.student_id, f.as_of, session.lang()
        )
    except RegiebordError as exc:
        render.show_error(exc)
        return
    closing_steps(f, got)
    if not got.filled:
        st.info(tr("checklists.none"))
    for checklist in CHECKLISTS:
        if got.scores_of(checklist):
            latest_table(f, got, checklist)
    if got.filled:
        differences(got)
        with st.expander(tr("checklists.history", n=len(got.filled))):
            history(f, got)
    if got.may_fill:
        with st.expander(tr("checklists.fill")):
            fill_form(f, got)


def closing_steps(f: file_model.StudentFile, got: reading.StudentChecklists) -> None:
    """Point 5: an item scored "ruimte voor verbetering" while its signal is open."""
    codes = [] if f.signals.empty else list(f.signals["code"])
    wording = {i.item_id: i.wording(session.lang()) for i in got.items}
    for step in got.closing_steps(codes):
        with st.container(border=True):
            st.warning(
                tr(
                    "checklists.step_title",
                    item=wording.get(step.item_id, step.item_id),
                    signal=render.signal_title(step.code),
                )
            )
            topic = label("topic", step.topic)
            if f.may_write:
                with st.expander(tr("checklists.step_text", topic=topic)):
                    agreement_form(f, f"step{step.topic}", None, preset_topic=step.topic)
            else:
                st.caption(render.plain(tr("checklists.step_ask", topic=topic)))


def _cell(s: reading.ItemScores) -> str:
    """The latest score, with the change and the previous score when it changed."""
    if s.latest is None:
        return "—"
    text = tr(f"checklists.score.{s.latest}")
    if s.change == "same":
        return f"{text} {tr('checklists.change.same')}"
    if s.change is not None:
        was = tr("checklists.was", score=tr(f"checklists.score.{s.previous}"))
        return f"{text} {tr(f'checklists.change.{s.change}')} ({was})"
    return text


def latest_table(f: file_model.StudentFile, got: reading.StudentChecklists, checklist: str) -> None:
    """Items down, parties across (a static table: its cells wrap, so all parties fit)."""
    st.subheader(tr(f"checklists.name.{checklist}"))
    scores = got.scores_of(checklist)
    parties = [p for p in PARTIES if any(s.party == p for s in scores)]
    by_item: dict[str, dict[str, reading.ItemScores]] = {}
    for s in scores:
        by_item.setdefault(s.item.item_id, {})[s.party] = s
    columns = {
        "item": tr("checklists.col.item"),
        **{p: tr(f"checklists.party.{p}") for p in parties},
        "differs": tr("checklists.col.differs"),
    }
    rows, styles = [], []
    for per_party in by_item.values():
        item = next(iter(per_party.values())).item
        latest = {p: per_party[p].latest for p in parties if p in per_party}
        differs = {"improve", "sufficient"} <= set(latest.values())
        rows.append(
            {
                "item": item.wording(session.lang()),
                **{p: _cell(per_party[p]) if p in per_party else "—" for p in parties},
                "differs": "⚠" if differs else "",
            }
        )
        styles.append(
            {c: SCORE_CELLS.get(latest.get(c) or "", "") if c in parties else "" for c in columns}
        )
    frame = pd.DataFrame(rows).rename(columns=columns)
    css = pd.DataFrame(styles).rename(columns=columns)
    st.table(frame.style.apply(lambda _: css, axis=None), hide_index=True)
    dates = sorted({s.latest_on for s in scores if s.latest_on}, reverse=True)[:3]
    st.caption(
        render.plain(tr("checklists.latest_help"))
        + " "
        + render.plain(tr("checklists.filled_on_caption", days=", ".join(day(d) for d in dates)))
    )


def _parties(parties: tuple[str, ...]) -> str:
    return ", ".join(tr(f"checklists.party.{p}").lower() for p in parties)


def differences(got: reading.StudentChecklists) -> None:
    st.markdown(f"**{render.plain(tr('checklists.disagreements'))}**")
    if not got.disagreements:
        st.caption(tr("checklists.disagreements_none"))
    for d in got.disagreements[:DISAGREEMENTS_SHOWN]:
        when = day(d.filled_on)
        if d.moment:
            when = f"{label('kind', d.moment)} {when}"
        st.markdown(
            tr(
                "checklists.disagreement",
                when=render.plain(when),
                item=render.plain(d.item.wording(session.lang())),
                improve=render.plain(_parties(d.improve)),
                sufficient=render.plain(_parties(d.sufficient)),
            )
        )


def history(f: file_model.StudentFile, got: reading.StudentChecklists) -> None:
    def said(sheet: reading.Filled, score: str) -> str:
        return "; ".join(a.wording for a in sheet.answers if a.score == score)

    frame = pd.DataFrame(
        [
            {
                "date": day(s.filled_on),
                "checklist": tr(f"checklists.name.{s.checklist}"),
                "moment": label("kind", s.moment) if s.moment else tr("checklists.standalone"),
                "party": tr(f"checklists.party.{s.party}"),
                "by": person_name(f, s.recorded_by) if s.recorded_by in f.people else s.recorded_by,
                "improve": said(s, "improve"),
                "sufficient": said(s, "sufficient"),
                "notes": "; ".join(f"{a.wording}: {a.note}" for a in s.answers if a.note),
            }
            for s in got.filled
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={c: tr(f"checklists.col.{c}") for c in frame.columns if c != "by"}
        | {"by": tr("checklists.col.recorded_by")},
    )
    points = pd.DataFrame(
        [
            {
                "date": s.filled_on,
                "item": a.wording,
                "score": tr(f"checklists.score.{a.score}"),
                "party": tr(f"checklists.party.{s.party}"),
            }
            for s in got.filled
            for a in s.answers
            if a.score != "not_discussed"
        ]
    )
    if len(points):
        st.markdown(f"**{render.plain(tr('checklists.history_chart'))}**")
        colours = {tr(f"checklists.score.{k}"): v for k, v in SCORE_COLOURS.items()}
        render.chart("checklist_history", history_chart, points, colours, width="stretch")


def history_chart(points: pd.DataFrame, colours: dict[str, str]) -> alt.Chart:
    """Each score as a dot: the day across, the item down (the parties side by side within
    its row), its colour the score, its shape the party."""
    return (
        alt.Chart(points, height=alt.Step(12))
        .mark_point(filled=True, size=80)
        .encode(
            x=alt.X("date:T", axis=alt.Axis(format="%d-%m-%y", title=None)),
            y=alt.Y("item:N", title=None, axis=alt.Axis(labelLimit=260)),
            yOffset=alt.YOffset("party:N"),
            color=alt.Color(
                "score:N",
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            shape=alt.Shape("party:N", legend=alt.Legend(title=None, orient="bottom")),
            tooltip=["date:T", "item:N", "score:N", "party:N"],
        )
    )


def fill_form(f: file_model.StudentFile, got: reading.StudentChecklists) -> None:
    form, slots = "checklist", Slots("checklist")
    st.caption(tr("checklists.intro"))
    checklist = st.radio(
        tr("checklists.fill_which"),
        CHECKLISTS,
        horizontal=True,
        format_func=lambda c: tr(f"checklists.name.{c}"),
        key="checklist.which",
    )
    moments: list[str | None] = [None]
    moment_names = {}
    if checklist == "collaboration":
        for p in f.placements:
            for m in p.moments:
                if m.contact_id:
                    moments.append(m.contact_id)
                    moment_names[m.contact_id] = tr(
                        "checklists.moment_option",
                        moment=label("kind", m.kind),
                        day=day(m.held_on),
                        company=p.company,
                    )
    placements = [None, *(p.placement_id for p in f.placements)]
    with st.form(key(form, f"form{checklist}"), border=False, enter_to_submit=False):
        c1, c2, c3 = st.columns(3)
        with c1:
            parties = got.parties[checklist]
            party = st.radio(
                tr("student.field.party"),
                parties,
                horizontal=True,
                format_func=lambda p: tr(f"checklists.party.{p}"),
                key=key(form, f"party{checklist}"),
            )
            slots.below("party")
        with c2:
            filled_on = slots.day(
                tr("student.field.filled_on"), "filled_on", f.as_of, f"on{checklist}"
            )
        with c3:
            moment = st.selectbox(
                tr("student.field.contact_id"),
                moments,
                format_func=lambda c: moment_names.get(c, tr("checklists.moment_none")),
                key=key(form, f"moment{checklist}"),
            )
            slots.below("contact_id")
        placement = st.selectbox(
            tr("student.field.placement_id"),
            placements,
            index=1 if len(placements) == 2 else 0,
            format_func=lambda p: placement_label(f, p),
            key=key(form, f"placement{checklist}"),
        )
        slots.below("placement_id")
        item_list = [i for i in got.items if i.checklist == checklist]
        scores, notes = score_fields(form, item_list, checklist)
        slots.below("scores")
        slots.below("note")
        sent = st.form_submit_button(tr("checklists.fill_button"), type="primary")
        slots.below("_form")
    if sent:
        values = ChecklistForm(checklist, party, filled_on, moment, placement, scores, notes)
        submit(
            form,
            slots,
            lambda: filling.record_checklist(
                runtime.store(), session.user(), f.student.student_id, values, session.today()
            ),
            tr("checklists.done"),
        )
