"""Every row of every table of a store (the audit trail included), on either backend: tests
compare a dump before and after a refused write, which must change nothing."""

from __future__ import annotations


def dump(store) -> dict[str, list]:
    with store.read() as cur:
        # The store's own tables: over an attached PostgreSQL database information_schema
        # would also list PostgreSQL's catalog views.
        tables = [
            r[0]
            for r in cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                " AND schema_name = current_schema()"
            ).fetchall()
        ]
        return {t: cur.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
