"""placements.csv (docs/interchange.md): BPV / internship periods, key placement_id."""

from validation.core import Col, Rule, TableSpec, as_date


def _ended_early_outside(df):
    early, start, end = (as_date(df[c]) for c in ("ended_early_on", "start_date", "end_date"))
    return (early < start) | (early >= end)


SPEC = TableSpec(
    name="placements",
    columns=(
        Col("placement_id", "id", required=True),
        Col("student_id", "id", required=True, ref="student"),
        Col("company", "text", required=True),
        Col("supervisor_id", "id", ref="person"),
        Col("start_date", "date", required=True),
        Col("end_date", "date", required=True),
        Col("ended_early_on", "date"),
    ),
    key=("placement_id",),
    rules=(
        Rule(
            "end_before_start",
            "end_date",
            lambda df: as_date(df["end_date"]) < as_date(df["start_date"]),
        ),
        Rule("ended_early_outside", "ended_early_on", _ended_early_outside),
    ),
)
SCHEMA = SPEC.schema
