"""Backups of the whole store and restoring one (`regiebord backup` and `regiebord restore`).

A backup is a new, self-contained DuckDB file (dashboard/store/backup.py makes the copy); a
restore copies a backup into a new store file, migrated to the current schema. Both are for
admins (`import_export`; the command line acts as one). Neither overwrites a file unless asked
(`force`), and a replaced file is replaced at once: the copy is written beside it first.

Only the DuckDB backend: a store held by another process (the running app) gives StoreLocked
before anything is written.
"""

from __future__ import annotations

import os
from pathlib import Path

from dashboard.codes import TABLES
from dashboard.errors import Invalid
from dashboard.problem import Problem
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import FileStore, Store, open_store
from dashboard.store import backup as copying

REFUSED = Problem("cli.backup.refused")


def _refuse(key: str, path: Path) -> Invalid:
    return Invalid([Problem(key, {"path": str(path)})], summary=REFUSED)


def _part(path: Path) -> Path:
    """The temporary file beside `path` a copy is written to before it takes its place."""
    return path.with_name(f".{path.name}.{os.getpid()}.part")


def _make_room(path: Path, force: bool, refusal: str) -> None:
    """Refuse an existing `path` (with `refusal`) unless `force`, and then only while no other
    process holds it; make its folder."""
    if path.exists():
        if not force:
            raise _refuse(refusal, path)
        copying.ensure_free(path)
    path.parent.mkdir(parents=True, exist_ok=True)


def backup(store: Store, user: User, out: Path | str, *, force: bool = False) -> dict[str, int]:
    """Copy the whole store into a new DuckDB file `out`; returns the rows per table in it.

    Refuses an existing `out` unless `force` (then it is replaced at once), and always the
    store's own file. The audit event (action "backup") is recorded BEFORE the copy, in its
    own audit-only write, so the backup holds everything up to and including its own event;
    should the copy then fail, the trail shows an attempt that left no file.
    """
    access.ensure(user, "import_export")
    if not isinstance(store, FileStore):
        raise Invalid(
            [Problem("cli.backup.on_server", {"path": str(store.path)})],
            summary=Problem("cli.backup.refused"),
        )
    out = Path(out)
    if out.resolve() == store.path.resolve():
        raise _refuse("cli.backup.same_file", out)
    _make_room(out, force, "cli.backup.out_exists")
    with store.write(audit_only=True) as tx:
        counts = {t: int(tx.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}
        audit.record(tx, audit.Backup(user.actor, str(out), counts))
    part = _part(out)
    copying.remove(part)
    try:
        store.copy_to(part)
        copying.remove(out.with_name(out.name + ".wal"))
        os.replace(part, out)
    finally:
        copying.remove(part)
    return counts


def restore(user: User, source: Path | str, db: Path | str, *, force: bool = False) -> int:
    """Restore the backup `source` into a new store file `db`; returns its schema version.

    `source` must be a Regiebord store (a DuckDB file with `schema_version`); an older schema
    is migrated (open_store). An existing `db` is refused unless `force`; then it is replaced
    at once (the restored store is written beside it first), and refused while another
    process holds it (StoreLocked). A refusal leaves `db` as it was.
    """
    access.ensure(user, "import_export")
    source, db = Path(source), Path(db)
    if not copying.is_store(source):
        raise _refuse("cli.backup.not_a_store", source)
    if source.resolve() == db.resolve():
        raise _refuse("cli.backup.same_file", db)
    _make_room(db, force, "cli.backup.db_exists")
    part = _part(db)
    copying.remove(part)
    try:
        copying.copy_file(source, part)
        restored = open_store(part)  # migrates an older backup
        try:
            version = restored.schema_version()
        finally:
            restored.close()
        copying.remove(db.with_name(db.name + ".wal"))
        os.replace(part, db)
    finally:
        copying.remove(part)
    return version
