"""The figures of the trends page's sections on how guidance is done: 1 fixed moments, 2
direction and information, 4 contact."""

from __future__ import annotations

import pandas as pd

from dashboard.app import session, trend_charts
from dashboard.app.trend_charts import OUTCOME_COLOURS
from dashboard.app.trend_figure import Figure, gaps, nulls, share_over, shown
from dashboard.trends.overview import Overview

# -- 1. fixed moments ---------------------------------------------------------------------------


def moments(ov: Overview) -> list[Figure]:
    m, every = ov.moments, ov.moments_all
    month, kind = session.tr("trends.month"), session.tr("trends.moments.kind")
    outcome, share = session.tr("trends.moments.outcome"), session.tr("trends.share")
    count, due = session.tr("trends.count"), session.tr("trends.moments.due")
    outcomes = ("on_time", "late", "not_held")
    long = pd.DataFrame(
        [
            {
                month: r["month"],
                outcome: session.tr(f"trends.moments.{o}"),
                "order": i,
                share: share_over(pd.Series([r[o]]), pd.Series([r["due"]]))[0],
                count: r[o],
                due: r["due"],
            }
            for r in every.to_dict("records")
            for i, o in enumerate(outcomes)
        ],
        columns=[month, outcome, "order", share, count, due],
    )
    colours = {session.tr(f"trends.moments.{o}"): OUTCOME_COLOURS[o] for o in outcomes}
    chart = trend_charts.stacked_shares(
        nulls(long),
        x=month,
        y=share,
        colour=outcome,
        colours=colours,
        title=session.tr("trends.moments.chart"),
        tooltip=[month, outcome, share, count, due],
    )
    three = session.tr("trends.moments.all_three_share")
    by_month = pd.DataFrame(
        {
            month: every["month"],
            three: share_over(every["all_three"], every["due"]),
            session.tr("trends.moments.all_three"): every["all_three"],
            session.tr("trends.moments.partial"): every["partial"],
            due: every["due"],
        }
    )
    by_month[outcome] = session.tr("trends.moments.all_three")
    three_chart = trend_charts.lines(
        nulls(by_month),
        x=month,
        y=three,
        series=outcome,
        colours={session.tr("trends.moments.all_three"): OUTCOME_COLOURS["all_three"]},
        title=session.tr("trends.moments.three_chart"),
        percent=True,
        tooltip=[month, three, session.tr("trends.moments.all_three"), due],
    )
    names = {c: session.tr(f"trends.moments.{c}") for c in ("due", "on_time", "late", "not_held")}
    names |= {
        "all_three": session.tr("trends.moments.all_three"),
        "partial": session.tr("trends.moments.partial"),
    }
    table = m.rename(columns={"month": month, "kind": kind, **names})
    table[kind] = [session.label("kind", k) for k in m["kind"]]
    groups = ov.moment_groups.rename(
        columns={
            "by": session.tr("trends.moments.by"),
            "group": session.tr("trends.moments.group"),
            **names,
        }
    )
    groups[session.tr("trends.moments.by")] = [
        session.tr(f"trends.{b}") for b in ov.moment_groups["by"]
    ]
    counts = list(names.values())
    return [
        Figure(
            "vaste-momenten",
            session.tr("trends.moments.chart"),
            shown(table, counts, ov.threshold),
            chart,
            gaps(long, share),
        ),  # fmt: skip
        Figure(
            "met-alle-drie",
            session.tr("trends.moments.three_chart"),
            shown(by_month.drop(columns=[outcome]), counts, ov.threshold),
            three_chart,
            gaps(by_month, three),
        ),  # fmt: skip
        Figure(
            "momenten-per-groep",
            session.tr("trends.moments.groups_title"),
            shown(groups, counts, ov.threshold),
            None,
            False,
        ),  # fmt: skip
    ]


# -- 2. direction and information ---------------------------------------------------------------


def direction(ov: Overview) -> list[Figure]:
    w = ov.weekly
    week, measure, share = (
        session.tr("trends.week"),
        session.tr("trends.direction.measure"),
        session.tr("trends.share"),
    )
    count, base = session.tr("trends.count"), session.tr("trends.base")
    parts = (
        ("direction", "with_direction", "active_students", "direction_share"),
        (
            "final_responsibility",
            "with_final_responsibility",
            "active_students",
            "final_responsibility_share",
        ),  # fmt: skip
        ("information", "informed", "placements", "information_share"),
    )
    long = pd.DataFrame(
        [
            {
                week: r["day"],
                measure: session.tr(f"trends.direction.{name}"),
                share: r[ratio],
                count: r[numerator],
                base: r[denominator],
            }
            for r in w.to_dict("records")
            for name, numerator, denominator, ratio in parts
        ],
        columns=[week, measure, share, count, base],
    )
    labels = [session.tr(f"trends.direction.{p[0]}") for p in parts]
    chart = trend_charts.lines(
        nulls(long),
        x=week,
        y=share,
        series=measure,
        colours=trend_charts.series_colours(labels),
        date_format=trend_charts.DAY,
        title=session.tr("trends.direction.chart"),
        percent=True,
        tooltip=[week, measure, share, count, base],
    )
    table = pd.DataFrame(
        {week: w["day"], session.tr("trends.direction.active_students"): w["active_students"]}
    )
    for name, numerator, _, ratio in parts:
        label = session.tr(f"trends.direction.{name}")
        table[label] = w[numerator]
        table[f"{label} ({share.lower()})"] = w[ratio]
    table.insert(len(table.columns) - 2, session.tr("trends.direction.placements"), w["placements"])
    counts = [
        session.tr("trends.direction.active_students"),
        session.tr("trends.direction.placements"),
        *labels,
    ]
    return [
        Figure(
            "regie-en-informatie",
            session.tr("trends.direction.chart"),
            shown(table, counts, ov.threshold),
            chart,
            gaps(long, share),
        )  # fmt: skip
    ]


