"""User text in Markdown without the links GitHub-style Markdown makes of bare addresses.

GFM's autolink extension turns `https://…`, `www.…` and `name@domain` in plain text into links.
Streamlit's renderer (remark-gfm) and other remark-based viewers find them in the text after
backslash escapes are undone, so escaping the colon, dot or `@` does not stop them. An
invisible word joiner (U+2060) after the colon of `://`, between `www` and its dot, and after
the `@` does, in every renderer: the text reads the same and links nowhere.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
_BARE_LINK = re.compile(r"(?<=:)(?=//)|(?<=[wW]{3})(?=\.)|(?<=@)")


def unlinked(text: str) -> str:
    """`text` with a word joiner wherever a bare address would begin a link."""
    return _BARE_LINK.sub(WORD_JOINER, text)
