"""The student's rights under the AVG (GDPR): inzage, correction, and erasure or anonymisation.

Only admins exercise these, for a student who asks (or, for erasure, once the retention
period has passed). "About the student" means every row of every table with a `student_id`
column, found in the schema, so tables added later are covered; new tables that hold student
data must therefore carry that column. The audit trail is the exception: it is
append-only, keeps the student's id (a number, no name) and never holds personal values; so
is the store's change feed (`changes`: which student ids recent writes touched, pruned as it
grows).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from collections.abc import Callable

from dashboard import i18n, settings
from dashboard.bare_links import unlinked
from dashboard.codes import STATUSES, TABLES
from dashboard.errors import Invalid, NotFound
from dashboard.problem import Problem
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import Tx
from validation import plausible
from validation.characters import visible


def _without_family(column: str) -> str:
    """SQL (DuckDB and PostgreSQL alike): the list in `column` without the ids in $family,
    in order; NULL stays NULL."""
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE ARRAY(SELECT u.x FROM unnest({column}) "
        "AS u(x) WHERE u.x NOT IN (SELECT unnest($family))) END"
    )


MODES = ("erase", "anonymise")
# Values of these fields never go into the audit trail, which outlives an erasure.
PERSONAL_FIELDS = ("first_name", "last_name", "birth_date", "class_code", "status_reason")
CORRECTABLE = TABLES["students"][1:]
_REQUIRED = ("first_name", "last_name", "birth_date", "programme", "location", "enrolment_date")
_DATES = ("birth_date", "enrolment_date", "status_date")
# Columns holding person ids (shown as names in the inzage file), and those holding codes.
_PERSON_COLUMNS = (
    "person_id",
    "supervisor_id",
    "holder_id",
    "recorded_by",
    "initiated_by",
    "participants",
    "counterpart_ids",
)
_CODE_GROUPS = {
    ("students", "status"): "status",
    ("roles", "role"): "role",
    ("contacts", "kind"): "kind",
    ("contacts", "channel"): "channel",
    ("contacts", "reason"): "reason",
    ("contacts", "visibility"): "visibility",
    ("agreements", "topic"): "topic",
    ("consents", "audience"): "audience",
    ("checklists", "checklist"): "checklist",
    ("checklists", "party"): "party",
    ("checklist_answers", "score"): "score",
}
# Extra columns of the inzage file: a checklist answer with the wording it was given under.
_INZAGE_EXTRA = {
    "checklist_answers": (
        "wording",
        "(SELECT CASE WHEN $lang = 'en' THEN i.wording_en ELSE i.wording_nl END "
        "FROM checklist_items i WHERE i.item_id = t.item_id AND i.version = t.item_version)",
    ),
}
# Anonymising keeps what aggregates need (programme, location, dates, status, codes) and
# clears names and free text. Tables not listed here lose the student's rows altogether.
_ANONYMISE = {
    "students": "first_name = 'Anoniem', last_name = '', "
    "birth_date = CAST(date_trunc('year', birth_date) AS DATE), class_code = NULL, "
    "status_reason = NULL",
    "roles": "note = NULL",
    "placements": None,
    "contacts": f"summary = NULL, participants = {_without_family('participants')}, "
    "initiated_by = CASE WHEN initiated_by IN (SELECT unnest($family)) THEN NULL "
    "ELSE initiated_by END",
    "agreements": f"details = NULL, counterpart_ids = {_without_family('counterpart_ids')}",
    "consents": "note = NULL",
    "absences": None,
    "acknowledgements": "reason = '-'",
    "checklists": None,
    "checklist_answers": "note = NULL",
}
# Ids of a student's placements, contacts and agreements may embed the student number;
# anonymising gives them new ones, in every table that refers to them.
_OWN_IDS = (
    ("placements", "placement_id"),
    ("contacts", "contact_id"),
    ("agreements", "agreement_id"),
)


def _student_tables(tx: Tx) -> list[str]:
    """Every base table with a student_id column, bar the audit trail and the change feed;
    interchange ones first."""
    # DuckDB's catalogue, on the Tx's DuckDB cursor: the same on both backends.
    rows = tx.duckdb.execute(
        "SELECT c.table_name FROM duckdb_columns() c "
        "JOIN duckdb_tables() t USING (database_name, schema_name, table_name) "
        "WHERE c.column_name = 'student_id' AND c.database_name = current_database() "
        "AND c.schema_name = current_schema() AND c.table_name NOT IN ('audit', 'changes')"
    ).fetchall()
    names = {r[0] for r in rows}
    return [t for t in TABLES if t in names] + sorted(names - set(TABLES))


def _columns(tx: Tx, table: str) -> list[str]:
    return [r[0] for r in tx.duckdb.execute(f'DESCRIBE "{table}"').fetchall()]


def _student(tx: Tx, student_id: str) -> dict:
    row = tx.one("SELECT * FROM students WHERE student_id = $s", {"s": student_id})
    if row is None:
        raise NotFound(student_id)
    return row


# -- inzage ----------------------------------------------------------------------------------


def inzage_filename(student_id: str, today: dt.date) -> str:
    return f"inzage-{student_id}-{today.isoformat()}.md"


def inzage(store: Store, user: User, student_id: str, lang: str = "nl") -> bytes:
    """Everything stored about one student as a readable Markdown file (audited as an export).

    Person ids are shown with the person's name, codes with their names; the file ends with
    the audit trail about the student (who viewed, changed or exported what, and when).
    """
    access.ensure(user, "student_rights")
    with store.write(audit_only=True) as tx:
        _student(tx, student_id)
        names = {r["person_id"]: r["name"] for r in tx.rows("SELECT person_id, name FROM staff")}
        lines = [
            f"# {i18n.t('access.inzage.title', lang, student_id=_escape(student_id))}",
            "",
            i18n.t(
                "access.inzage.intro",
                lang,
                date=i18n.date_text(dt.date.today(), lang),
                actor=_escape(user.name),
            ),
        ]
        counts = {}
        for table in _student_tables(tx):
            columns = [c for c in _columns(tx, table) if c != "student_id"]
            select, params = "t.*", {"s": student_id}
            if table in _INZAGE_EXTRA:
                name, expression = _INZAGE_EXTRA[table]
                columns.append(name)
                select, params = f"t.*, {expression} AS {name}", {**params, "lang": lang}
            rows = tx.rows(
                f'SELECT {select} FROM "{table}" t WHERE student_id = $s '
                f"ORDER BY {', '.join(columns)}",
                params,
            )
            counts[table] = len(rows)
            lines += ["", f"## {_heading('table', table, lang)}", ""]
            lines += _markdown_table(
                columns, rows, functools.partial(_cell, table, names=names, lang=lang), lang
            )
        trail_columns = ["occurred_at", "actor", "action", "entity"]
        trail_rows = tx.rows(
            f"SELECT {', '.join(trail_columns)} FROM audit WHERE student_id = $s ORDER BY id",
            {"s": student_id},
        )
        lines += ["", f"## {i18n.t('access.inzage.audit', lang)}", ""]
        lines += _markdown_table(
            trail_columns, trail_rows, lambda c, v: _cell("audit", c, v, {}, lang), lang
        )
        audit.record(tx, audit.Inzage(user.actor, student_id, counts))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _heading(group: str, name: str, lang: str) -> str:
    key = f"access.inzage.{group}.{name}"
    text = i18n.t(key, lang)
    return name if text == key else text


def _markdown_table(
    columns: list[str], rows: list[dict], cell: Callable[[str, object], str], lang: str
) -> list[str]:
    if not rows:
        return [i18n.t("access.inzage.none", lang)]
    out = [
        "| " + " | ".join(_escape(_heading("column", c, lang)) for c in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        out.append("| " + " | ".join(_escape(cell(c, row[c])) for c in columns) + " |")
    return out


def _cell(table: str, column: str, value, names: dict[str, str], lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return i18n.t("access.inzage.yes" if value else "access.inzage.no", lang)
    if isinstance(value, list):
        return "; ".join(_cell(table, column, v, names, lang) for v in value)
    if column in _PERSON_COLUMNS and value in names:
        return f"{names[value]} ({value})"
    if (table, column) in _CODE_GROUPS:
        label = i18n.code_label(_CODE_GROUPS[table, column], value, lang)
        return value if label.startswith("codes.") else label  # an unknown code as it is
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


# Markdown and HTML that a viewer of the inzage file would render: every character that can
# start a construct is escaped with a backslash (CommonMark: any ASCII punctuation may be);
# `_` only at a word's edge (inside a word it never emphasises: `view_student` stays as is),
# and the colon of a scheme. Bare addresses, which GitHub-style viewers turn into links even
# when escaped, are broken by `unlinked`.
_MARKUP = re.compile(r"[\\`*\[\]<>|~!&#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|(?<=[A-Za-z]):")


def _escape(text: str) -> str:
    """A value as typed inside its Markdown table cell or line: no link, image, HTML, emphasis
    or heading can come out of it, and it stays on one line (its own cell)."""
    return _MARKUP.sub(lambda m: "\\" + m.group(0), unlinked(" ".join(str(text).splitlines())))


# -- correction ------------------------------------------------------------------------------


def correct(store: Store, user: User, student_id: str, changes: dict[str, str | None]) -> list[str]:
    """Correct fields of the student's own row; returns the changed fields (audited).

    Values come as text (a form or the command line): dates as YYYY-MM-DD, empty = none.
    Other records are corrected through the student file. The audit keeps old and new values,
    except of PERSONAL_FIELDS, of which it keeps only the field name.
    """
    access.ensure(user, "student_rights")
    problems: list[Problem] = []
    values: dict[str, str | dt.date | None] = {}
    for column, text in changes.items():
        text = (text or "").strip() or None
        if column not in CORRECTABLE:
            problems.append(Problem("access.rights.bad_field", {"field": column}))
        elif text is None and column in _REQUIRED + ("status",):
            problems.append(Problem("access.rights.required", {"field": column}))
        elif column in _DATES and text is not None:
            try:
                values[column] = day = dt.date.fromisoformat(text)
            except ValueError:
                problems.append(
                    Problem("access.rights.bad_date", {"field": column, "value": visible(text)})
                )
            else:
                if (problem := plausible.date_problem(column, day, dt.date.today())) is not None:
                    problems.append(problem)
        elif text is not None and (
            problem := plausible.text_problem(column, text, multiline=column == "status_reason")
        ):
            problems.append(problem)
        elif column == "status" and text not in STATUSES:
            problems.append(
                Problem(
                    "access.rights.bad_status", {"value": text, "statuses": ", ".join(STATUSES)}
                )
            )
        else:
            values[column] = text
    with store.write() as tx:
        tx.touch([student_id])
        old = _student(tx, student_id)
        new = {**old, **values}
        if not problems and new["status"] != "active" and new["status_date"] is None:
            problems.append(Problem("access.rights.status_date_required"))
        if problems:
            raise Invalid(problems)
        changed = [c for c in CORRECTABLE if c in values and values[c] != old[c]]
        if not changed:
            return []
        tx.execute(
            f"UPDATE students SET {', '.join(f'{c} = ${c}' for c in changed)} WHERE student_id = $s",
            {**{c: values[c] for c in changed}, "s": student_id},
        )
        public = [c for c in changed if c not in PERSONAL_FIELDS]
        audit.record(
            tx,
            audit.Correction(
                user.actor,
                student_id,
                tuple(changed),
                old={c: old[c] for c in public},
                new={c: values[c] for c in public},
            ),
        )
    return changed


# -- erasure and anonymisation ---------------------------------------------------------------


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def retention_problem(student: dict, retention_years: int, today: dt.date) -> Problem | None:
    """Why the student may not be erased yet, or None when they left long enough ago."""
    if student["status"] == "active":
        return Problem("access.rights.still_active")
    if student["status_date"] is None:
        return Problem("access.rights.no_leave_date")
    if student["status_date"] >= _add_years(today, -retention_years):
        first_day = _add_years(student["status_date"], retention_years) + dt.timedelta(days=1)
        return Problem(
            "access.rights.within_retention",
            {
                "left_on": student["status_date"],
                "years": retention_years,
                "from": first_day,
            },
        )
    return None


def erase_or_anonymise(
    store: Store, user: User, student_id: str, mode: str, today: dt.date | None = None
) -> dict[str, int]:
    """Erase every row about a student who left more than retention_years ago, or anonymise them.

    One transaction; returns the rows touched per table. Family members (`parent` roles and
    people of kind `family`) who are linked to no one else leave staff too. The audit event
    names the student's id and the counts, no personal data. Raises Invalid (writing nothing)
    for an unknown mode or a student still within the retention period.
    """
    access.ensure(user, "student_rights")
    if mode not in MODES:
        raise Invalid([Problem("access.rights.bad_mode", {"mode": mode})])
    today = today or dt.date.today()
    years = settings.current(store)["retention_years"]
    with store.write() as tx:
        # Store-wide: the student's rows leave or move to a new id, and family members may
        # leave staff (names other students' texts show).
        tx.touch_all()
        problem = retention_problem(_student(tx, student_id), years, today)
        if problem:
            raise Invalid([problem])
        family = tx.column(
            "SELECT DISTINCT r.person_id FROM roles r LEFT JOIN staff s USING (person_id) "
            "WHERE r.student_id = $s AND (r.role = 'parent' OR s.organisation_kind = 'family')",
            {"s": student_id},
        )
        if mode == "erase":
            counts = _erase(tx, student_id)
        else:
            counts = _anonymise(tx, student_id, family)
        counts["staff"] = _remove_unlinked(tx, family)
        audit.record(tx, audit.Erasure(user.actor, mode, student_id, counts, years))
    return counts


def _erase(tx: Tx, student_id: str) -> dict[str, int]:
    counts = {}
    for table in _student_tables(tx):
        counts[table] = tx.execute(
            f'DELETE FROM "{table}" WHERE student_id = $s', {"s": student_id}
        )
    return counts


def _anonymise(tx: Tx, student_id: str, family: list[str]) -> dict[str, int]:
    counts = {}
    tables = _student_tables(tx)
    new_id = _new_student_id(tx)
    params = {"s": student_id, "family": family}
    tx.execute(
        "DELETE FROM roles WHERE student_id = $s AND person_id IN (SELECT unnest($family))",
        params,
    )
    tx.execute(
        "DELETE FROM agreements WHERE student_id = $s AND holder_id IN (SELECT unnest($family))",
        params,
    )
    for table in tables:
        if table not in _ANONYMISE:
            counts[table] = tx.execute(
                f'DELETE FROM "{table}" WHERE student_id = $s', {"s": student_id}
            )
            continue
        clause = _ANONYMISE[table]
        if clause:
            used = params if "$family" in clause else {"s": student_id}
            tx.execute(f'UPDATE "{table}" SET {clause} WHERE student_id = $s', used)
    for owner, column in _OWN_IDS:
        old_ids = tx.column(
            f"SELECT {column} FROM {owner} WHERE student_id = $s ORDER BY 1", {"s": student_id}
        )
        for n, old in enumerate(old_ids, start=1):
            for table in tables:
                if table in _ANONYMISE and column in _columns(tx, table):
                    tx.execute(
                        f'UPDATE "{table}" SET {column} = $new WHERE student_id = $s AND {column} = $old',
                        {"new": f"{new_id}-{column[0].upper()}{n}", "s": student_id, "old": old},
                    )
    for table in tables:
        if table in _ANONYMISE:
            counts[table] = tx.execute(
                f'UPDATE "{table}" SET student_id = $new WHERE student_id = $s',
                {"new": new_id, "s": student_id},
            )
    return counts


def _new_student_id(tx: Tx) -> str:
    while True:
        candidate = "ANON-" + secrets.token_hex(4).upper()
        if tx.one("SELECT 1 FROM students WHERE student_id = $s", {"s": candidate}) is None:
            return candidate


def _remove_unlinked(tx: Tx, family: list[str]) -> int:
    """Remove the family members in `family` that no row refers to any more; their count."""
    if not family:
        return 0
    return tx.execute(
        "DELETE FROM staff WHERE person_id IN (SELECT unnest($family)) AND person_id NOT IN ("
        " SELECT person_id FROM roles"
        " UNION ALL SELECT supervisor_id FROM placements WHERE supervisor_id IS NOT NULL"
        " UNION ALL SELECT unnest(participants) FROM contacts"
        " UNION ALL SELECT initiated_by FROM contacts WHERE initiated_by IS NOT NULL"
        " UNION ALL SELECT holder_id FROM agreements"
        " UNION ALL SELECT unnest(counterpart_ids) FROM agreements WHERE counterpart_ids IS NOT NULL"
        " UNION ALL SELECT recorded_by FROM consents"
        " UNION ALL SELECT person_id FROM users WHERE person_id IS NOT NULL)",
        {"family": family},
    )


# -- finding students ------------------------------------------------------------------------


def find_students(
    store: Store, user: User, text: str, today: dt.date | None = None, limit: int = 50
) -> list[dict]:
    """Students whose id or name contains `text`, with whether they may be erased on `today`."""
    access.ensure(user, "student_rights")
    today = today or dt.date.today()
    years = settings.current(store)["retention_years"]
    pattern = f"%{(text or '').strip()}%"
    with store.read() as cur:
        rel = cur.execute(
            "SELECT student_id, first_name || ' ' || last_name AS name, programme, location, "
            "status, status_date FROM students WHERE student_id ILIKE $p "
            "OR (first_name || ' ' || last_name) ILIKE $p ORDER BY last_name, first_name, "
            f"student_id LIMIT {int(limit)}",
            {"p": pattern},
        )
        names = [d[0] for d in rel.description]
        rows = [dict(zip(names, r)) for r in rel.fetchall()]
    for row in rows:
        problem = retention_problem(row, years, today)
        row["erasable"] = problem is None
        row["why_not"] = problem
    return rows
