"""Validation: pandera schemas of the interchange tables (one module per table, all listed in
`validation.tables.SPECS`) and the student-file forms (`validation.forms`).

Kept import-free so that using the forms does not load pandas and pandera.
"""
