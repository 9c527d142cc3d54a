"""The query files (dashboard/queries/*.sql) and the one way to load them: `load(name, **switches)`.

A query file opens with a header of comment lines:

    -- name: caseload_students
    -- The students of one user's caseload on $today.
    -- switch: visible  the student_ids the user may see (a query)
    -- ... any further comment

the file's name, one line saying what it is for, and one `-- switch:` line per switch. Its body
marks each place a switch goes as `/*:visible*/`. `load` drops the comments (so a `$name` or a
marker in a comment never counts: report.py and rules.py read the parameters off the text),
puts each switch's fragment in, and refuses a switch the file does not declare, a declared
switch left out, and a marker no switch fills.

A switch is a fixed SQL fragment chosen by code: a scope of dashboard.security.access, its
active-role predicate, one of a few filters written in the caller. It is NEVER a value a user
typed or a row holds: values stay `$named` parameters that DuckDB binds.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

_FILES = resources.files(__package__)
_MARKER = re.compile(r"/\*:(\w+)\*/")
_COMMENT = re.compile(r"--[^\n]*")  # no query file holds `--` inside a string
_SWITCH = re.compile(r"^-- switch: (\w+)\s+(\S.*)$")


class QueryError(ValueError):
    """A query file or a call of `load` that breaks the rules above: a programmer's error."""


@dataclass(frozen=True)
class _Query:
    body: str  # without comments
    switches: dict[str, str]  # declared switch -> what it is


def load(name: str, **switches: str) -> str:
    """The SQL of dashboard/queries/<name>.sql without comments, with every declared switch
    filled in by its fixed SQL fragment (never a user's value: see the module docstring)."""
    query = _parse(name)
    undeclared = sorted(set(switches) - set(query.switches))
    if undeclared:
        raise QueryError(f"{name}.sql declares no switch {', '.join(undeclared)}")
    missing = sorted(set(query.switches) - set(switches))
    if missing:
        raise QueryError(f"{name}.sql needs switch {', '.join(missing)}")
    sql = _MARKER.sub(lambda m: switches.get(m.group(1), m.group(0)), query.body)
    left = sorted(set(_MARKER.findall(sql)))
    if left:
        raise QueryError(f"{name}.sql: marker {', '.join(left)} left unfilled")
    return sql


def bound(values: list[str], prefix: str) -> tuple[str, dict[str, object]]:
    """`values` as one `$<prefix><n>` parameter each: the marks for `column IN (<marks>)` and
    their parameters. On PostgreSQL DuckDB sends such a list to the server as a filter, which
    its index answers, where `IN (SELECT unnest($list))` is a semi join that reads the whole
    table over the wire (issue 20)."""
    marks = ", ".join(f"${prefix}{n}" for n in range(len(values)))
    return marks, {f"{prefix}{n}": value for n, value in enumerate(values)}


def switches(name: str) -> dict[str, str]:
    """The switches <name>.sql declares, each with what it is (from its header)."""
    return dict(_parse(name).switches)


def names() -> list[str]:
    """The names of every query file, sorted."""
    return sorted(f.name[: -len(".sql")] for f in _FILES.iterdir() if f.name.endswith(".sql"))


@functools.cache
def _parse(name: str) -> _Query:
    text = _FILES.joinpath(f"{name}.sql").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[
        : next((i for i, line in enumerate(lines) if not line.startswith("--")), len(lines))
    ]
    if not header or header[0] != f"-- name: {name}":
        raise QueryError(f"{name}.sql does not open with `-- name: {name}`")
    if len(header) < 2 or not header[1].endswith(".") or _SWITCH.match(header[1]):
        raise QueryError(f"{name}.sql: the header's second line is not one line of purpose")
    declared = {m[1]: m[2] for m in map(_SWITCH.match, header) if m}
    body = _COMMENT.sub("", text)
    unmarked = sorted(set(declared) - set(_MARKER.findall(body)))
    if unmarked:
        raise QueryError(f"{name}.sql declares switch {', '.join(unmarked)} but marks no place")
    return _Query(body, declared)
