#!/usr/bin/env bash
# Create .venv (if needed) and install Regiebord into it; with "test", also the test tools and
# Debian's chromium for the browser journeys. Safe to run again: it only adds what is missing.
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
if [ "${1:-app}" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  # The browser tests drive Debian's chromium (Playwright never downloads a browser here).
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
