"""Layer rules that check themselves (style.md): pages -> services -> store, never back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The pages and the app's helpers for them; runtime.py alone opens the store for them.
PAGE_FILES = (
    sorted((ROOT / "pages").glob("*.py"))
    + sorted(p for p in (ROOT / "dashboard" / "app").rglob("*.py") if p.name != "runtime.py")
    + [ROOT / "streamlit_app.py"]
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_pages_never_import_duckdb_or_the_store():
    assert len(PAGE_FILES) > 4
    for path in PAGE_FILES:
        modules = imported_modules(path)
        bad = {m for m in modules if m.split(".")[0] == "duckdb" or m == "dashboard.store"}
        assert not bad, f"{path.name} imports {bad}"


def test_the_package_never_loads_streamlit():
    """Import every module of dashboard (bar its UI helpers) and validation in a fresh
    interpreter: streamlit must not have been loaded."""
    script = (
        "import importlib, pkgutil, sys\n"
        "import dashboard, validation\n"
        "names = ['dashboard.cli', 'dashboard.signals.caseload', 'dashboard.students.listing']\n"
        "for package in (dashboard, validation):\n"
        "    for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        names.append(info.name)\n"
        "for name in names:\n"
        "    if not name.startswith('dashboard.app') and name != 'dashboard.__main__':  # __main__ runs the CLI\n"
        "        importlib.import_module(name)\n"
        "print(len(names), 'streamlit' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    count, loaded = result.stdout.split()
    assert int(count) > 10
    assert loaded == "False", "a dashboard module imports streamlit"
