"""Shared fixtures: a real DuckDB store in a temporary file (never a mock)."""

from __future__ import annotations

import pytest

from dashboard.store import open_store


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "test.duckdb")
    yield s
    s.close()
