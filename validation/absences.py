"""absences.csv (docs/interchange.md): optional, from the attendance register."""

from validation.core import Col, TableSpec

SPEC = TableSpec(
    name="absences",
    columns=(
        Col("student_id", "id", required=True, ref="student"),
        Col("date", "date", required=True),
        Col("hours", "posnumber", required=True),
        Col("excused", "bool", required=True),
    ),
    key=("student_id", "date"),
)
SCHEMA = SPEC.schema
