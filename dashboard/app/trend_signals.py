"""The figures of the trends page's section 3, signals over time (open signals each Monday per
severity and code, and how long signals stay open), and of the checklists' section (the share
of "ruimte voor verbetering" per item, per location and programme)."""

from __future__ import annotations

import pandas as pd

from dashboard.app import render, session, trend_charts
from dashboard.app.trend_charts import DAY, SEVERITY_COLOURS
from dashboard.app.trend_figure import Figure, gaps, nulls, shown
from dashboard.trends.overview import Overview


def signals(ov: Overview) -> list[Figure]:
    history = ov.signals
    week, severity = session.tr("trends.signals.week"), session.tr("trends.signals.severity")
    open_, signal = session.tr("trends.signals.open"), session.tr("trends.signals.signal")
    by_severity = pd.DataFrame(
        {
            week: history.open_by_severity["week"],
            severity: [session.label("severity", s) for s in history.open_by_severity["severity"]],
            open_: history.open_by_severity["open"],
        }
    )
    colours = {session.label("severity", s): c for s, c in SEVERITY_COLOURS.items()}
    per_code = pd.DataFrame(
        {
            week: history.open["week"],
            severity: [session.label("severity", s) for s in history.open["severity"]],
            signal: [render.signal_title(c) for c in history.open["code"]],
            open_: history.open["open"],
        }
    )
    d = history.duration
    ended, median = session.tr("trends.signals.ended"), session.tr("trends.signals.median_days")
    still = session.tr("trends.signals.still_open")
    duration = pd.DataFrame(
        {
            signal: [render.signal_title(c) for c in d["code"]],
            severity: [session.label("severity", s) for s in d["severity"]],
            median: d["median_days"],
            ended: d["ended"],
            still: d["still_open"],
        }
    )
    return [
        Figure(
            "signalen-per-week",
            session.tr("trends.signals.chart"),
            shown(by_severity, [open_], ov.threshold),
            trend_charts.lines(
                nulls(by_severity),
                x=week,
                y=open_,
                series=severity,
                colours=colours,
                title=session.tr("trends.signals.chart"),
                percent=False,
                tooltip=[week, severity, open_],
                date_format=DAY,
            ),
            gaps(by_severity, open_),
        ),
        Figure(
            "signalen-per-code",
            session.tr("trends.signals.per_code"),
            shown(per_code, [open_], ov.threshold),
            None,
            gaps(per_code, open_),
        ),
        Figure(
            "signalen-duur",
            session.tr("trends.signals.duration"),
            shown(duration, [ended, still], ov.threshold),
            trend_charts.bars(
                nulls(duration),
                x=signal,
                y=median,
                colour=severity,
                colours=colours,
                title=session.tr("trends.signals.duration"),
                percent=False,
                tooltip=[signal, severity, median, ended, still],
            ),
            gaps(duration, median),
        ),
    ]


def checklists(shares: pd.DataFrame, threshold: int) -> list[Figure]:
    """Per checklist item, location and programme: the share of students whose latest score
    in the last year was "ruimte voor verbetering" (small cells hidden by the service)."""
    item, location = session.tr("trends.checklists.item"), session.tr("trends.location")
    programme, share = session.tr("trends.programme"), session.tr("trends.checklists.share")
    scored, improve = (
        session.tr("trends.checklists.scored"),
        session.tr("trends.checklists.improve"),
    )
    group = session.tr("trends.checklists.group")
    table = pd.DataFrame(
        {
            item: shares["wording"],
            location: shares["location"],
            programme: shares["programme"],
            share: shares["share_improve"].where(shares["scored"].fillna(0) >= 10),
            improve: shares["improve"],
            scored: shares["scored"],
        }
    )
    chart_frame = table.assign(**{group: table[location] + " · " + table[programme]})
    chart = trend_charts.bars(
        nulls(chart_frame),
        x=item,
        y=share,
        colour=group,
        colours=trend_charts.series_colours(sorted(set(chart_frame[group]))),
        title=session.tr("trends.checklists.chart"),
        percent=True,
        tooltip=[item, group, share, improve, scored],
        side_by_side=True,
    )
    return [
        Figure(
            "checklists-verbetering",
            session.tr("trends.checklists.chart"),
            shown(table, [improve, scored], threshold),
            chart if len(table) else None,
            gaps(table, share),
        )
    ]
