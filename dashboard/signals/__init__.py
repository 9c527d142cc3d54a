"""Signals (flags) of docs/flags.md: what the guides should have arranged and have not.

The rules are one set-based DuckDB query (queries/signals.sql) evaluated for a day T with the
thresholds of the settings; this module runs it, adds texts from i18n (`describe`), prints the
command-line report (`flags_report`) and records acknowledgements ("bewust afgeweken tot ...").
Signals are never stored: only acknowledgements are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pandas as pd

from dashboard import i18n, settings
from dashboard.errors import Invalid
from dashboard.problem import Problem
from dashboard.security import access, audit
from dashboard.store import Store, load_query

SEVERITY_ORDER = ("high", "medium", "low")

# code -> severity, in the order of docs/flags.md.
CODES: dict[str, str] = {
    "START_MISSING": "high",
    "MID_OVERDUE": "medium",
    "FINAL_OVERDUE": "medium",
    "MOMENT_INCOMPLETE": "low",
    "NO_RECENT_CONTACT": "medium",
    "FREQUENCY_NOT_MET": "medium",
    "NO_MENTOR": "high",
    "NO_SUPERVISOR": "high",
    "MANY_GUIDES": "low",
    "EXTERNAL_WITHOUT_CARE_LEAD": "medium",
    "NO_DIRECTION": "high",
    "DIRECTION_HOLDER_GONE": "high",
    "NO_FINAL_RESPONSIBILITY": "medium",
    "DIRECTION_NOT_DISCUSSED": "low",
    "REVIEW_OVERDUE": "low",
    "NO_INFORMATION_AGREEMENT": "high",
    "NO_CONSENT_RECORD": "medium",
    "STOP_NOT_COMMUNICATED": "high",
    "ABSENCE_NO_FOLLOW_UP": "medium",
    "NO_PEDAGOGY_AGREEMENT": "low",
}

COLUMNS = (
    "code",
    "severity",
    "student_id",
    "placement_id",
    "since",
    "acknowledged",
    "ack_reason",
    "ack_until",
    "ack_by",
    "person_id",
)
REPORT_COLUMNS = ("code", "severity", "student_id", "placement_id", "since", "acknowledged")

# The query's two switches (fixed SQL fragments, never values): `/*scope*/` filters the base
# tables to $student_ids; `/*scoped*/` materializes the scoped contacts, which pays off only
# when they are few (a caseload) and would copy the largest table otherwise.
_SWITCHES = {
    False: {"/*scope*/": "true", "/*scoped*/": "NOT MATERIALIZED"},
    True: {
        "/*scope*/": "student_id IN (SELECT unnest($student_ids::VARCHAR[]))",
        "/*scoped*/": "MATERIALIZED",
    },
}


def _signal_query(restricted: bool) -> str:
    sql = re.sub(r"--[^\n]*", "", load_query("signals"))  # comments name parameters too
    for mark, fragment in _SWITCHES[restricted].items():
        sql = sql.replace(mark, fragment)
    return sql


def evaluate(store: Store, as_of: dt.date, student_ids: list[str] | None = None) -> pd.DataFrame:
    """Every signal on day `as_of`, one row per (code, student, placement).

    Columns: code, severity, student_id, placement_id (None when none), since (date),
    acknowledged (bool), ack_reason, ack_until, ack_by (set only while acknowledged), and
    person_id: the agreement holder the signal is about (FREQUENCY_NOT_MET,
    DIRECTION_HOLDER_GONE, DIRECTION_NOT_DISCUSSED, REVIEW_OVERDUE), else None.
    Sorted by severity (high, medium, low), since, student_id, then code (in CODES order)
    and placement_id.

    With `student_ids` only those students are evaluated (the filter runs before the rules),
    which keeps a caseload of a few hundred students fast. This is a computation over the
    whole store: callers that show it to a user restrict `student_ids` to the user's scope.
    """
    restricted = student_ids is not None
    sql = _signal_query(restricted)
    values = {
        **settings.current(store),
        "as_of": as_of,
        "codes": list(CODES),
        "severities": list(CODES.values()),
        "ranks": [SEVERITY_ORDER.index(s) for s in CODES.values()],
        "student_ids": list(student_ids or []),
    }
    params = {name: values[name] for name in set(re.findall(r"\$(\w+)", sql))}
    with store.read() as cur:
        table = cur.execute(sql, params).to_arrow_table()
    # Arrow gives dates as datetime.date and keeps NULL apart from strings; missing optional
    # text becomes None (not NaN) so callers can test `row.placement_id or ""`.
    df = table.to_pandas(date_as_object=True)
    for column in ("placement_id", "ack_reason", "ack_by", "person_id"):
        texts = df[column].astype(object)
        df[column] = texts.where(texts.notna(), None)
    df = df[list(COLUMNS)]
    df.attrs["as_of"] = as_of  # describe() names the people of that day
    return df


def open_signals(df: pd.DataFrame) -> pd.DataFrame:
    """The signals of an evaluate() frame that are not acknowledged."""
    return df[~df["acknowledged"]]


# -- Command-line report ---------------------------------------------------------------------


def flags_report(store: Store, as_of: dt.date, fmt: str = "csv") -> str:
    """The output of `regiebord flags` (docs/flags.md): columns code, severity, student_id,
    placement_id, since, acknowledged, sorted by student_id, code, placement_id.

    Values are the same in both formats: acknowledged `yes`/`no`, since ISO, placement_id the
    empty string when the signal has no placement. CSV has a header row and `\\n` line ends;
    JSON is a list of objects with those keys and those string values (so "" rather than
    null for no placement: one reading of "the same as a list of objects").
    """
    if fmt not in ("csv", "json"):
        raise Invalid([Problem("cli.unknown_format", {"format": fmt})])
    df = evaluate(store, as_of)
    rows = [
        {
            "code": r.code,
            "severity": r.severity,
            "student_id": r.student_id,
            "placement_id": r.placement_id or "",
            "since": r.since.isoformat(),
            "acknowledged": "yes" if r.acknowledged else "no",
        }
        for r in df.itertuples(index=False)
    ]
    rows.sort(key=lambda r: (r["student_id"], r["code"], r["placement_id"]))
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# -- Acknowledgement -------------------------------------------------------------------------


def acknowledge(
    store: Store,
    user: access.User,
    code: str,
    student_id: str,
    placement_id: str | None,
    since: dt.date,
    reason: str,
    until: dt.date,
    *,
    today: dt.date | None = None,
) -> None:
    """Mark a signal as a deliberate exception until `until` ("bewust afgeweken tot ...").

    It stays acknowledged on every day up to and including `until` while its since stays the
    same; a later acknowledgement of the same signal replaces an earlier one. The user must
    be allowed to acknowledge and to see the student (else NotAllowed / NotFound).
    `today` is the day the check `until >= today` uses (default: the real today).
    """
    access.ensure(user, "acknowledge")
    today = today or dt.date.today()
    reason = (reason or "").strip()
    problems = []
    if code not in CODES:
        problems.append(Problem("signals.ack.unknown_code", {"code": code}))
    if not reason:
        problems.append(Problem("signals.ack.reason_required"))
    if until is None or until < today:
        problems.append(Problem("signals.ack.until_past", {"until": until, "today": today}))
    if since is None:
        problems.append(Problem("signals.ack.since_required"))
    if problems:
        raise Invalid(problems, Problem("errors.invalid"))
    row = {
        "code": code,
        "student_id": student_id,
        "placement_id": placement_id or "",
        "since": since,
        "reason": reason,
        "until": until,
        "acknowledged_by": user.username,
        "acknowledged_at": dt.datetime.now(),
    }
    with store.write() as cur:
        access.require_student(cur, user, student_id, today)
        cur.execute(
            f"INSERT INTO acknowledgements ({', '.join(row)}) "
            f"VALUES ({', '.join('$' + k for k in row)})",
            row,
        )
        audit.record(
            cur,
            audit.Event(
                actor=user.actor,
                action="write",
                entity="acknowledgements",
                entity_key=f"{code}/{student_id}/{row['placement_id']}/{since.isoformat()}",
                student_id=student_id,
                new_value=row,
            ),
        )


# -- Texts -----------------------------------------------------------------------------------


def describe(
    store: Store, df: pd.DataFrame, lang: str = i18n.DEFAULT_LANGUAGE, as_of: dt.date | None = None
) -> pd.DataFrame:
    """`df` (from evaluate) with columns `explanation` and `next_step` in `lang`.

    The texts name the people who should act: the student's mentor, the placement's company
    and supervisor, the care coordinator, the direction holder, the agreement holder — all
    looked up in a few set-based queries for the students in `df`, as on `as_of` (default:
    the day `df` was evaluated for). Where nobody holds a needed role the next step first
    says to arrange that ("Wijs eerst een mentor aan.").
    """
    out = df.copy()
    if out.empty:
        out["explanation"] = pd.Series(dtype=object)
        out["next_step"] = pd.Series(dtype=object)
        return out
    as_of = as_of or df.attrs.get("as_of") or dt.date.today()
    people = _people_for(store, out, as_of)
    settings_now = settings.current(store)
    texts = [_texts(row, people, settings_now, lang) for row in out.to_dict("records")]
    out["explanation"] = [e for e, _ in texts]
    out["next_step"] = [n for _, n in texts]
    return out


def _people_for(store: Store, df: pd.DataFrame, as_of: dt.date) -> dict[str, dict]:
    """Names around the students, placements and persons of `df` (queries/signal_people.sql)."""
    params = {
        "as_of": as_of,
        "student_ids": sorted(set(df["student_id"])),
        "placement_ids": sorted({p for p in df["placement_id"] if p}),
        "person_ids": sorted({p for p in df["person_id"] if p}),
    }
    with store.read() as cur:
        rows = cur.execute(load_query("signal_people"), params).fetchall()
    people: dict[str, dict] = {"role": {}, "placement": {}, "person": {}}
    for kind, key, sub, value in rows:
        if kind == "role":
            people["role"][(key, sub)] = value
        elif kind == "placement":
            people["placement"][key] = (sub, value)
        else:
            people["person"][key] = value
    return people


# Which people each code's texts name; a missing one makes the next step start with the
# sentence that asks to arrange that person first.
_NEEDS: dict[str, tuple[str, ...]] = {
    "START_MISSING": ("mentor", "supervisor"),
    "MID_OVERDUE": ("mentor", "supervisor"),
    "FINAL_OVERDUE": ("mentor", "supervisor"),
    "MOMENT_INCOMPLETE": ("mentor", "supervisor"),
    "NO_RECENT_CONTACT": ("mentor",),
    "FREQUENCY_NOT_MET": (),
    "NO_MENTOR": (),
    "NO_SUPERVISOR": ("mentor",),
    "MANY_GUIDES": ("lead",),
    "EXTERNAL_WITHOUT_CARE_LEAD": ("mentor",),
    "NO_DIRECTION": ("mentor",),
    "DIRECTION_HOLDER_GONE": ("mentor",),
    "NO_FINAL_RESPONSIBILITY": ("lead",),
    "DIRECTION_NOT_DISCUSSED": (),
    "REVIEW_OVERDUE": (),
    "NO_INFORMATION_AGREEMENT": ("mentor", "supervisor"),
    "NO_CONSENT_RECORD": ("mentor",),
    "STOP_NOT_COMMUNICATED": ("mentor",),
    "ABSENCE_NO_FOLLOW_UP": ("mentor",),
    "NO_PEDAGOGY_AGREEMENT": ("mentor", "supervisor"),
}


def _texts(row: dict, people: dict, values: dict[str, int], lang: str) -> tuple[str, str]:
    code, sid = row["code"], row["student_id"]
    company, supervisor = people["placement"].get(row["placement_id"], (None, None))
    mentor = people["role"].get((sid, "mentor"))
    care_lead = people["role"].get((sid, "care_coordinator")) or people["role"].get(
        (sid, "class_counsellor")
    )
    direction = people["role"].get((sid, "direction"))
    holder = people["person"].get(row["person_id"]) or row["person_id"]
    # MANY_GUIDES / NO_FINAL_RESPONSIBILITY: the direction holder leads, else the mentor.
    found = {"mentor": mentor, "supervisor": supervisor, "lead": direction or mentor}
    names = {
        "mentor": mentor or i18n.t("signals.nobody.mentor", lang),
        "supervisor": supervisor or i18n.t("signals.nobody.supervisor", lang),
        "care_lead": care_lead or i18n.t("signals.nobody.care_lead", lang),
        "lead": direction or mentor or i18n.t("signals.nobody.mentor", lang),
        "holder": holder or "",
        "company": company or i18n.t("signals.nobody.company", lang),
        "since": i18n.date_text(row["since"], lang),
        "review_on": i18n.date_text(row["since"] - dt.timedelta(days=1), lang),
        "days": values["no_contact_days"],
        "stop_days": values["stop_inform_days"],
        "hours": values["absence_hours"],
        "absence_days": values["absence_window_days"],
        "many": values["many_guides"],
    }
    explanation = i18n.t(f"signals.{code}.explanation", lang, **names)
    next_step = i18n.t(f"signals.{code}.next_step", lang, **names)
    missing = [i18n.t(f"signals.first.{need}", lang) for need in _NEEDS[code] if not found[need]]
    if missing:
        next_step = " ".join([*missing, next_step])
    return explanation, next_step
