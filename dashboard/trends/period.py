"""The periods the trends page offers: the 12 whole months up to a day (the current month up to
that day), or a school year, 1 October to 30 September. Only whole periods, never any two days:
two tables for neighbouring days could be subtracted to single out a student."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SCHOOL_YEAR_START_MONTH = 10  # the field counts from 1 October


def school_year_of(day: dt.date) -> int:
    """The school year `day` falls in, named by its first calendar year (2024 = 2024-2025)."""
    return day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1


def months_before(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """`school_year` None = the 12 months up to the day asked for; else that school year, up
    to its end or the day asked for, whichever comes first."""

    school_year: int | None = None

    def start(self, as_of: dt.date) -> dt.date:
        if self.school_year is None:
            return months_before(as_of.replace(day=1), 11)
        return dt.date(self.school_year, SCHOOL_YEAR_START_MONTH, 1)

    def last_day(self) -> dt.date:
        """The school year's 30 September (only for a school year)."""
        if self.school_year is None:
            raise ValueError("the last 12 months have no fixed last day")
        return dt.date(self.school_year + 1, SCHOOL_YEAR_START_MONTH, 1) - dt.timedelta(days=1)

    def end(self, as_of: dt.date) -> dt.date:
        """The last day counted: `as_of`, or the school year's end when that came before."""
        return as_of if self.school_year is None else min(as_of, self.last_day())

    def months(self, as_of: dt.date) -> int:
        start, end = self.start(as_of), self.end(as_of)
        return (end.year - start.year) * 12 + end.month - start.month + 1


def offered_school_years(first_enrolment: dt.date | None, as_of: dt.date) -> list[int]:
    """The school years that have begun by `as_of`, newest first, back to the one of the
    earliest enrolment (at most 10)."""
    newest = school_year_of(as_of)
    oldest = school_year_of(first_enrolment) if first_enrolment else newest
    return list(range(newest, max(oldest, newest - 9) - 1, -1))
