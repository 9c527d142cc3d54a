"""The app's process-wide resources: the one Store (st.cache_resource) and the day-cache
warm-up that follows every change to it.

Pages get the store from `store()`; cached reads key on `store_key()` (and the user), so a
write elsewhere shows up on the next run.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

import streamlit as st

from dashboard import demo
from dashboard.demo.accounts import ensure_demo_accounts
from dashboard.security import access
from dashboard.signals import caseload, day_cache
from dashboard.store import Store, default_db_path, open_store
from dashboard.trends import overview as trends_overview

WARM_THREAD = "regiebord-warm-day-cache"  # the thread that fills today's day cache and trends


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Store:
    """Open the store once per process. On the very first start (no store file yet) fill it
    with demo data and accounts, so the app shows something at once."""
    first_start = not Path(path).exists()
    store = open_store(path)
    if first_start:
        demo.generate(store, access.CLI_USER, students=300, seed=1)
        ensure_demo_accounts(store)
    # The day's signals and plan are computed in the background, not when a page asks: at
    # start, while the first user signs in, and after every change (an import or a setting
    # recomputes the whole day, seconds at sector scale; a form brings its student up to date).
    _warm_day_cache(store)
    store.on_change(lambda: _warm_day_cache(store))
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
    """The store file: $REGIEBORD_DB, else the project's data/regiebord.duckdb."""
    return str(os.environ.get("REGIEBORD_DB") or default_db_path())


def store() -> Store:
    return _open(db_path())


def store_key() -> tuple[str, int]:
    """What a cached read of the store depends on: which file, and its version (every write
    bumps it). Cached per-user reads add the user to their key."""
    return db_path(), store().version
