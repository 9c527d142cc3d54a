"""contacts.csv (docs/interchange.md): every contact moment, fixed or incidental."""

from dashboard.codes import CHANNELS, CONTACT_KINDS, FIXED_KINDS, REASONS, VISIBILITIES
from validation.core import Col, Rule, TableSpec, as_code, present

SPEC = TableSpec(
    name="contacts",
    columns=(
        Col("contact_id", "id", required=True),
        Col("student_id", "id", required=True, ref="student"),
        Col("placement_id", "id", ref="placement"),
        Col("date", "date", required=True),
        Col("kind", "code", required=True, codes=CONTACT_KINDS),
        Col("channel", "code", required=True, codes=CHANNELS),
        Col("participants", "ids", required=True, ref="person"),
        Col("student_present", "bool", required=True),
        Col("initiated_by", "id", ref="person_or_student"),
        Col("reason", "code", codes=REASONS),
        Col("summary", "text"),
        Col("visibility", "code", codes=VISIBILITIES),
    ),
    key=("contact_id",),
    rules=(
        Rule(
            "placement_required",
            "placement_id",
            lambda df: as_code(df["kind"]).isin(list(FIXED_KINDS)) & ~present(df["placement_id"]),
        ),
        Rule(
            "reason_required",
            "reason",
            lambda df: (as_code(df["kind"]) == "incidental") & ~present(df["reason"]),
        ),
    ),
)
SCHEMA = SPEC.schema
