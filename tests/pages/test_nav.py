"""The page registry (dashboard/app/nav.py) is the one list of pages: every page file is in
it, and every name it shows is in both catalogues."""

from __future__ import annotations

from pathlib import Path

from dashboard import i18n
from dashboard.app import nav

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_file_is_registered_and_every_registered_file_exists():
    scripts = {p.script for p in nav.PAGES.values() if isinstance(p.script, str)}
    files = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert scripts == files
    assert set(nav.LISTS) <= set(nav.PAGES)


def test_every_menu_name_is_in_both_catalogues():
    keys = {k for p in nav.PAGES.values() for k in (p.title, p.section)}
    for lang in i18n.LANGUAGES:
        assert keys <= set(i18n.catalogue(lang)), lang
