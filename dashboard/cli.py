"""The `regiebord` command (also `python -m dashboard`).

Every command takes `--db` (default: $REGIEBORD_DB or data/regiebord.duckdb). Errors are
printed as plain sentences on stderr with exit code 1 (2 for usage errors); never a traceback.
Every text comes from the i18n catalogues: Dutch, or English with REGIEBORD_LANG=en.
The command line acts as an admin (`access.CLI_USER`): whoever can open the file can read it.

Each command imports what it needs when it runs, so starting the command line (and
`regiebord flags`) does not pay for pandas, pandera, Faker or the app's libraries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import sys
from pathlib import Path

from dashboard import i18n
from dashboard.errors import Invalid, NotAllowed, NotFound, RegiebordError, StoreLocked
from dashboard.problem import Problem


def tr(key: str, **kwargs) -> str:
    """A text of the command line, in its language ($REGIEBORD_LANG)."""
    return i18n.t(key, i18n.message_language(), **kwargs)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("cli.bad_date", text=text)) from None


def _db(text: str) -> Path | str:
    """A --db value: a DuckDB file's path, or a postgresql:// URL (kept as text)."""
    from dashboard.store import db_target

    return db_target(text)


def _add_db(p: argparse.ArgumentParser, default: object = None) -> None:
    p.add_argument("--db", type=_db, default=default, help=tr("cli.help.db"))


def cmd_init(args) -> int:
    from dashboard.store import open_store

    store = open_store(args.db)
    print(tr("cli.store_ready", path=store.path, version=store.schema_version()))
    return 0


def cmd_import(args) -> int:
    from dashboard import interchange
    from dashboard.security.access import CLI_USER
    from dashboard.store import open_store

    store = open_store(args.db)
    result = interchange.import_files(store, CLI_USER, args.files)
    print(result.summary(i18n.message_language()))
    return 0


def cmd_export(args) -> int:
    from dashboard import interchange
    from dashboard.security.access import CLI_USER
    from dashboard.store import open_store

    store = open_store(args.db)
    paths = interchange.export_all(store, CLI_USER, args.out)
    print(tr("cli.exported", count=len(paths), folder=args.out))
    return 0


def cmd_demo(args) -> int:
    from dashboard import demo
    from dashboard.security.access import CLI_USER
    from dashboard.store import open_store

    store = open_store(args.db)
    counts = demo.generate(
        store, CLI_USER, students=args.students, seed=args.seed, today=args.today
    )
    listed = ", ".join(tr("cli.count", table=k, rows=v) for k, v in counts.items())
    print(tr("cli.demo_written", counts=listed))
    return 0


def _flag_days(args, parser: argparse.ArgumentParser) -> list[dt.date] | None:
    """The evaluation days of `regiebord flags` (docs/flags.md): None for the list of one day,
    else the days to count. Wrong combinations are usage errors (exit code 2)."""
    from dashboard.signals.rules import evaluation_days

    ranged = args.first is not None or args.last is not None
    if ranged and args.as_of is not None:
        parser.error(tr("cli.flags.as_of_with_range"))
    if ranged and (args.first is None or args.last is None):
        parser.error(tr("cli.flags.range_incomplete"))
    if args.every is not None and not ranged:
        parser.error(tr("cli.flags.every_without_range"))
    if ranged and not args.counts:
        parser.error(tr("cli.flags.counts_missing"))
    if not ranged:
        as_of = args.as_of or dt.date.today()
        return [as_of] if args.counts else None
    every = 7 if args.every is None else args.every
    if every < 1:
        parser.error(tr("cli.flags.every_too_small", every=every))
    if args.last < args.first:
        parser.error(tr("cli.flags.to_before_from", first=args.first, last=args.last))
    days = evaluation_days(args.first, args.last, every)
    if len(days) > MAX_FLAG_DAYS:
        parser.error(tr("cli.flags.too_many_days", days=len(days), most=MAX_FLAG_DAYS))
    return days


