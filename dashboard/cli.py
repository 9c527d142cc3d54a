"""The `regiebord` command (also `python -m dashboard`).

Every command takes `--db` (default: $REGIEBORD_DB or data/regiebord.duckdb). Errors are
printed as plain sentences on stderr with exit code 1 (2 for usage errors); never a traceback.
The command line acts as an admin (`access.CLI_USER`): whoever can open the file can read it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from dashboard import i18n
from dashboard.errors import Invalid, RegiebordError
from dashboard.store import default_db_path, message_language, open_store


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in the form YYYY-MM-DD") from None


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        type=Path,
        default=None,
        help="the DuckDB store file (default: $REGIEBORD_DB or data/regiebord.duckdb)",
    )


def cmd_init(args) -> int:
    store = open_store(args.db)
    print(f"Store {store.path} is ready (schema version {store.schema_version()}).")
    return 0


def cmd_import(args) -> int:
    from dashboard import interchange
    from dashboard.security.access import CLI_USER

    store = open_store(args.db)
    result = interchange.import_files(store, CLI_USER, args.files)
    print(result.summary())
    return 0


def cmd_export(args) -> int:
    from dashboard import interchange
    from dashboard.security.access import CLI_USER

    store = open_store(args.db)
    paths = interchange.export_all(store, CLI_USER, args.out)
    print(f"Wrote {len(paths)} files to {args.out}.")
    return 0


def cmd_demo(args) -> int:
    from dashboard import demo
    from dashboard.security.access import CLI_USER

    store = open_store(args.db)
    counts = demo.generate(
        store, CLI_USER, students=args.students, seed=args.seed, today=args.today
    )
    print("Demo data written: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".")
    return 0


def cmd_flags(args) -> int:
    from dashboard import signals
    from dashboard.security.access import CLI_USER

    store = open_store(args.db)
    as_of = args.as_of or dt.date.today()
    text = signals.flags_report(store, CLI_USER, as_of, args.format)
    sys.stdout.write(text)
    return 0


def cmd_user(args) -> int:
    from dashboard.security import users

    store = open_store(args.db)
    return users.cli(store, args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="regiebord",
        description="Regiebord: guidance coordination for mbo students, on a DuckDB store.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="create the store or upgrade it to the current schema")
    _add_db(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "import",
        help="import interchange files (CSV or XLSX), all or nothing",
        description="Validate the files (docs/interchange.md) and import them in one "
        "transaction. On any problem nothing is written and every problem is listed.",
    )
    _add_db(p)
    p.add_argument("files", nargs="+", type=Path, help="students.csv, staff.csv, ... or a .xlsx")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export every table as interchange CSV files")
    _add_db(p)
    p.add_argument("--out", type=Path, required=True, help="folder to write the files into")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help="fill the store with generated, clearly marked demo data")
    _add_db(p)
    p.add_argument("--students", type=int, default=300, help="number of students (default 300)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--today", type=_date, default=None, help="the day the data is generated around")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("flags", help="print the signals for one day (docs/flags.md)")
    _add_db(p)
    p.add_argument("--as-of", type=_date, default=None, help="evaluation day (default today)")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.set_defaults(func=cmd_flags)

    p = sub.add_parser("user", help="manage sign-in accounts")
    _add_db(p)
    usub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    u = usub.add_parser("add", help="add an account (asks for the password)")
    u.add_argument("username")
    u.add_argument(
        "--kind",
        required=True,
        help="admin, manager, care_coordinator, care_worker, guide or workplace",
    )
    u.add_argument("--person", help="person_id in staff this account belongs to")
    u.add_argument(
        "--location",
        action="append",
        default=[],
        help="for a care coordinator: a location they cover; for a manager: a location whose"
        " figures they see (repeatable)",
    )
    u.add_argument("--email")
    u.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of asking",
    )
    u = usub.add_parser("disable", help="disable an account (its sessions end)")
    u.add_argument("username")
    u = usub.add_parser("reset", help="set a new password and lift a lock")
    u.add_argument("username")
    u.add_argument("--password-stdin", action="store_true")
    usub.add_parser("list", help="list the accounts")
    p.set_defaults(func=cmd_user)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "db", "unset") is None:
        args.db = default_db_path()
    try:
        return args.func(args)
    except Invalid as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        print(f"{exc} — {i18n.t('cli.nothing_written', message_language())}", file=sys.stderr)
        return 1
    except RegiebordError as exc:
        print(f"regiebord: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