# -- 4. contact -----------------------------------------------------------------------------------


def contact(ov: Overview) -> list[Figure]:
    c = ov.contacts
    month, series, per = (
        session.tr("trends.month"),
        session.tr("trends.contact.series"),
        session.tr("trends.contact.per_student"),
    )
    contacts, active = (
        session.tr("trends.contact.contacts"),
        session.tr("trends.direction.active_students"),
    )
    parts = (
        ("all", "contacts", "contacts_per_active_student"),
        ("fixed", "fixed_contacts", "fixed_per_active_student"),
        ("incidental", "incidental_contacts", "incidental_per_active_student"),
    )
    long = pd.DataFrame(
        [
            {
                month: r["month"],
                series: session.tr(f"trends.contact.{name}"),
                per: r[ratio],
                contacts: r[count],
                active: r["active_students"],
            }  # fmt: skip
            for r in c.to_dict("records")
            for name, count, ratio in parts
        ],
        columns=[month, series, per, contacts, active],
    )
    labels = [session.tr(f"trends.contact.{p[0]}") for p in parts]
    figures = [
        Figure(
            "contact-per-leerling",
            session.tr("trends.contact.chart"),
            shown(long, [contacts, active], ov.threshold),
            trend_charts.lines(
                nulls(long),
                x=month,
                y=per,
                series=series,
                colours=trend_charts.series_colours(labels),
                title=session.tr("trends.contact.chart"),
                percent=False,
                tooltip=[month, series, per, contacts, active],
            ),  # fmt: skip
            gaps(long, per),
        )
    ]
    split = ov.contact_split
    for by in ("kind", "channel", "initiator"):
        part = split[split["by"] == by]
        group = session.tr(f"trends.contact.by_{by}")
        names = [_group_label(by, g) for g in part["group"]]
        frame = pd.DataFrame(
            {
                month: part["month"],
                group: names,
                per: part["per_active_student"],
                contacts: part["contacts"],
            }  # fmt: skip
        )
        title = session.tr("trends.contact.split_chart", by=group)
        chart = trend_charts.lines(
            nulls(frame), x=month, y=per, series=group,
            colours=trend_charts.series_colours(sorted(set(names))), title=title,
            percent=False, tooltip=[month, group, per, contacts],
        )  # fmt: skip
        figures.append(
            Figure(
                f"contact-naar-{by}",
                title,
                shown(frame, [contacts], ov.threshold),
                chart,
                gaps(frame, per),
            )  # fmt: skip
        )
    f = ov.frequency
    share = session.tr("trends.contact.met_share")
    frame = pd.DataFrame(
        {
            month: f["month"],
            share: f["met_share"],
            session.tr("trends.contact.met"): f["met"],
            session.tr("trends.contact.not_met"): f["not_met"],
            session.tr("trends.contact.agreements"): f["agreements"],
        }
    )
    frame[series] = session.tr("trends.contact.met")
    chart = trend_charts.lines(
        nulls(frame), x=month, y=share, series=series,
        colours={session.tr("trends.contact.met"): OUTCOME_COLOURS["on_time"]},
        title=session.tr("trends.contact.frequency_chart"), percent=True,
        tooltip=[month, share, session.tr("trends.contact.met"), session.tr("trends.contact.agreements")],
    )  # fmt: skip
    counts = [
        session.tr("trends.contact.met"),
        session.tr("trends.contact.not_met"),
        session.tr("trends.contact.agreements"),
    ]
    figures.append(
        Figure(
            "contactfrequentie",
            session.tr("trends.contact.frequency_chart"),
            shown(frame.drop(columns=[series]), counts, ov.threshold),
            chart,
            gaps(frame, share),
        )  # fmt: skip
    )
    return figures


def _group_label(by: str, group: str) -> str:
    if by == "initiator":
        return session.tr(f"trends.contact.initiator.{group}")
    return session.label(by, group)
