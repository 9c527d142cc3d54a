"""Altair charts of the trends page: pure functions from small frames (already translated by
the page: labels in the user's language, hidden figures as null) to charts.

One colour per severity and one per outcome, the same in every chart, keyed by code and
handed to the builders with the labels they show under. A null value leaves a gap (lines
break there, bars are missing); the page says so under the chart.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

# Signal severities (the section on signals over time uses these too).
SEVERITY_COLOURS = {"high": "#c0392b", "medium": "#e67e22", "low": "#2e6fd1"}
# Outcomes of a fixed moment, of a student's path, and of a share's parts.
OUTCOME_COLOURS = {
    "on_time": "#2e8b57",
    "late": "#f0ad4e",
    "not_held": "#c0392b",
    "all_three": "#2e8b57",
    "partial": "#f0ad4e",
    "enrolled": "#5b8fd9",
    "graduated": "#1b7837",
    "progressed": "#7fbc41",
    "employed": "#2e6fd1",
    "transferred": "#9970ab",
    "dropped_out": "#b2182b",
    "with": "#2e6fd1",
    "without": "#b0b0b0",
}
# Series that are not outcomes (measures, contact kinds): a fixed palette in order.
SERIES_PALETTE = ["#2e6fd1", "#e67e22", "#2e8b57", "#9970ab", "#8c564b", "#17becf", "#7f7f7f"]
WIDTH = "container"
MONTH = "%m-%Y"  # axis labels: numbers, the same in Dutch and English
DAY = "%d-%m-%Y"
HEIGHT = 240


def tooltips(frame: pd.DataFrame, columns: list[str]) -> list[alt.Tooltip]:
    """Tooltips with their types given (a column of only gaps has no type to infer)."""
    out = []
    for column in columns:
        values = [v for v in frame[column] if v is not None and not pd.isna(v)]
        first = values[0] if values else None
        if isinstance(first, (dt.date, pd.Timestamp)):
            out.append(alt.Tooltip(field=column, type="temporal", format="%d-%m-%Y"))
        elif isinstance(first, (int, float)) and not isinstance(first, bool):
            out.append(alt.Tooltip(field=column, type="quantitative", format=",.3~f"))
        else:
            out.append(alt.Tooltip(field=column, type="nominal"))
    return out


def scale(colours: dict[str, str]) -> alt.Scale:
    """A colour scale over the labels of `colours` (label -> colour), in that order."""
    return alt.Scale(domain=list(colours), range=list(colours.values()))


def series_colours(labels: list[str]) -> dict[str, str]:
    return {label: SERIES_PALETTE[i % len(SERIES_PALETTE)] for i, label in enumerate(labels)}


def lines(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    colours: dict[str, str],
    title: str,
    percent: bool,
    tooltip: list[str],
    temporal: bool = True,
    date_format: str = MONTH,
) -> alt.Chart:
    """One line per `series` over `x`; null values break the line."""
    x_type = "T" if temporal else "O"
    return (
        alt.Chart(frame, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                f"{x}:{x_type}",
                title=x,
                axis=alt.Axis(format=date_format) if temporal else alt.Axis(),
            ),
            y=alt.Y(f"{y}:Q", title=y, axis=alt.Axis(format=".0%" if percent else ",.2~f")),
            color=alt.Color(f"{series}:N", title=series, scale=scale(colours)),
            tooltip=tooltips(frame, tooltip),
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def stacked_shares(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    colour: str,
    colours: dict[str, str],
    title: str,
    tooltip: list[str],
) -> alt.Chart:
    """Bars of shares stacked per month `x` (a missing share leaves its part empty)."""
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:O", title=x, timeUnit="yearmonth", axis=alt.Axis(format=MONTH)),
            y=alt.Y(f"{y}:Q", title=y, axis=alt.Axis(format=".0%"), stack=True),
            color=alt.Color(f"{colour}:N", title=colour, scale=scale(colours)),
            order=alt.Order("order:Q"),
            tooltip=tooltips(frame, tooltip),
        )
        .properties(height=HEIGHT, width=WIDTH)
    )


def bars(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    colour: str,
    colours: dict[str, str],
    title: str,
    percent: bool,
    tooltip: list[str],
    side_by_side: bool = False,
) -> alt.Chart:
    """Horizontal bars of `y` per `x` (labels in the frame's order), coloured by `colour`;
    with `side_by_side` the colours of one label stand beside each other, not stacked."""
    chart = (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{x}:N", title=None, sort=None),
            x=alt.X(f"{y}:Q", title=y, axis=alt.Axis(format=".0%" if percent else ",d")),
            color=alt.Color(f"{colour}:N", title=colour, scale=scale(colours)),
            tooltip=tooltips(frame, tooltip),
        )
        .properties(width=WIDTH)
    )
    return chart.encode(yOffset=alt.YOffset(f"{colour}:N")) if side_by_side else chart
