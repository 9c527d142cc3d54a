"""All interchange tables: `SPECS` maps each table, in export order, to its `TableSpec`
(columns, kinds, key, row rules); `SPECS[name].schema` is its pandera DataFrameSchema."""

from validation import (
    absences,
    agreements,
    consents,
    contacts,
    placements,
    roles,
    staff,
    students,
)
from validation.core import TableSpec

SPECS: dict[str, TableSpec] = {
    m.SPEC.name: m.SPEC
    for m in (students, staff, roles, placements, contacts, agreements, consents, absences)
}
