"""What every service checks in any date and text it takes, whoever calls it (a page, the
command line, a test): a date within a plausible window, and text by validation/characters.

The date picker of a page only offers plausible dates; the service must not rely on it: a
contact dated 0001-01-01 would stretch the student's timeline over two thousand years, a review
date in 9999 would never come due. The window is relative to the day the service works on
(`today`):
- a birth date: at most BIRTH_YEARS_BACK years back, and not after today;
- any other date (contacts, roles, agreements and their reviews, consents, status, the end of
  a placement, an acknowledgement): at most YEARS_BACK years back and YEARS_AHEAD ahead.
The import has a fixed window instead (validation/core.py: IMPORT_FIRST..IMPORT_LAST), so an
import gives the same answer on any day.
"""

from __future__ import annotations

import datetime as dt

from dashboard.problem import Problem, Where
from validation import characters

YEARS_BACK = 20
YEARS_AHEAD = 10
BIRTH_YEARS_BACK = 100
BIRTH_FIELDS = ("birth_date",)


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def window(field: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day a date in `field` may be, on `today`."""
    if field in BIRTH_FIELDS:
        return _years_from(today, -BIRTH_YEARS_BACK), today
    return _years_from(today, -YEARS_BACK), _years_from(today, YEARS_AHEAD)


def date_problem(field: str, value: dt.date | None, today: dt.date) -> Problem | None:
    """A Problem when `value` lies outside the window of `field` (None, no date: no problem
    here; whether the field is required is the form's own rule)."""
    if value is None:
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        return Problem("student.problem.wrong_type", {}, Where(field=field), value)
    first, last = window(field, today)
    if first <= value <= last:
        return None
    return Problem(
        "problem.date_implausible",
        {"first": first, "last": last},
        Where(field=field),
        value.isoformat(),
    )


def text_problem(field: str, value: str | None, multiline: bool = True) -> Problem | None:
    """A Problem when `value` holds a control or bidirectional character (validation/characters)."""
    if not value:
        return None
    if not isinstance(value, str):
        return Problem("student.problem.wrong_type", {}, Where(field=field), value)
    code = characters.first_forbidden(value, multiline)
    if code is None:
        return None
    return Problem("problem.control_character", {"code": code}, Where(field=field), value)
