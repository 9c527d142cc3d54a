"""students.csv (docs/interchange.md): one row per student, key student_id."""

from dashboard.codes import STATUSES
from validation.core import Col, Rule, TableSpec, as_code, present

NOT_ACTIVE = [s for s in STATUSES if s != "active"]

SPEC = TableSpec(
    name="students",
    columns=(
        Col("student_id", "id", required=True),
        Col("first_name", "text", required=True),
        Col("last_name", "text", required=True),
        Col("birth_date", "date", required=True),
        Col("programme", "text", required=True),
        Col("location", "text", required=True),
        Col("class_code", "text"),
        Col("enrolment_date", "date", required=True),
        Col("status", "code", required=True, codes=STATUSES),
        Col("status_date", "date"),
        Col("status_reason", "text"),
    ),
    key=("student_id",),
    rules=(
        Rule(
            "status_date_required",
            "status_date",
            lambda df: as_code(df["status"]).isin(NOT_ACTIVE) & ~present(df["status_date"]),
        ),
    ),
)
SCHEMA = SPEC.schema
