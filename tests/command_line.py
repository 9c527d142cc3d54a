"""The `regiebord` command as a user runs it: a child process, messages in a chosen language."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def run(*args: str, lang: str = "nl") -> subprocess.CompletedProcess:
    """`python -m dashboard ARGS` with its messages in `lang` ($REGIEBORD_LANG)."""
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "REGIEBORD_LANG": lang},
        timeout=300,
    )
