"""Shared fixtures: a real store, never a mock, on BOTH backends.

`store` is parametrised: `file` is a DuckDB file in a temporary folder, `postgres` a fresh
database on a throw-away PostgreSQL cluster (tests/pg_server.py) that this test session starts
once on loopback and stops at its end, so every test that takes `store` runs twice. In CI
(CI=true) a cluster that cannot start fails the run; elsewhere its tests are skipped with the
reason.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pg_server
import pytest

from dashboard import demo
from dashboard.security.access import CLI_USER
from dashboard.store import open_store

BACKENDS = ["file", "postgres"]


@pytest.fixture(scope="session")
def pg_cluster():
    """The session's PostgreSQL server (a URL to its `postgres` database)."""
    server = pg_server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(request, pg_cluster):
    """A fresh, migrated PostgreSQL store database for one test (dropped afterwards)."""
    url = pg_cluster.fresh_database(request.node.name)
    yield url
    pg_cluster.drop_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def store_target(request, backend, tmp_path):
    """Where a test's store lives: a DuckDB file's path or a PostgreSQL URL."""
    if backend == "file":
        return tmp_path / "test.duckdb"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_target):
    s = open_store(store_target)
    yield s
    s.close()


@pytest.fixture
def file_store(tmp_path):
    """A DuckDB file store, for tests of what only the file backend has (its lock, backups)."""
    s = open_store(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture
def original(tmp_path) -> Path:
    """A closed demo store in a DuckDB file, original.duckdb (20 students, as of 2025-10-01):
    what the backup tests back up and restore."""
    path = tmp_path / "original.duckdb"
    store = open_store(path)
    try:
        demo.generate(store, CLI_USER, students=20, seed=3, today=dt.date(2025, 10, 1))
    finally:
        store.close()
    return path


@pytest.fixture
def store_location(store_target) -> str:
    """Where a test that opens the store itself (in child processes, threads, after a
    crash) finds it, as text: a DuckDB file's path or a PostgreSQL URL (both backends)."""
    return str(store_target)
