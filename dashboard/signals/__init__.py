"""Signals (flags) of docs/flags.md: what the guides should have arranged and have not.

What each signal is (code, severity, who acts, thresholds, texts) is in the catalogue
(catalogue.toml, read by catalogue.py); its rule is one section of one set-based DuckDB query
(queries/signals.sql, run through rules.py) evaluated for a day T with the thresholds of the
settings. This module runs it for the app (`evaluate`), adds texts from i18n (`describe`) and
records acknowledgements ("bewust afgeweken tot ..."); report.py prints the command-line
report (`flags_report`). Signals are never stored: only acknowledgements are.

pandas is not imported here (Arrow brings it when evaluate asks for a frame): `regiebord
flags` goes through this package and must start without it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from dashboard import i18n, queries, settings
from dashboard.errors import Invalid
from dashboard.problem import Problem, Where
from dashboard.security import access, audit
from dashboard.signals.catalogue import CODES, NEEDS, SEVERITY_ORDER, THRESHOLDS
from dashboard.signals.report import counts_report, flags_report
from dashboard.signals.rules import signal_query
from dashboard.store import Store
from validation import plausible

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CODES",
    "COLUMNS",
    "SEVERITY_ORDER",
    "acknowledge",
    "counts_report",
    "describe",
    "evaluate",
    "flags_report",
    "open_signals",
]

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


def evaluate(store: Store, as_of: dt.date, student_ids: list[str] | None = None) -> pd.DataFrame:
    """Every signal on day `as_of`, one row per (code, student, placement).

    Columns: code, severity, student_id, placement_id (None when none), since (date),
    acknowledged (bool: the latest acknowledgement made on or before `as_of` of this since
    runs up to `as_of` or later), ack_reason, ack_until, ack_by (set only while acknowledged), and
    person_id: the agreement holder the signal is about (FREQUENCY_NOT_MET,
    DIRECTION_HOLDER_GONE, DIRECTION_NOT_DISCUSSED, REVIEW_OVERDUE) or the owner of the
    earliest overdue meeting action (ACTION_OVERDUE), else None.
    Sorted by severity (high, medium, low), since, student_id, then code (in CODES order)
    and placement_id.

    With `student_ids` only those students are evaluated (the filter runs before the rules),
    which keeps a caseload of a few hundred students fast. This is a computation over the
    whole store: callers that show it to a user restrict `student_ids` to the user's scope.
    """
    sql, params = signal_query(store, [as_of], student_ids)
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

    It stays acknowledged on every day from `today` up to and including `until` while its
    since stays the same; a later acknowledgement of the same signal replaces an earlier one. The user must
    be allowed to acknowledge and to see the student (else NotAllowed / NotFound).
    `today` is the day the check `until >= today` uses (default: the real today).
    """
    access.ensure(user, "acknowledge")
    today = today or dt.date.today()
    problems = [
        Problem("student.problem.wrong_type", {}, Where(field=name), value)
        for name, value, kind in (("reason", reason, str), ("since", since, dt.date))
        if value is not None and not isinstance(value, kind)
    ]
    if problems:
        raise Invalid(problems)
    reason = (reason or "").strip()
    if code not in CODES:
        problems.append(Problem("signals.ack.unknown_code", {"code": code}))
    if not reason:
        problems.append(Problem("signals.ack.reason_required"))
    far = plausible.date_problem("until", until, today)
    if far is not None:
        problems.append(far)
    elif until is None or until < today:
        problems.append(Problem("signals.ack.until_past", {"until": until, "today": today}))
    if since is None:
        problems.append(Problem("signals.ack.since_required"))
    if (problem := plausible.text_problem("reason", reason, multiline=False)) is not None:
        problems.append(problem)
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
        # Made on `today` (the app's day; the real one unless a test fixed it): the signal
        # counts as acknowledged from that day on, also in a history (docs/flags.md).
        "acknowledged_at": dt.datetime.combine(today, dt.datetime.now().time()),
    }
    with store.write() as tx:
        access.require_student(tx, user, student_id, today)
        tx.touch([student_id])
        tx.execute(
            f"INSERT INTO acknowledgements ({', '.join(row)}) "
            f"VALUES ({', '.join('$' + k for k in row)})",
            row,
        )
        audit.record(
            tx,
            audit.Write(
                user.actor,
                "acknowledgements",
                f"{code}/{student_id}/{row['placement_id']}/{since.isoformat()}",
                student_id=student_id,
                new={
                    **row,
                    "reason": True,
                },  # never a note text in the trail: only that there was one
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
        return out.assign(explanation=None, next_step=None)
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
        rows = cur.execute(queries.load("signal_people"), params).fetchall()
    people: dict[str, dict] = {"role": {}, "placement": {}, "person": {}}
    for kind, key, sub, value in rows:
        if kind == "role":
            people["role"][(key, sub)] = value
        elif kind == "placement":
            people["placement"][key] = (sub, value)
        else:
            people["person"][key] = value
    return people


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
        **{key: values[key] for key in THRESHOLDS},  # a text names a threshold by its key
    }
    explanation = i18n.t(f"signals.{code}.explanation", lang, **names)
    next_step = i18n.t(f"signals.{code}.next_step", lang, **names)
    missing = [i18n.t(f"signals.first.{need}", lang) for need in NEEDS[code] if not found[need]]
    if missing:
        next_step = " ".join([*missing, next_step])
    return explanation, next_step
