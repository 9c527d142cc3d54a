"""The two catalogues stay complete: a key missing in English would silently show Dutch, and a
key missing everywhere would show the key itself, so both are caught here."""

from __future__ import annotations

import re
import string
from pathlib import Path

from dashboard import i18n

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("dashboard", "pages", "validation", "streamlit_app.py")
# A literal key handed to tr(...), t(...) or i18n.t(...): at least two dotted parts.
LITERAL_KEY = re.compile(r"""\b(?:tr|t)\(\s*["']([a-z_]+(?:\.[A-Za-z0-9_]+)+)["']""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys_and_placeholders():
    nl, en = i18n.catalogue("nl"), i18n.catalogue("en")
    assert set(nl) == set(en)
    assert {k: placeholders(v) for k, v in nl.items()} == {
        k: placeholders(v) for k, v in en.items()
    }
    assert all(str(v).strip() for v in (*nl.values(), *en.values()))


def test_every_literal_key_in_the_code_is_in_the_catalogue():
    files = [
        p for s in SOURCES for p in ([ROOT / s] if s.endswith(".py") else (ROOT / s).rglob("*.py"))
    ]
    used = {
        (key, path.relative_to(ROOT).as_posix())
        for path in files
        for key in LITERAL_KEY.findall(path.read_text("utf-8"))
    }
    assert len(used) > 300  # the pattern still finds the calls
    assert sorted((k, p) for k, p in used if k not in i18n.catalogue("nl")) == []
