"""roles.csv (docs/interchange.md): who does what for which student (betrokkenheid)."""

from dashboard.codes import ROLES
from validation.core import Col, Rule, TableSpec, as_date

SPEC = TableSpec(
    name="roles",
    columns=(
        Col("student_id", "id", required=True, ref="student"),
        Col("person_id", "id", required=True, ref="person"),
        Col("role", "code", required=True, codes=ROLES),
        Col("start_date", "date", required=True),
        Col("end_date", "date"),
        Col("note", "text"),
    ),
    key=("student_id", "person_id", "role", "start_date"),
    rules=(
        Rule(
            "end_before_start",
            "end_date",
            lambda df: as_date(df["end_date"]) < as_date(df["start_date"]),
        ),
    ),
)
SCHEMA = SPEC.schema
