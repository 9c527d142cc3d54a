"""Shared fixtures: a real DuckDB store in a temporary file (never a mock)."""

from __future__ import annotations

import pytest

from dashboard.store import open_store


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture
def store_location(tmp_path) -> str:
    """Where a test that opens the store itself (in child processes, threads, after a
    crash) finds it: a DuckDB file path here; a server-mode fixture may parametrise this."""
    return str(tmp_path / "store.duckdb")
