"""Per-student results of an evaluation day (signals, the plan), kept in memory per store and
brought up to date after writes.

`signals.evaluate` is one large query: about 0.1 s of fixed cost even for a single student,
and seconds for a whole sector store; the plan of coming moments reads every contact. Pages
ask for the same day over and over, so such a result is computed once per day for every
student and then kept current from the store's change feed (Store.changes_since): every data
write declares the students it changed, and these results for a student depend only on that
student's rows (and the settings), so after such a write only those students are computed
again. Audit-only writes (views, exports, sign-ins, accounts) do not reach the feed. A write
that may have changed anything (settings, an import, erase/anonymise, the demo, a write that
declared nothing), or a cache further behind than the feed keeps, drops the store's cache.
The feed lives in the database, so writes by another process are followed too.
The texts of `signals.describe` are kept per student and language the same way.

Callers restrict `student_ids` to what the user may see, as with signals.evaluate.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from dashboard import signals
from dashboard.store import Store

_log = logging.getLogger(__name__)

DAYS_KEPT = 3  # evaluation days kept per store (today, and a day or two looked at)


@dataclass(frozen=True)
class Kind:
    """A per-student result: `compute(store, as_of, student_ids)` gives its rows (with a
    student_id column) for those students, or for every student when student_ids is None;
    `order(frame)` sorts rows the way compute does."""

    name: str
    compute: Callable[[Store, dt.date, list[str] | None], pd.DataFrame]
    order: Callable[[pd.DataFrame], pd.DataFrame]


@dataclass
class _Day:
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)  # Kind.name -> every student
    kinds: dict[str, Kind] = field(default_factory=dict)
    # lang -> student_id -> (code, placement_id) -> (explanation, next_step)
    texts: dict[str, dict[str, dict[tuple[str, str | None], tuple[str, str]]]] = field(
        default_factory=dict
    )


@dataclass
class _StoreCache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = -1  # store.version the days are current with
    days: OrderedDict[dt.date, _Day] = field(default_factory=OrderedDict)
    latest: dt.date | None = None  # the day asked for last (kept when the days are dropped)
    latest_asked_on: dt.date | None = None  # the calendar day on which it was asked


_caches: weakref.WeakKeyDictionary[Store, _StoreCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(store: Store) -> _StoreCache:
    with _caches_lock:
        return _caches.setdefault(store, _StoreCache())


def clear(store: Store) -> None:
    """Forget everything kept for `store`."""
    with _caches_lock:
        _caches.pop(store, None)


def rows(
    store: Store, kind: Kind, as_of: dt.date, student_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """kind.compute(store, as_of, student_ids), from the day's cache (a fresh frame)."""
    cache = _cache(store)
    with cache.lock:
        day = _day(store, cache, as_of)
        frame = day.frames.get(kind.name)
        if frame is None:
            frame = day.frames[kind.name] = kind.compute(store, as_of, None)
            day.kinds[kind.name] = kind
    if student_ids is not None:
        frame = frame[frame["student_id"].isin(list(student_ids))]
    return kind.order(frame).reset_index(drop=True)


def latest_day(store: Store) -> dt.date | None:
    """The evaluation day the pages asked for last today, if any: the one worth warming after
    a change. None after midnight until a page asks again: the pages' day is then today."""
    cache = _cache(store)
    return cache.latest if cache.latest_asked_on == dt.date.today() else None


def warm(store: Store, as_of: dt.date, kinds: Iterable[Kind]) -> None:
    """Fill the day's cache for `kinds` ahead of the first page that asks (the first
    evaluation of a day takes seconds at sector scale). Meant for a background thread: a
    failure (such as the store closing meanwhile) is logged, not raised; the page that asks
    next then computes the day itself."""
    try:
        for kind in kinds:
            rows(store, kind, as_of, student_ids=[])
    except Exception:  # a warm-up must never take the server down
        _log.warning("warming the day cache of %s failed", store.path, exc_info=True)


# -- signals -------------------------------------------------------------------------------------

_RANK = {s: i for i, s in enumerate(signals.SEVERITY_ORDER)}
_CODE_RANK = {c: i for i, c in enumerate(signals.CODES)}