MAX_FLAG_DAYS = 400  # evaluation days of one `flags --counts` (a year of days, 7 of weeks)


def cmd_flags(args) -> int:
    from dashboard import signals
    from dashboard.security.access import CLI_USER
    from dashboard.store import open_store

    days = _flag_days(args, args.parser)
    store = open_store(args.db)
    if days is None:
        text = signals.flags_report(store, CLI_USER, args.as_of or dt.date.today(), args.format)
    else:
        text = signals.counts_report(store, CLI_USER, days, args.format)
    sys.stdout.write(text)
    return 0


def cmd_backup(args) -> int:
    """`regiebord backup`: the store must exist (a backup never creates one). While the app
    holds it, the app's own scheduled backup is the way (dashboard/backups.py)."""
    from dashboard import backups
    from dashboard.security.access import CLI_USER
    from dashboard.store import open_store

    if isinstance(args.db, Path) and not args.db.is_file():
        raise Invalid(
            [Problem("cli.backup.no_store", {"path": str(args.db)})],
            summary=Problem("cli.backup.refused"),
        )
    try:
        store = open_store(args.db)
    except StoreLocked as exc:  # the app holds it, and backs it up itself: say so
        raise StoreLocked(tr("cli.backup.store_locked", path=args.db)) from exc
    try:
        counts = backups.backup(store, CLI_USER, args.out, force=args.force)
    finally:
        store.close()
    listed = ", ".join(tr("cli.count", table=k, rows=v) for k, v in counts.items())
    print(tr("cli.backup.done", db=args.db, path=args.out, counts=listed))
    return 0


def cmd_restore(args) -> int:
    from dashboard import backups
    from dashboard.security.access import CLI_USER

    version = backups.restore(CLI_USER, args.source, args.db, force=args.force)
    print(tr("cli.backup.restored", source=args.source, path=args.db, version=version))
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(tr("cli.user.new_password"))
    if getpass.getpass(tr("cli.user.repeat_password")) != first:
        raise Invalid([Problem("access.password.mismatch")])
    return first


