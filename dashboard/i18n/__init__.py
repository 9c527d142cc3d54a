"""Every user-facing string, keyed, one catalogue per language (nl.toml, en.toml).

`t("caseload.title")` looks the key up in the active language, falling back to Dutch.
Keys are dotted paths into the TOML tables; `{name}` placeholders are filled from kwargs.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@cache
def catalogue(lang: str) -> dict[str, str]:
    data = tomllib.loads(resources.files(__package__).joinpath(f"{lang}.toml").read_text("utf-8"))
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(path, value)
            else:
                flat[path] = value

    walk("", data)
    return flat


def t(key: str, lang: str = DEFAULT_LANGUAGE, **kwargs) -> str:
    """The text for `key` in `lang` (Dutch when missing there); the key itself if unknown."""
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**kwargs) if kwargs else text


def code_label(group: str, code: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The interface name of an interchange code, e.g. code_label("role", "mentor")."""
    if code is None:
        return ""
    return t(f"codes.{group}.{code}", lang)