def _signal_order(frame: pd.DataFrame) -> pd.DataFrame:
    """signals.evaluate's order: severity, since, student, catalogue order, placement (none
    first)."""
    if len(frame) < 2:
        return frame
    keys = pd.DataFrame(
        {
            "rank": frame["severity"].map(_RANK),
            "since": frame["since"],
            "student_id": frame["student_id"],
            "code": frame["code"].map(_CODE_RANK),
            "placement": frame["placement_id"].fillna(""),
        }
    )
    return frame.loc[keys.sort_values(list(keys.columns), kind="stable").index]


SIGNALS = Kind(
    "signals",
    lambda store, as_of, ids: signals.evaluate(store, as_of, student_ids=ids),
    _signal_order,
)


def evaluate(
    store: Store, as_of: dt.date, student_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """signals.evaluate(store, as_of, student_ids), from the day's cache."""
    out = rows(store, SIGNALS, as_of, student_ids)
    out.attrs["as_of"] = as_of
    return out


def describe(store: Store, found: pd.DataFrame, lang: str, as_of: dt.date) -> pd.DataFrame:
    """signals.describe(store, found, lang, as_of) for rows of `evaluate(store, as_of, ...)`,
    describing each student's signals once until their data changes."""
    if found.empty:
        return signals.describe(store, found, lang, as_of)
    cache = _cache(store)
    with cache.lock:
        day = _day(store, cache, as_of)
        texts = day.texts.setdefault(lang, {})
        missing = sorted(set(found["student_id"]) - texts.keys())
        every = day.frames.get(SIGNALS.name)
        if missing and every is not None:
            theirs = every[every["student_id"].isin(missing)].reset_index(drop=True)
            described = signals.describe(store, theirs, lang, as_of)
            for sid in missing:
                texts[sid] = {}
            for row in described.itertuples(index=False):
                key = (row.code, row.placement_id)
                texts[row.student_id][key] = (row.explanation, row.next_step)
        pairs = [
            texts.get(sid, {}).get((code, pid))
            for sid, code, pid in zip(found["student_id"], found["code"], found["placement_id"])
        ]
    known = [p for p in pairs if p is not None]
    if len(known) < len(pairs):  # not rows of the day's signals: describe them directly
        return signals.describe(store, found, lang, as_of)
    return found.assign(explanation=[p[0] for p in known], next_step=[p[1] for p in known])


# -- keeping the days current --------------------------------------------------------------------


def _day(store: Store, cache: _StoreCache, as_of: dt.date) -> _Day:
    """The day's entry, brought up to date with the writes since the last call (lock held)."""
    _catch_up(store, cache)
    day = cache.days.setdefault(as_of, _Day())
    cache.latest, cache.latest_asked_on = as_of, dt.date.today()
    cache.days.move_to_end(as_of)
    while len(cache.days) > DAYS_KEPT:
        cache.days.popitem(last=False)
    return day


def _catch_up(store: Store, cache: _StoreCache) -> None:
    """Follow the writes made since the days were computed (by this process or another)."""
    changes = store.changes_since(cache.version)
    if changes.version == cache.version:
        return
    if changes.student_ids is None or not cache.days:
        cache.days.clear()
    elif changes.student_ids:
        for as_of, day in cache.days.items():
            _refresh(store, day, as_of, sorted(changes.student_ids))
    cache.version = changes.version


def _refresh(store: Store, day: _Day, as_of: dt.date, student_ids: list[str]) -> None:
    """Compute every kept result again for `student_ids`, in place of their old rows."""
    for name, frame in day.frames.items():
        fresh = day.kinds[name].compute(store, as_of, student_ids)
        kept = frame[~frame["student_id"].isin(student_ids)]
        parts = [f for f in (kept, fresh) if len(f)]
        day.frames[name] = (
            pd.concat(parts, ignore_index=True)
            if len(parts) == 2
            else (parts[0] if parts else kept)
        )
    for texts in day.texts.values():
        for sid in student_ids:
            texts.pop(sid, None)
