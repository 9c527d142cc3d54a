"""The sections of the trends page (pages/trends.py): from the Overview's frames to figures a
manager reads, each a translated table (hidden counts as "< 5"), an Altair chart and its CSV,
and all of them together as one workbook.

SECTIONS is the page's order. Section 3 (signals over time) is built elsewhere and joins the
list between direction and contact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.app import render, session, trend_charts
from dashboard.app.trend_charts import OUTCOME_COLOURS
from dashboard.trends import sheets
from dashboard.trends.overview import COORDINATION_FACTORS, DESTINATIONS, Overview


@dataclass(frozen=True)
class Figure:
    key: str  # file and sheet name
    title: str
    table: pd.DataFrame  # translated, hidden counts as "< N"
    chart: alt.TopLevelMixin | dict | None
    has_gaps: bool  # a figure behind the chart is hidden

    csv: bytes = b""  # the table as a download

    def built(self) -> Figure:
        """The figure with its chart as a validated Vega-Lite spec (about 100 ms a chart), its
        table as on screen and as CSV: the page caches built figures."""
        spec = self.chart.to_dict() if self.chart is not None else None
        return Figure(
            self.key,
            self.title,
            _on_screen(self.table),
            spec,
            self.has_gaps,
            sheets.csv_bytes(self.table),
        )


@dataclass(frozen=True)
class Section:
    key: str  # i18n group: trends.<key>.title / .caption
    figures: Callable[[Overview], list[Figure]]
    note: str | None = None  # an i18n key shown under the section's caption


def _shown(frame: pd.DataFrame, counts: list[str], threshold: int) -> pd.DataFrame:
    """The table as people read it: hidden counts as "< N", shares as percentages."""
    out = frame.copy()
    hidden = f"< {threshold}"
    for column in out.columns:
        if column in counts:
            out[column] = [hidden if pd.isna(v) else int(v) for v in out[column]]
        elif pd.api.types.is_float_dtype(out[column]):
            out[column] = [None if pd.isna(v) else round(float(v), 3) for v in out[column]]
    return out


def _nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """For a chart: NA as null (a gap), numbers as floats."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(
            out[column]
        ):
            out[column] = out[column].astype("Float64").astype(object).where(out[column].notna())
    return out


def _gaps(frame: pd.DataFrame, column: str) -> bool:
    return bool(frame[column].isna().any())


def _share(count: pd.Series, base: pd.Series) -> pd.Series:
    b = base.astype("Float64")
    return (count.astype("Float64") / b.mask(b < 10)).astype("Float64")


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
                share: _share(pd.Series([r[o]]), pd.Series([r["due"]]))[0],
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
        _nulls(long),
        x=month,
        y=share,
        colour=outcome,
        colours=colours,
        title=session.tr("trends.moments.chart"),
        tooltip=[month, outcome, share, count, due],
    )
    three = session.tr("trends.moments.all_three_share")
    held = every["due"].astype("Float64") - every["not_held"].astype("Float64")
    by_month = pd.DataFrame(
        {
            month: every["month"],
            three: _share(every["all_three"], held),
            session.tr("trends.moments.all_three"): every["all_three"],
            session.tr("trends.moments.partial"): every["partial"],
            due: every["due"],
        }
    )
    by_month[outcome] = session.tr("trends.moments.all_three")
    three_chart = trend_charts.lines(
        _nulls(by_month),
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
            _shown(table, counts, ov.threshold),
            chart,
            _gaps(long, share),
        ),  # fmt: skip
        Figure(
            "met-alle-drie",
            session.tr("trends.moments.three_chart"),
            _shown(by_month.drop(columns=[outcome]), counts, ov.threshold),
            three_chart,
            _gaps(by_month, three),
        ),  # fmt: skip
        Figure(
            "momenten-per-groep",
            session.tr("trends.moments.groups_title"),
            _shown(groups, counts, ov.threshold),
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
        _nulls(long),
        x=week,
        y=share,
        series=measure,
        colours=trend_charts.series_colours(labels),
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
            _shown(table, counts, ov.threshold),
            chart,
            _gaps(long, share),
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
            _shown(long, [contacts, active], ov.threshold),
            trend_charts.lines(
                _nulls(long),
                x=month,
                y=per,
                series=series,
                colours=trend_charts.series_colours(labels),
                title=session.tr("trends.contact.chart"),
                percent=False,
                tooltip=[month, series, per, contacts, active],
            ),  # fmt: skip
            _gaps(long, per),
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
            _nulls(frame), x=month, y=per, series=group,
            colours=trend_charts.series_colours(sorted(set(names))), title=title,
            percent=False, tooltip=[month, group, per, contacts],
        )  # fmt: skip
        figures.append(
            Figure(
                f"contact-naar-{by}",
                title,
                _shown(frame, [contacts], ov.threshold),
                chart,
                _gaps(frame, per),
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
        _nulls(frame), x=month, y=share, series=series,
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
            _shown(frame.drop(columns=[series]), counts, ov.threshold),
            chart,
            _gaps(frame, share),
        )  # fmt: skip
    )
    return figures


