"""Import and export of the interchange files (docs/interchange.md).

Import is all or nothing: every file is read and checked before anything is written, in one
write transaction. The steps, one module each:
- sources:    which file or workbook sheet holds which table
- staging:    each source read by DuckDB into clean_<table>, converting as it reads
- conversion: the SQL that turns text cells into stored values
- checks:     cells (pandera), duplicate keys, references (SQL)
- importer:   the all-or-nothing import and the dry-run check of uploads
- exporter:   every table as its interchange CSV, byte-stable
- results:    import counts, the check report, the refusal (problems: dashboard.problem)
"""

from dashboard.interchange.exporter import export_all, export_zip
from dashboard.interchange.importer import import_files, import_upload, validate_upload
from dashboard.interchange.results import MAX_SHOWN, ImportResult, TableCount, ValidationReport

__all__ = [
    "MAX_SHOWN",
    "ImportResult",
    "TableCount",
    "ValidationReport",
    "export_all",
    "export_zip",
    "import_files",
    "import_upload",
    "validate_upload",
]