def cmd_user(args) -> int:
    """`regiebord user add|disable|reset|list`, acting as access.CLI_USER."""
    from dashboard.security import access, accounts
    from dashboard.store import open_store

    store = open_store(args.db)
    actor = access.CLI_USER
    command = args.user_command
    if command == "add":
        password = _read_password(args.password_stdin)
        user = accounts.add_user(
            store, actor, args.username, args.kind, password, args.person, args.location, args.email
        )
        print(tr("cli.user.added", username=user.username, kind=user.kind))
    elif command == "disable":
        accounts.disable_user(store, actor, args.username)
        print(tr("cli.user.disabled", username=args.username))
    elif command == "reset":
        password = _read_password(args.password_stdin)
        accounts.reset_password(store, actor, args.username, password)
        print(tr("cli.user.reset", username=args.username))
    elif command == "list":
        for row in accounts.list_users(store, actor):
            state = "disabled" if row["disabled"] else "locked" if row["locked"] else "active"
            cells = [
                row["username"],
                row["kind"],
                row["person_id"] or "-",
                row["name"] or "-",
                ",".join(row["locations"] or []) or "-",
                row["email"] or "-",
                tr(f"cli.user.state_{state}"),
            ]
            print("\t".join(cells))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regiebord", description=tr("cli.help.description"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help=tr("cli.help.init"))
    _add_db(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "import", help=tr("cli.help.import"), description=tr("cli.help.import_description")
    )
    _add_db(p)
    p.add_argument("files", nargs="+", type=Path, help=tr("cli.help.import_files"))
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help=tr("cli.help.export"))
    _add_db(p)
    p.add_argument("--out", type=Path, required=True, help=tr("cli.help.export_out"))
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help=tr("cli.help.demo"))
    _add_db(p)
    p.add_argument("--students", type=int, default=300, help=tr("cli.help.demo_students"))
    p.add_argument("--seed", type=int, default=1, help=tr("cli.help.demo_seed"))
    p.add_argument("--today", type=_date, default=None, help=tr("cli.help.demo_today"))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("flags", help=tr("cli.help.flags"))
    _add_db(p)
    p.add_argument("--as-of", type=_date, default=None, help=tr("cli.help.flags_as_of"))
    p.add_argument("--from", dest="first", metavar="D1", type=_date, help=tr("cli.help.flags_from"))
    p.add_argument("--to", dest="last", metavar="D2", type=_date, help=tr("cli.help.flags_to"))
    p.add_argument("--every", metavar="N", type=int, help=tr("cli.help.flags_every"))
    p.add_argument("--counts", action="store_true", help=tr("cli.help.flags_counts"))
    p.add_argument(
        "--format", choices=("csv", "json"), default="csv", help=tr("cli.help.flags_format")
    )
    p.set_defaults(func=cmd_flags, parser=p)

    p = sub.add_parser(
        "backup", help=tr("cli.help.backup"), description=tr("cli.help.backup_description")
    )
    _add_db(p)
    p.add_argument("--out", type=Path, required=True, help=tr("cli.help.backup_out"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.backup_force"))
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore", help=tr("cli.help.restore"), description=tr("cli.help.restore_description")
    )
    _add_db(p)
    p.add_argument(
        "--from", dest="source", type=Path, required=True, help=tr("cli.help.restore_from")
    )
    p.add_argument("--force", action="store_true", help=tr("cli.help.restore_force"))
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("user", help=tr("cli.help.user"))
    _add_db(p)
    usub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    u = usub.add_parser("add", help=tr("cli.help.user_add"))
    _add_db(u, default=argparse.SUPPRESS)  # also after the action, as the README writes it
    u.add_argument("username", help=tr("cli.help.username"))
    u.add_argument("--kind", required=True, help=tr("cli.help.user_kind"))
    u.add_argument("--person", help=tr("cli.help.user_person"))
    u.add_argument("--location", action="append", default=[], help=tr("cli.help.user_location"))
    u.add_argument("--email", help=tr("cli.help.user_email"))
    u.add_argument("--password-stdin", action="store_true", help=tr("cli.help.password_stdin"))
    u = usub.add_parser("disable", help=tr("cli.help.user_disable"))
    _add_db(u, default=argparse.SUPPRESS)
    u.add_argument("username", help=tr("cli.help.username"))
    u = usub.add_parser("reset", help=tr("cli.help.user_reset"))
    _add_db(u, default=argparse.SUPPRESS)
    u.add_argument("username", help=tr("cli.help.username"))
    u.add_argument("--password-stdin", action="store_true", help=tr("cli.help.password_stdin"))
    _add_db(usub.add_parser("list", help=tr("cli.help.user_list")), default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_user)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "db", "unset") is None:
        from dashboard.store import default_db_path

        args.db = default_db_path()
    lang = i18n.message_language()
    # The connection pool logs each failed attempt to reach PostgreSQL (in English, to
    # stderr); the command says it once, in the user's language, when it gives up.
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
    try:
        return args.func(args)
    except Invalid as exc:
        for problem in exc.problems:
            print(problem.text(lang), file=sys.stderr)
        print(f"{exc.text(lang)} — {tr('cli.nothing_written')}", file=sys.stderr)
        return 1
    except NotFound as exc:
        print(tr("cli.error", message=tr("cli.not_found", what=exc)), file=sys.stderr)
        return 1
    except NotAllowed as exc:
        print(tr("cli.error", message=tr("cli.not_allowed", what=exc)), file=sys.stderr)
        return 1
    except RegiebordError as exc:  # StoreLocked: its message is already in this language
        print(tr("cli.error", message=exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
