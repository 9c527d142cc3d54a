#!/usr/bin/env bash
# Create .venv (if needed) and install Regiebord into it; with "test", also the test tools,
# Debian's chromium for the browser journeys and Debian's postgresql for the tests on the
# server backend (tests/pg_server.py starts a throw-away cluster of its own). Safe to run
# again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)-${1:-app}
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ "${1:-app}" = "test" ]; then
    .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]"
  else
    .venv/bin/python -m pip install --quiet -c constraints.txt -e .
  fi
  touch "$stamp"
fi
missing=""
if [ "${1:-app}" = "test" ]; then
  # The browser tests drive Debian's chromium (Playwright never downloads a browser here).
  [ -x /usr/bin/chromium ] || missing="$missing chromium"
  # The tests run every store, service and page test on PostgreSQL too.
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
fi
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # The tests start their own cluster: the package need not create and start one.
  $SUDO mkdir -p /etc/postgresql-common
  [ -f /etc/postgresql-common/createcluster.conf ] \
    || echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
