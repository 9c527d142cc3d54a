"""The figures of the trends page's sections on where students go: 5 dropout and outflow, 6
dropout beside coordination."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.app import session, trend_charts
from dashboard.app.trend_charts import OUTCOME_COLOURS
from dashboard.app.trend_figure import Figure, gaps, nulls, shown
from dashboard.trends.overview import COORDINATION_FACTORS, DESTINATIONS, Overview

# -- 5. dropout and outflow -----------------------------------------------------------------------


def dropout(ov: Overview) -> list[Figure]:
    d = ov.dropout
    month, rate = session.tr("trends.month"), session.tr("trends.dropout.rate")
    students, dropouts = (
        session.tr("trends.dropout.students"),
        session.tr("trends.dropout.dropouts"),
    )
    monthly = pd.DataFrame(
        {
            month: d["month"],
            rate: d["dropout_rate"],
            dropouts: d["dropouts"],
            students: d["students"],
        }
    )
    monthly["_"] = rate
    figures = [
        Figure(
            "uitval-per-maand",
            session.tr("trends.dropout.chart"),
            shown(monthly.drop(columns=["_"]), [dropouts, students], ov.threshold),
            trend_charts.lines(
                nulls(monthly),
                x=month,
                y=rate,
                series="_",
                colours={rate: OUTCOME_COLOURS["dropped_out"]},
                title=session.tr("trends.dropout.chart"),
                percent=True,
                tooltip=[month, rate, dropouts, students],
            ),  # fmt: skip
            gaps(monthly, rate),
        )
    ]
    y = ov.school_years
    year, start = (
        session.tr("trends.dropout.school_year"),
        session.tr("trends.dropout.start_population"),
    )
    group = session.tr("trends.moments.group")
    for by in ("location", "programme"):
        part = y[y["by"].isin([by, "school"])]
        frame = pd.DataFrame(
            {
                year: [f"{v}-{v + 1}" for v in part["school_year"]],
                group: [g or session.tr("trends.dropout.whole_school") for g in part["group"]],
                rate: part["dropout_rate"],
                dropouts: part["dropouts"],
                start: part["start_population"],
            }
        )
        title = session.tr("trends.dropout.years_chart", by=session.tr(f"trends.{by}").lower())
        bar = frame.assign(_label=[f"{y} · {g}" for y, g in zip(frame[year], frame[group])])
        chart = trend_charts.bars(
            nulls(bar), x="_label", y=rate, colour=year,
            colours=trend_charts.series_colours(sorted(set(frame[year]))), title=title,
            percent=True, tooltip=[year, group, rate, dropouts, start],
        )  # fmt: skip
        figures.append(
            Figure(
                f"uitval-per-schooljaar-{by}",
                title,
                shown(frame, [dropouts, start], ov.threshold),
                chart,
                gaps(frame, rate),
            )  # fmt: skip
        )
    o = ov.destinations
    destination, count = session.tr("trends.dropout.destination"), session.tr("trends.count")
    frame = pd.DataFrame(
        {
            month: o["month"],
            destination: [session.label("status", s) for s in o["destination"]],
            count: o["students"],
        }
    )
    colours = {session.label("status", s): OUTCOME_COLOURS[s] for s in DESTINATIONS}
    chart = (
        alt.Chart(nulls(frame), title=session.tr("trends.dropout.destinations_chart"))
        .mark_bar()
        .encode(
            x=alt.X(
                f"{month}:O",
                timeUnit="yearmonth",
                title=month,
                axis=alt.Axis(format=trend_charts.MONTH),
            ),
            y=alt.Y(f"{count}:Q", title=count, stack=True),
            color=alt.Color(f"{destination}:N", scale=trend_charts.scale(colours)),
            tooltip=trend_charts.tooltips(frame, [month, destination, count]),
        )
        .properties(width=trend_charts.WIDTH, height=trend_charts.HEIGHT)
    )
    figures.append(
        Figure(
            "uitstroom",
            session.tr("trends.dropout.destinations_chart"),
            shown(frame, [count], ov.threshold),
            chart,
            gaps(frame, count),
        )  # fmt: skip
    )
    k = ov.cohorts
    cohort, after, share = (
        session.tr("trends.dropout.cohort"),
        session.tr("trends.dropout.months_after"),
        session.tr("trends.share"),
    )
    names = {c: session.tr(f"trends.dropout.{c}") for c in ("enrolled", "diploma", "left_without")}
    frame = pd.DataFrame(
        {
            cohort: [f"{v}-{v + 1}" for v in k["cohort"]],
            after: k["months"],
            share: k["share"],
            session.tr("trends.dropout.students"): k["students"],
            **{label: k[c] for c, label in names.items()},
        }
    )
    chart = (
        alt.Chart(nulls(frame), title=session.tr("trends.dropout.cohort_chart"))
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{after}:O", title=after),
            y=alt.Y(f"{share}:Q", title=share, axis=alt.Axis(format=".0%")),
            color=alt.Color(
                f"{cohort}:N",
                scale=trend_charts.scale(trend_charts.series_colours(sorted(set(frame[cohort])))),
            ),
            tooltip=trend_charts.tooltips(frame, list(frame.columns)),
        )
        .properties(width=trend_charts.WIDTH, height=trend_charts.HEIGHT)
    )
    counts = [session.tr("trends.dropout.students"), *names.values()]
    figures.append(
        Figure(
            "cohortcurve",
            session.tr("trends.dropout.cohort_chart"),
            shown(frame, counts, ov.threshold),
            chart,
            gaps(frame, share),
        )  # fmt: skip
    )
    return figures


# -- 6. dropout beside coordination -------------------------------------------------------------


def coordination(ov: Overview) -> list[Figure]:
    c = ov.coordination
    factor, group, rate = (
        session.tr("trends.coordination.factor"),
        session.tr("trends.coordination.group"),
        session.tr("trends.coordination.rate"),
    )
    names = {n: session.tr(f"trends.coordination.{n}") for n in ("students", "dropouts", "stayed")}
    order = {f: i for i, f in enumerate(COORDINATION_FACTORS)}
    c = c.assign(_order=c["factor"].map(order)).sort_values(["_order", "group"], kind="stable")
    frame = pd.DataFrame(
        {
            factor: [session.tr(f"trends.coordination.{f}") for f in c["factor"]],
            group: [_coordination_group(g) for g in c["group"]],
            rate: c["dropout_rate"],
            **{label: c[n] for n, label in names.items()},
        }
    )
    colours = {_coordination_group(g): OUTCOME_COLOURS[g] for g in ("with", "without")}
    for g in ("0", "1-2", "3-4", "5-6", "7+"):
        colours[g] = OUTCOME_COLOURS["with"]
    bar = frame.assign(_label=[f"{f}: {g}" for f, g in zip(frame[factor], frame[group])])
    chart = trend_charts.bars(
        nulls(bar), x="_label", y=rate, colour=group, colours=colours,
        title=session.tr("trends.coordination.chart"), percent=True,
        tooltip=[factor, group, rate, *names.values()],
    )  # fmt: skip
    return [
        Figure(
            "uitval-naast-afstemming",
            session.tr("trends.coordination.chart"),
            shown(frame, list(names.values()), ov.threshold),
            chart,
            gaps(frame, rate),
        )  # fmt: skip
    ]


def _coordination_group(group: str) -> str:
    return session.tr(f"trends.coordination.{group}") if group in ("with", "without") else group
