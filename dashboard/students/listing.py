"""The student list: the students a user may see, searchable and filterable, one page at a time.

Every query starts from access.scope_sql (as its `visible` switch), so this list holds exactly
the students whose file the user may open (list equals detail).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from dashboard import queries
from dashboard.security import access
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import aggregate_row

PAGE_SIZE = 50


@dataclass(frozen=True)
class StudentFilters:
    """Empty text / empty tuple = no filter on that field."""

    search: str = ""
    locations: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


@dataclass(frozen=True)
class StudentPage:
    rows: pd.DataFrame  # student_id, name, programme, location, class_code, status, mentor
    total: int  # matching students over all pages


@dataclass(frozen=True)
class FilterOptions:
    locations: list[str]
    programmes: list[str]
    classes: list[str]
    statuses: list[str]


def filter_options(store: Store, user: User, today: dt.date) -> FilterOptions:
    """The distinct locations, programmes, classes and statuses among the visible students."""
    access.ensure(user, "view_students")
    visible, params = access.scope_sql(user)
    sql = queries.load("student_options", visible=visible)
    with store.read() as cur:
        row = aggregate_row(cur, sql, access.used_params(sql, {**params, "today": today}))
    return FilterOptions(*[list(values or []) for values in row])


def list_students(
    store: Store,
    user: User,
    today: dt.date,
    filters: StudentFilters,
    *,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> StudentPage:
    """One page of the visible students matching `filters`, sorted by last name."""
    access.ensure(user, "view_students")
    visible, params = access.scope_sql(user)
    sql = queries.load("student_list", visible=visible, active_role=access.ACTIVE_ROLE)
    params = access.used_params(
        sql,
        {
            **params,
            "today": today,
            "search": filters.search.strip(),
            "locations": list(filters.locations),
            "programmes": list(filters.programmes),
            "classes": list(filters.classes),
            "statuses": list(filters.statuses),
            "limit": limit,
            "offset": offset,
        },
    )
    with store.read() as cur:
        frame = cur.execute(sql, params).df()
    total = int(frame["total"].iloc[0]) if len(frame) else 0
    return StudentPage(rows=frame.drop(columns="total"), total=total)