def _group_label(by: str, group: str) -> str:
    if by == "initiator":
        return session.tr(f"trends.contact.initiator.{group}")
    return session.label(by, group)


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
            _shown(monthly.drop(columns=["_"]), [dropouts, students], ov.threshold),
            trend_charts.lines(
                _nulls(monthly),
                x=month,
                y=rate,
                series="_",
                colours={rate: OUTCOME_COLOURS["dropped_out"]},
                title=session.tr("trends.dropout.chart"),
                percent=True,
                tooltip=[month, rate, dropouts, students],
            ),  # fmt: skip
            _gaps(monthly, rate),
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
            _nulls(bar), x="_label", y=rate, colour=year,
            colours=trend_charts.series_colours(sorted(set(frame[year]))), title=title,
            percent=True, tooltip=[year, group, rate, dropouts, start],
        )  # fmt: skip
        figures.append(
            Figure(
                f"uitval-per-schooljaar-{by}",
                title,
                _shown(frame, [dropouts, start], ov.threshold),
                chart,
                _gaps(frame, rate),
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
        alt.Chart(_nulls(frame), title=session.tr("trends.dropout.destinations_chart"))
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
            _shown(frame, [count], ov.threshold),
            chart,
            _gaps(frame, count),
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
        alt.Chart(_nulls(frame), title=session.tr("trends.dropout.cohort_chart"))
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
            _shown(frame, counts, ov.threshold),
            chart,
            _gaps(frame, share),
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
        _nulls(bar), x="_label", y=rate, colour=group, colours=colours,
        title=session.tr("trends.coordination.chart"), percent=True,
        tooltip=[factor, group, rate, *names.values()],
    )  # fmt: skip
    return [
        Figure(
            "uitval-naast-afstemming",
            session.tr("trends.coordination.chart"),
            _shown(frame, list(names.values()), ov.threshold),
            chart,
            _gaps(frame, rate),
        )  # fmt: skip
    ]


def _coordination_group(group: str) -> str:
    return session.tr(f"trends.coordination.{group}") if group in ("with", "without") else group


SECTIONS = (
    Section("moments", moments),
    Section("direction", direction),
    # Section 3, signals over time, joins here.
    Section("contact", contact),
    Section("dropout", dropout),
    Section("coordination", coordination, note="coordination.causes"),
)


@dataclass(frozen=True)
class Page:
    """What the page shows after its filters, built once (pages/trends.py caches it)."""

    as_of: object  # the last day counted
    threshold: int
    sections: list[tuple[Section, list[Figure]]]
    workbook: bytes  # every figure's table, a sheet each


def build(ov: Overview) -> Page:
    """Every section with its built figures, in the user's language, and the workbook."""
    raw = [(section, section.figures(ov)) for section in SECTIONS]
    workbook = sheets.workbook_bytes({f.title: f.table for _, figures in raw for f in figures})
    built = [(section, [f.built() for f in figures]) for section, figures in raw]
    return Page(ov.as_of, ov.threshold, built, workbook)


def render_sections(built: list[tuple[Section, list[Figure]]]) -> None:
    for section, figures in built:
        st.subheader(session.tr(f"trends.{section.key}.title"))
        st.caption(session.tr(f"trends.{section.key}.caption"))
        if section.note:
            st.info(session.tr(f"trends.{section.note}"))
        for figure in figures:
            render_figure(figure)


def render_figure(figure: Figure) -> None:
    if figure.chart is not None:
        st.vega_lite_chart(figure.chart, width="stretch")
        if figure.has_gaps:
            st.caption(session.tr("trends.gaps"))
    else:
        st.markdown(f"**{render.plain(figure.title)}**")
    with st.expander(figure.title):
        st.dataframe(figure.table, hide_index=True)
        st.download_button(
            session.tr("trends.download_csv"),
            lambda data=figure.csv: data,  # handed over on a click, not sent on every run
            file_name=f"trends-{figure.key}.csv",
            mime="text/csv",
            on_click="ignore",
            key=f"trends_csv_{figure.key}",
        )


def _on_screen(table: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing numbers and "< 5" as text (a grid column has one type)."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = ["" if v is None else str(v) for v in out[column]]
    return out


def workbook_button(workbook: bytes) -> None:
    st.download_button(
        session.tr("trends.download_xlsx"),
        lambda: workbook,  # handed over on a click, not sent on every run
        file_name="trends.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key="trends_xlsx",
        type="primary",
    )
