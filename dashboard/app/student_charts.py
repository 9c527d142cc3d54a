"""Altair pictures of one student's file: the network around the student and the contact timeline.

Pure functions from small frames (already translated by the page) to charts, so they can be
tested without Streamlit. Colours are fixed per organisation kind and per contact kind so the
same thing looks the same everywhere.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

KIND_COLOURS = {
    "school": "#1f77b4",
    "workplace": "#e377c2",
    "care": "#2ca02c",
    "external": "#ff7f0e",
    "family": "#8c564b",
}
MOMENT_COLOURS = {"start": "#1f77b4", "mid": "#9467bd", "final": "#2ca02c", "incidental": "#7f7f7f"}
ROW_HEIGHT = 78
LANE_HEIGHT = 34  # pixels per lane of the contact timeline
DATE_AXIS = alt.Axis(format="%d-%m-%y", title=None, labelOverlap=True)
COLUMN_WIDTH = 170


def network_layout(people: pd.DataFrame, kinds: list[str]) -> pd.DataFrame:
    """Positions for `people` (person_id, name, roles, kind, kind_label, holds_direction):
    one row per organisation kind (in `kinds` order, empty kinds left out), people side by
    side in it, the student at x = 0 in the middle."""
    rows = []
    shown = [k for k in kinds if (people["kind"] == k).any()]
    for y, kind in enumerate(shown):
        group = people[people["kind"] == kind].reset_index(drop=True)
        for x, person in group.iterrows():
            rows.append({**person.to_dict(), "x": x + 1, "y": y})
    return pd.DataFrame(rows)


def network_chart(people: pd.DataFrame, kinds: list[str], student_name: str) -> alt.LayerChart:
    """The student on the left; one branch per organisation kind with its people on it.

    Drawn as a tree (student -> trunk -> one horizontal branch per kind) so that no line
    crosses a name; the direction holder gets a larger dot with a dark ring.
    """
    laid = network_layout(people, kinds)
    n_rows = int(laid["y"].max()) + 1 if len(laid) else 1
    n_cols = int(laid["x"].max()) if len(laid) else 1
    mid = (n_rows - 1) / 2
    x_scale = alt.Scale(domain=[-0.5, n_cols + 0.5], nice=False)
    y_scale = alt.Scale(domain=[n_rows - 0.45, -0.75], nice=False)

    def xy(chart: alt.Chart, x: str = "x", y: str = "y") -> alt.Chart:
        return chart.encode(
            x=alt.X(f"{x}:Q", scale=x_scale, axis=None), y=alt.Y(f"{y}:Q", scale=y_scale, axis=None)
        )

    colour = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=list(KIND_COLOURS), range=list(KIND_COLOURS.values())),
        legend=None,
    )
    rows = laid.groupby(["y", "kind", "kind_label"], as_index=False)["x"].max()
    trunk = pd.DataFrame(
        [
            {"x": 0, "y": mid, "x2": 0.5, "y2": mid},
            {"x": 0.5, "y": 0, "x2": 0.5, "y2": n_rows - 1},
        ]
    )
    lines = xy(alt.Chart(trunk).mark_rule(color="#999", strokeWidth=2)).encode(x2="x2:Q", y2="y2:Q")
    branches = (
        xy(alt.Chart(rows).mark_rule(strokeWidth=2, opacity=0.6), x="x0")
        .encode(x2="x:Q", y2="y:Q", color=colour)
        .transform_calculate(x0="0.5")
    )
    group_labels = (
        xy(
            alt.Chart(rows).mark_text(
                align="left", dx=4, dy=-9, fontSize=11, fontStyle="italic", color="#444"
            ),
            x="x0",
        )
        .encode(text="kind_label:N")
        .transform_calculate(x0="0.5")
    )
    dots = xy(alt.Chart(laid).mark_circle(opacity=1)).encode(
        color=colour,
        size=alt.condition("datum.holds_direction", alt.value(520), alt.value(220)),
        stroke=alt.condition("datum.holds_direction", alt.value("#111"), alt.value("white")),
        strokeWidth=alt.value(2),
        tooltip=[
            alt.Tooltip("name:N", title=""),
            alt.Tooltip("roles:N", title=""),
            alt.Tooltip("organisation:N", title=""),
        ],
    )
    names = xy(alt.Chart(laid).mark_text(dy=19, fontWeight="bold", fontSize=12)).encode(
        text="name:N"
    )
    roles = xy(alt.Chart(laid).mark_text(dy=33, fontSize=11, color="#555")).encode(text="roles:N")
    centre = pd.DataFrame([{"x": 0, "y": mid, "name": student_name}])
    student = xy(alt.Chart(centre).mark_circle(size=900, color="#222", opacity=1))
    student_label = xy(alt.Chart(centre).mark_text(dy=30, fontWeight="bold", fontSize=13)).encode(
        text="name:N"
    )
    return (
        alt.layer(lines, branches, group_labels, dots, names, roles, student, student_label)
        .properties(width=COLUMN_WIDTH * (n_cols + 1), height=ROW_HEIGHT * n_rows + 30)
        .configure_view(stroke=None)
    )


def timeline_chart(
    contacts: pd.DataFrame,
    planned: pd.DataFrame,
    periods: pd.DataFrame,
    today: dt.date,
    lanes: list[str],
    today_label: str,
) -> alt.LayerChart:
    """Contacts as dots on one lane per kind, coloured by kind, shaped by channel; planned
    fixed moments as open rings; placement periods as bars on their own lane; a line today.

    contacts: date, lane, kind, channel_label, reason_label, who, summary
    planned:  date, lane, kind, label        periods: start, end, lane, label
    """
    y = alt.Y("lane:N", sort=lanes, title=None, axis=alt.Axis(labelLimit=220))
    layers = []
    if len(periods):
        layers.append(
            alt.Chart(periods)
            .mark_bar(height=14, cornerRadius=3, color="#d9d9d9")
            .encode(
                x=alt.X("start:T", axis=DATE_AXIS),
                x2="end:T",
                y=y,
                tooltip=[alt.Tooltip("label:N", title="")],
            )
        )
    colour = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=list(MOMENT_COLOURS), range=list(MOMENT_COLOURS.values())),
        legend=None,
    )
    if len(planned):
        layers.append(
            alt.Chart(planned)
            .mark_point(size=160, filled=False, strokeWidth=2, opacity=0.8)
            .encode(
                x=alt.X("date:T", axis=DATE_AXIS),
                y=y,
                color=colour,
                tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("date:T", title="")],
            )
        )
    if len(contacts):
        layers.append(
            alt.Chart(contacts)
            .mark_point(size=110, filled=True, opacity=0.9)
            .encode(
                x=alt.X("date:T", axis=DATE_AXIS),
                y=y,
                color=colour,
                shape=alt.Shape("channel_label:N", legend=alt.Legend(title=None, orient="bottom")),
                tooltip=[
                    alt.Tooltip("date:T", title=""),
                    alt.Tooltip("lane:N", title=""),
                    alt.Tooltip("channel_label:N", title=""),
                    alt.Tooltip("reason_label:N", title=""),
                    alt.Tooltip("who:N", title=""),
                ],
            )
        )
    marker = pd.DataFrame([{"date": today, "label": today_label}])
    layers.append(
        alt.Chart(marker)
        .mark_rule(color="#d62728", strokeDash=[4, 3])
        .encode(x=alt.X("date:T", axis=DATE_AXIS), tooltip=[alt.Tooltip("label:N", title="")])
    )
    return alt.LayerChart(layer=layers).properties(height=alt.Step(LANE_HEIGHT))
