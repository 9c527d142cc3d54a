"""Every user-facing string, keyed, one catalogue per language (nl/*.toml, en/*.toml).

Each capability keeps its strings in its own file (core.toml, signals.toml, ...); the files of
one language are merged, and a key defined in two files is an error. A few files elsewhere in
dashboard/ keep both languages' texts beside other facts of the same thing (MULTILINGUAL): the
signal catalogue holds each signal's severity and thresholds with its texts, so that adding a
signal touches one entry there rather than a file per language.
`t("caseload.title", "en")` looks the key up in that language, falling back to Dutch.
Keys are dotted paths into the TOML tables; `{name}` placeholders are filled from kwargs.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
# key prefix -> a file in dashboard/ whose tables named after a language hold the texts of the
# path above them: [START_MISSING] nl.title = "..." is signals.START_MISSING.title in Dutch.
MULTILINGUAL = {"signals": "signals/catalogue.toml"}


def _flatten(prefix: str, node: dict[str, Any], into: dict[str, str], source: str) -> None:
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(path, value, into, source)
        elif path in into:
            raise ValueError(f"i18n key {path} is defined twice ({source})")
        else:
            into[path] = value


def _language_tables(
    prefix: str, node: dict[str, Any], lang: str, into: dict[str, str], source: str
) -> None:
    for key, value in node.items():
        if not isinstance(value, dict):
            continue
        if key == lang:
            _flatten(prefix, value, into, source)
        elif key not in LANGUAGES:
            _language_tables(f"{prefix}.{key}", value, lang, into, source)


@cache
def catalogue(lang: str) -> dict[str, str]:
    flat: dict[str, str] = {}
    folder = resources.files(__package__).joinpath(lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text("utf-8"))
            _flatten("", data, flat, f"{lang}/{entry.name}")
    for prefix, name in MULTILINGUAL.items():
        data = tomllib.loads(resources.files("dashboard").joinpath(name).read_text("utf-8"))
        _language_tables(prefix, data, lang, flat, name)
    return flat


def t(key: str, lang: str = DEFAULT_LANGUAGE, **kwargs: Any) -> str:
    """The text for `key` in `lang` (Dutch when missing there); the key itself if unknown."""
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**kwargs) if kwargs else text


def message_language() -> str:
    """The language of the command line: $REGIEBORD_LANG (nl or en), Dutch by default."""
    lang = os.environ.get("REGIEBORD_LANG", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def date_text(day: dt.date | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A day as users read it: Dutch day first (23-11-2026), English ISO (2026-11-23).

    The one date formatter of the interface: pages, signal texts and problems all use it.
    """
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = day.date()
    return day.strftime("%d-%m-%Y") if lang == "nl" else day.isoformat()


def code_label(group: str, code: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The interface name of an interchange code, e.g. code_label("role", "mentor").

    No code gives "": None, "", or NaN (how pandas keeps a missing value in a text column).
    """
    if code is None or code == "" or (isinstance(code, float) and math.isnan(code)):
        return ""
    return t(f"codes.{group}.{code}", lang)
