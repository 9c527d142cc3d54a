"""consents.csv (docs/interchange.md): what the student agreed to share, and with whom."""

from dashboard.codes import AUDIENCES
from validation.core import Col, TableSpec

SPEC = TableSpec(
    name="consents",
    columns=(
        Col("student_id", "id", required=True, ref="student"),
        Col("audience", "code", required=True, codes=AUDIENCES),
        Col("shares", "bool", required=True),
        Col("decided_on", "date", required=True),
        Col("recorded_by", "id", required=True, ref="person"),
        Col("note", "text"),
    ),
    key=("student_id", "audience", "decided_on"),
)
SCHEMA = SPEC.schema
