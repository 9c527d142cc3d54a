"""The app's process-wide resources: the one Store (st.cache_resource), the day-cache
warm-up that follows every change to it, and the thread that makes the scheduled backups.

Pages get the store from `store()`; cached reads key on `store_key()` (and the user), so a
write elsewhere shows up on the next run.
"""

from __future__ import annotations

import datetime as dt
import os
import threading

import streamlit as st

from dashboard import backups, demo
from dashboard.demo.accounts import ensure_demo_accounts
from dashboard.security import access
from dashboard.signals import caseload, day_cache
from dashboard.store import FileStore, Store, default_db_path, open_store
from dashboard.trends import overview as trends_overview

WARM_THREAD = "regiebord-warm-day-cache"  # the thread that fills today's day cache and trends
BACKUP_THREAD = "regiebord-scheduled-backup"  # the thread that makes the daily backups


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
    _warm_day_cache(store)
    store.on_change(lambda: _warm_day_cache(store))
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


def _warm_day_cache(store: Store) -> None:
    """Bring the signals and plan of the day the pages use (today at start) up to date in a
    background thread. A page that asks meanwhile waits for this one result."""
    as_of = day_cache.latest_day(store) or dt.date.today()
    threading.Thread(target=_warm, args=(store, as_of), name=WARM_THREAD, daemon=True).start()


def _warm(store: Store, as_of: dt.date) -> None:
    """The day's signals and plan, then the whole school's trends (their default view)."""
    day_cache.warm(store, as_of, (day_cache.SIGNALS, caseload.UPCOMING))
    trends_overview.warm(store, as_of)


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
