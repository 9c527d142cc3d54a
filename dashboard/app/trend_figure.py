"""One figure of the trends page: a translated table (hidden counts as "< 5"), its Altair
chart and its CSV; and the small steps from the Overview's frames to them (dashboard/app/
trend_moments.py and trend_outcomes.py build the sections' figures)."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from dashboard.trends import sheets


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
        chart = self.chart
        spec = chart.to_dict() if isinstance(chart, alt.TopLevelMixin) else chart
        return Figure(
            self.key,
            self.title,
            on_screen(self.table),
            spec,
            self.has_gaps,
            sheets.csv_bytes(self.table),
        )


def shown(frame: pd.DataFrame, counts: list[str], threshold: int) -> pd.DataFrame:
    """The table as people read it: hidden counts as "< N", shares as percentages."""
    out = frame.copy()
    hidden = f"< {threshold}"
    for column in out.columns:
        if column in counts:
            out[column] = [hidden if pd.isna(v) else int(v) for v in out[column]]
        elif pd.api.types.is_float_dtype(out[column]):
            out[column] = [None if pd.isna(v) else round(float(v), 3) for v in out[column]]
    return out


def nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """For a chart: NA as null (a gap), numbers as floats."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(
            out[column]
        ):
            out[column] = out[column].astype("Float64").astype(object).where(out[column].notna())
    return out


def gaps(frame: pd.DataFrame, column: str) -> bool:
    return bool(frame[column].isna().any())


def share_over(count: pd.Series, base: pd.Series) -> pd.Series:
    b = base.astype("Float64")
    return (count.astype("Float64") / b.mask(b < 10)).astype("Float64")


def on_screen(table: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing numbers and "< 5" as text (a grid column has one type)."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = ["" if v is None else str(v) for v in out[column]]
    return out
