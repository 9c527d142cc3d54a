"""The small-cell rule of the trends: no figure may single out a student.

A count resting on 1 to `threshold - 1` students is hidden (pd.NA); `threshold` is the school's
setting `trends_min_students` (default 5, never below 5). A zero stays: it singles out nobody.
Where a total and its parts are shown together (moments due = on time + late + not held,
students = with + without direction, dropouts of a school = those of its locations), a hidden
part would follow from the total minus the shown parts, so the smallest shown part is hidden
too until the hidden parts together (counted part by part) rest on no student or on
`threshold` or more, and never a single part alone (complementary suppression). Hiding a cell
in one way (a row's parts) can leave it alone in another (the groups of a column), so
`suppress` runs both until nothing changes.

A rate or share is shown only when its numerator is shown and its base (denominator) is at
least `min_base` (10 on the page): a share over very few students says little and tells much.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import settings
from dashboard.store import Store

MIN_STUDENTS = 5  # the default threshold, and the lowest a school may set
MIN_RATE_BASE = 10  # a rate is shown only over a base of at least this many


def threshold(store: Store) -> int:
    """The school's threshold: the setting `trends_min_students`, never below MIN_STUDENTS."""
    return max(int(settings.current(store)["trends_min_students"]), MIN_STUDENTS)


def students_behind(raw: pd.DataFrame, column: str) -> pd.Series:
    """The distinct students behind a count: its `_students` column, else the count itself
    (a count of students)."""
    return raw.get(f"{column}_students", raw[column])


def small(students: pd.Series, threshold: int = MIN_STUDENTS) -> pd.Series:
    return (students > 0) & (students < threshold)


def _complete(students: np.ndarray, hide: np.ndarray, threshold: int) -> np.ndarray:
    """`hide` (rows x parts) grown until, in every row, the hidden parts together rest on no
    student or on `threshold` or more, and no part is the only one hidden (it would follow
    from the total minus the others): the smallest shown part is hidden, again and again."""
    hide = hide.copy()
    for _ in range(students.shape[1]):
        hidden_parts = hide & (students > 0)
        given_away = np.where(hidden_parts, students, 0).sum(axis=1)
        alone = hidden_parts.sum(axis=1) == 1
        shown = np.where(~hide & (students > 0), students, np.inf)
        too_few = (given_away > 0) & (given_away < threshold)
        more = (too_few | alone) & np.isfinite(shown.min(axis=1))
        if not more.any():
            break
        hide[more, shown[more].argmin(axis=1)] = True
    return hide


def hidden(
    raw: pd.DataFrame,
    total: str,
    parts: tuple[str, ...],
    threshold: int = MIN_STUDENTS,
    already: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which cells of a total and its parts to hide (see the module docstring); `already`
    marks cells hidden for another reason, which count as hidden parts."""
    students = pd.DataFrame({c: students_behind(raw, c) for c in (total, *parts)})
    out = small(students, threshold)
    if already is not None:
        out = out | already[list(students.columns)].astype(bool)
    part_students = students[list(parts)].to_numpy(dtype=float)
    out[list(parts)] = _complete(part_students, out[list(parts)].to_numpy(), threshold)
    return out


def counts(
    raw: pd.DataFrame, hide: pd.DataFrame, columns: list[str], keys: tuple[str, ...] = ("month",)
) -> pd.DataFrame:
    """`raw`'s key columns and `columns`, with the hidden cells set to pd.NA."""
    out = raw[list(keys)].copy()
    for column in columns:
        if column in hide:
            out[column] = raw[column].astype("Int64").mask(hide[column].to_numpy(dtype=bool))
        else:
            out[column] = raw[column]
    return out


def ratio(numerator: pd.Series, denominator: pd.Series, min_base: int = 1) -> pd.Series:
    """numerator / denominator; NA when either is hidden or the denominator is below
    `min_base` (or 0)."""
    base = denominator.astype("Float64")
    base = base.mask(base < max(min_base, 1))
    return (numerator.astype("Float64") / base).astype("Float64")


def suppress(
    raw: pd.DataFrame,
    *,
    columns: list[str],
    keys: tuple[str, ...] = (),
    group: str | None = None,
    partitions: tuple[tuple[str, tuple[str, ...]], ...] = (),
    total_label: str | None = None,
    threshold: int = MIN_STUDENTS,
) -> pd.DataFrame:
    """The small-cell rule on a long table whose rows are the groups (`group`: locations,
    programmes, destinations, ...) of each value of `keys`, both ways:

    - across rows (when `group` is given): for every count in `columns`, the groups of one
      value of `keys` are the parts of its total (the row whose group is `total_label`, else
      their sum, which other figures on the page may show);
    - within a row: each (total, parts) of `partitions` (students = stayed + dropped out).

    Each way can hide more in the other, so both run until nothing changes. Returns `raw`
    with hidden counts as pd.NA (Int64) and without the `_students` columns.
    """
    raw = raw.reset_index(drop=True)
    students = pd.DataFrame({c: students_behind(raw, c) for c in columns}).astype(float)
    hide = small(students, threshold)
    is_total = (
        raw[group] == total_label
        if group is not None and total_label is not None
        else pd.Series(False, raw.index)
    )
    blocks: list = []
    if group is not None:
        blocks = [g.index for _, g in raw.groupby(list(keys), sort=False)] if keys else [raw.index]
    while True:
        before = hide.copy()
        for total, parts in partitions:
            grown = hidden(students, total, parts, threshold, already=hide)
            hide[grown.columns] = hide[grown.columns] | grown
        for idx in blocks:
            parts_idx = [i for i in idx if not is_total[i]]
            if len(parts_idx) < 2:
                continue
            block = students.loc[parts_idx, columns].to_numpy().T  # columns x groups
            mask = hide.loc[parts_idx, columns].to_numpy().T
            grown = _complete(block, mask, threshold)
            hide.loc[parts_idx, columns] = grown.T
        if hide.equals(before):
            break
    out = raw.drop(columns=[c for c in raw.columns if c.endswith("_students")])
    for column in columns:
        out[column] = raw[column].astype("Int64").mask(hide[column].to_numpy(dtype=bool))
    return out
