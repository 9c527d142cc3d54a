"""The app's process-wide resources: the one Store (st.cache_resource), the day-cache
warm-up that follows every change to it, and the thread that makes the scheduled backups.

Warm-ups run one at a time per store (`_Warmer`): a change while one runs asks for one more
run after it, so a burst of saves never starts a pile of threads each evaluating the whole
school. A watcher thread asks for one when another process changed the store (in server mode:
the nightly import by cron, the other app servers) and when a new day begins, so the first
page of the morning does not evaluate the whole school while its user waits.

Pages get the store from `store()`; cached reads key on `store_key()` (and the user), so a
write elsewhere shows up on the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable

import streamlit as st

from dashboard import backups, demo
from dashboard.demo.accounts import ensure_demo_accounts
from dashboard.security import access
from dashboard.signals import caseload, day_cache
from dashboard.store import FileStore, Store, default_db_path, open_store
from dashboard.trends import overview as trends_overview

_log = logging.getLogger(__name__)

WARM_THREAD = "regiebord-warm-day-cache"  # the thread that fills today's day cache and trends
WATCH_THREAD = "regiebord-watch-store"  # looks for other processes' writes and a new day
BACKUP_THREAD = "regiebord-scheduled-backup"  # the thread that makes the daily backups
WATCH_SECONDS = 30.0  # how often the watcher looks (one one-row read)


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Store:
    """Open the store once per process. On the very first start (the store was created just
    now) fill it with demo data and accounts, so the app shows something at once. When a
    PostgreSQL store cannot be reached this raises StoreUnavailable and caches nothing, so the
    next run tries again."""
    store = open_store(path)
    if store.created:
        demo.generate(store, access.CLI_USER, students=300, seed=1)
        ensure_demo_accounts(store)
    # The day's signals and plan are computed in the background, not when a page asks: at
    # start, while the first user signs in, and after every change (an import or a setting
    # recomputes the whole day, seconds at sector scale; a form brings its student up to date).
    warmer = _Warmer(store)
    warmer.request()
    store.on_change(warmer.request)
    threading.Thread(
        target=watch, args=(store, warmer.request), name=WATCH_THREAD, daemon=True
    ).start()
    # The command line cannot back up a store the app holds, so the app does it itself (at
    # the hour set by the admin; the thread ends when the store is closed).
    # (PostgreSQL has its own backups: pg_dump, see docs/deployment.md.)
    if on_a_file(store):
        threading.Thread(
            target=backups.keep_backing_up,
            args=(store, threading.Event()),
            name=BACKUP_THREAD,
            daemon=True,
        ).start()
    return store


class _Warmer:
    """Brings the signals and plan of the day the pages use (today, or the day they asked for
    last today) up to date in a background thread, then the whole school's trends; a page
    that asks meanwhile waits for this one result. One run at a time: a request during a run
    makes exactly one more run after it."""

    def __init__(self, store: Store, warm: Callable[[Store, dt.date], None] | None = None):
        self._store = store
        self._warm = warm or _warm
        self._lock = threading.Lock()
        self._running = False
        self._again = False

    def request(self) -> None:
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
        threading.Thread(target=self._run, name=WARM_THREAD, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                self._warm(self._store, day_cache.latest_day(self._store) or dt.date.today())
            except Exception:  # a failed warm-up must not stop the ones after it
                _log.warning("a background warm-up failed", exc_info=True)
            with self._lock:
                if not self._again:
                    self._running = False
                    return
                self._again = False


def _warm(store: Store, as_of: dt.date) -> None:
    """The day's signals and plan, then the whole school's trends (their default view)."""
    day_cache.warm(store, as_of, (day_cache.SIGNALS, caseload.UPCOMING))
    trends_overview.warm(store, as_of)


def watch(
    store: Store,
    changed: Callable[[], None],
    every: float = WATCH_SECONDS,
    stop: threading.Event | None = None,
) -> None:
    """The watcher thread: every `every` seconds, call `changed()` when the store's version or
    the calendar day moved since the last look, until `stop` is set or the store is closed. A
    store that cannot be reached (PostgreSQL restarting) is looked at again next time."""
    stop = stop or threading.Event()
    seen: tuple[dt.date, int] | None = None
    while store.is_open:
        try:
            now = (dt.date.today(), store.version)
        except Exception:  # unreachable for now, or closing: look again (the loop checks)
            _log.debug("the store watcher could not read the version", exc_info=True)
        else:
            if seen is not None and now != seen:
                changed()
            seen = now
        if stop.wait(every):
            return


def db_path() -> str:
    """The store: $REGIEBORD_DB (a file, or a postgresql:// URL), else the project's
    data/regiebord.duckdb."""
    return str(os.environ.get("REGIEBORD_DB") or default_db_path())


def on_a_file(store: Store) -> bool:
    """Whether `store` is the embedded DuckDB file (it backs itself up; a PostgreSQL store is
    backed up with pg_dump): the pages ask here and never import the store."""
    return isinstance(store, FileStore)


def store() -> Store:
    return _open(db_path())


def store_key() -> tuple[str, int]:
    """What a cached read of the store depends on: which file, and its version (every write
    bumps it). Cached per-user reads add the user to their key."""
    return db_path(), store().version
