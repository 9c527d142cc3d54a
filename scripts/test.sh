#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's chromium) and run the whole
# suite: lint, layer rules, types, unit/store/page tests and the real-browser journeys.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/mypy dashboard validation
exec .venv/bin/python -m pytest "$@"
