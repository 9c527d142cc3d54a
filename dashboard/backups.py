"""Backups of the whole store and restoring one (`regiebord backup` and `regiebord restore`).

A backup is a new, self-contained DuckDB file (dashboard/store/backup.py makes the copy); a
restore copies a backup into a new store file, migrated to the current schema. Both are for
admins (`import_export`; the command line acts as one). Neither overwrites a file unless asked
(`force`), and a replaced file is replaced at once: the copy is written beside it first.

A DuckDB store held by another process (the running app) gives StoreLocked before anything
is written. While the app runs, it makes its own backups instead: once a day at the hour the
admin set, into the folder set, keeping the newest few (`run_scheduled`, called from a
background thread by `keep_backing_up`).

On PostgreSQL (server mode) the same two work while app servers run: a backup is the same
kind of DuckDB file, copied under the store-wide write lock (writes wait for it); a restore
replaces the rows of the database's store in one transaction (`PgTx.replace_all_from`), so
app servers see the store before or after it, never half. The database's own pg_dump and
replication stay the way to run a server (docs/deployment.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from dashboard import settings
from dashboard.codes import TABLES
from dashboard.errors import Invalid
from dashboard.problem import Problem
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import FileStore, Store, is_server_url, open_store
from dashboard.store import backup as copying
from dashboard.store.postgres import PgTx
from dashboard.store.tx import scalar

REFUSED = Problem("cli.backup.refused")
SCHEDULE_USER = User(username="schedule", kind="admin", name="scheduled backup")
PREFIX = "regiebord-"  # the scheduled backups' names; nothing else in their folder is touched
STAMP = "%Y-%m-%dT%H%M%S"  # the moment in a scheduled backup's name (no ':', for Windows)
CHECK_SECONDS = 300.0  # how often the app looks whether a backup is due

log = logging.getLogger(__name__)


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
    out = Path(out)
    if isinstance(store, FileStore) and out.resolve() == store.path.resolve():
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
    source = Path(source)
    if not copying.is_store(source):
        raise _refuse("cli.backup.not_a_store", source)
    if is_server_url(db):
        return _restore_on_server(user, source, str(db), force)
    db = Path(db)
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
            with restored.write(audit_only=True) as tx:  # the restored trail says so itself
                audit.record(tx, audit.Restore(user.actor, str(source), version))
        finally:
            restored.close()
        copying.remove(db.with_name(db.name + ".wal"))
        os.replace(part, db)
    finally:
        copying.remove(part)
    return version


def _restore_on_server(user: User, source: Path, url: str, force: bool) -> int:
    """Restore the backup `source` into the PostgreSQL database at `url`: its store (made or
    upgraded first) must hold nothing unless `force`. The backup is first copied into a
    temporary file and migrated there, so an older backup fits the current schema."""
    part = _part(source.with_name("restore.duckdb"))
    copying.remove(part)
    try:
        copying.copy_file(source, part)
        open_store(part).close()  # migrates an older backup
        store = open_store(url)
        try:
            with store.read() as cur:
                used = scalar(
                    cur, "SELECT (SELECT count(*) FROM audit) + (SELECT count(*) FROM students)"
                )
            if used and not force:
                raise _refuse("cli.backup.db_exists", Path(store.path))
            with store.write() as tx:
                assert isinstance(tx, PgTx)  # a postgresql:// URL opens a PgStore
                tx.replace_all_from(part)
                tx.touch_all()
                version = int(tx.scalar("SELECT max(version) FROM schema_version"))
                audit.record(tx, audit.Restore(user.actor, str(source), version))
            return version
        finally:
            store.close()
    finally:
        copying.remove(part)


# -- the app's scheduled backups ---------------------------------------------------------------


@dataclass(frozen=True)
class BackupFile:
    """One scheduled backup in the folder: its file, size in bytes and when it was made."""

    path: Path
    size: int
    made_at: dt.datetime

    def age(self, now: dt.datetime) -> dt.timedelta:
        return max(now - self.made_at, dt.timedelta(0))


def folder(store: Store) -> Path:
    """The folder of the scheduled backups: the setting, else `backups` beside the store."""
    chosen = settings.texts(store)["backup_folder"]
    return Path(chosen) if chosen else Path(store.path).parent / "backups"


def _in(where: Path) -> list[BackupFile]:
    """The scheduled backups in `where`, newest first (by the moment in their name)."""
    found = []
    for path in where.glob(f"{PREFIX}*.duckdb"):
        try:
            made_at = dt.datetime.strptime(path.stem.removeprefix(PREFIX), STAMP)
        except ValueError:
            continue  # not one of ours
        found.append(BackupFile(path, path.stat().st_size, made_at))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def listed(store: Store, user: User) -> list[BackupFile]:
    """The scheduled backups, newest first, for the admin page."""
    access.ensure(user, "import_export")
    return _in(folder(store))


def is_due(newest: dt.datetime | None, now: dt.datetime, hour: int) -> bool:
    """Whether a backup is due at `now`: none was made since the latest `hour` o'clock.
    (A backup missed while the app was down is made at the next check.)"""
    latest_hour = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if latest_hour > now:
        latest_hour -= dt.timedelta(days=1)
    return newest is None or newest < latest_hour


def run_scheduled(store: Store, now: dt.datetime) -> Path | None:
    """Make the day's backup when it is due (see is_due), then keep only the newest
    `backup_keep`; returns the new backup, or None when none was due. The copy is taken
    under the write lock (Store.copy_to) and audited as every backup is."""
    values = settings.current(store)
    where = folder(store)
    present = _in(where)
    if not is_due(present[0].made_at if present else None, now, values["backup_hour"]):
        return None
    out = where / f"{PREFIX}{now.isoformat(timespec='seconds').replace(':', '')}.duckdb"
    backup(store, SCHEDULE_USER, out)
    for old in _in(where)[values["backup_keep"] :]:
        copying.remove(old.path)
    return out


def keep_backing_up(store: Store, stop: threading.Event, every: float = CHECK_SECONDS) -> None:
    """The app's backup thread: every `every` seconds, make a backup when one is due, until
    `stop` is set or the store is closed. A failed backup (a full disk, a folder that cannot
    be written) is logged and tried again at the next check; the admin page shows the age of
    the newest backup, so a run of failures does not go unseen."""
    while not stop.wait(every) and store.is_open:
        try:
            run_scheduled(store, dt.datetime.now())
        except Exception:  # any failure: keep the thread (and the next backups) alive
            log.exception("the scheduled backup failed")
