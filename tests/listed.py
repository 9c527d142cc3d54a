"""The list side of "list equals detail" (docs/security.md): the students a user's student
list holds, read through the service the students page uses."""

from __future__ import annotations

import datetime as dt

from dashboard.errors import NotAllowed
from dashboard.security.access import User
from dashboard.students import listing


def listed_student_ids(store, user: User, day: dt.date) -> list[str]:
    """The ids on every page of `user`'s student list on `day`, sorted; none for a user who
    has no student list (a manager: NotAllowed)."""
    try:
        page = listing.list_students(store, user, day, listing.StudentFilters(), limit=1_000_000)
    except NotAllowed:
        return []
    return sorted(page.rows["student_id"])
