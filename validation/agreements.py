"""agreements.csv (docs/interchange.md): afspraken between guides, key agreement_id."""

from dashboard.codes import TOPICS
from validation.core import Col, Rule, TableSpec, as_code, as_date, present

SPEC = TableSpec(
    name="agreements",
    columns=(
        Col("agreement_id", "id", required=True),
        Col("student_id", "id", required=True, ref="student"),
        Col("placement_id", "id", ref="placement"),
        Col("topic", "code", required=True, codes=TOPICS),
        Col("holder_id", "id", required=True, ref="person"),
        Col("counterpart_ids", "ids", ref="person"),
        Col("details", "text"),
        Col("frequency_days", "posint"),
        Col("discussed_with_student", "bool", required=True),
        Col("agreed_on", "date", required=True),
        Col("review_on", "date"),
        Col("ended_on", "date"),
    ),
    key=("agreement_id",),
    rules=(
        Rule(
            "frequency_required",
            "frequency_days",
            lambda df: (
                (as_code(df["topic"]) == "contact_frequency") & ~present(df["frequency_days"])
            ),
        ),
        Rule(
            "ended_before_agreed",
            "ended_on",
            lambda df: as_date(df["ended_on"]) < as_date(df["agreed_on"]),
        ),
    ),
)
SCHEMA = SPEC.schema
