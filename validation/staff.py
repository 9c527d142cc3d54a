"""staff.csv (docs/interchange.md): every person who guides a student, key person_id."""

from dashboard.codes import ORGANISATION_KINDS
from validation.core import Col, Rule, TableSpec, cells

SPEC = TableSpec(
    name="staff",
    columns=(
        Col("person_id", "id", required=True),
        Col("name", "text", required=True),
        Col("organisation", "text", required=True),
        Col("organisation_kind", "code", required=True, codes=ORGANISATION_KINDS),
        Col("email", "text"),
        Col("phone", "text"),
    ),
    key=("person_id",),
    # Person lists are ';'-separated, so an id holding ';' could never be referred to.
    rules=(
        Rule(
            "id_with_semicolon",
            "person_id",
            lambda df: cells(df["person_id"]).str.contains(";", regex=False),
        ),
    ),
)
SCHEMA = SPEC.schema
