"""The one rule for characters in text, wherever it comes from (a form, the command line, an
imported file): no control characters and no bidirectional formatting characters.

Why: an ANSI escape (ESC `[31m`) recolours or rewrites a terminal that prints the text, a NUL
or other C0/C1 control character breaks files and tools downstream, and a bidirectional
override (U+202E) reverses the text others read ("gebeld ‮gnissiw" shows as a different
word). None of them is ever typed on purpose. Such text is REFUSED, not silently stripped, so
what is stored is exactly what the person sent: forms and services get a Problem naming the
field and the character, the import one naming the file, row and column.

Allowed: every printable character (accents, emoji and their joiners, other scripts), and in
multi-line fields (summaries, details, notes, reasons; free-text columns of the import) the
line end (LF, CR) and tab. One-line fields (names, ids, codes, a programme) allow none of
those.
"""

from __future__ import annotations

import re

# C0 controls except tab, LF and CR; DEL and the C1 controls.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Bidirectional formatting: ALM, LRM, RLM, the embeddings/overrides and the isolates.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"

FORBIDDEN_MULTILINE = re.compile(f"[{_CONTROL}{_BIDI}]")
FORBIDDEN_ONE_LINE = re.compile(f"[\t\n\r{_CONTROL}{_BIDI}]")


def forbidden(multiline: bool) -> re.Pattern[str]:
    return FORBIDDEN_MULTILINE if multiline else FORBIDDEN_ONE_LINE


def first_forbidden(text: str, multiline: bool) -> str | None:
    """The first character `text` may not hold, as `U+202E`; None when it is clean."""
    found = forbidden(multiline).search(text)
    return None if found is None else f"U+{ord(found.group(0)):04X}"


def visible(text: str) -> str:
    """`text` with every control and bidirectional character written as `[U+001B]`, so a
    refused value can be quoted back (on a page, in a terminal) without acting."""
    return FORBIDDEN_MULTILINE.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", text)
