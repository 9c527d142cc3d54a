"""The tests' PostgreSQL: a throw-away cluster started by scripts/pg_cluster.sh on the first
loopback port of PORTS it can bind, or the server in $REGIEBORD_TEST_PG (a postgresql:// URL
of a database the tests may create databases from) when that is set.

Each test gets its own database, cloned from a template that holds the migrated schema
(CREATE DATABASE ... TEMPLATE is a file copy, much faster than migrating each time).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from dashboard.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "pg_cluster.sh"
# Ports to try for the cluster (this machine's helpers each have their own range).
PORTS = os.environ.get("REGIEBORD_TEST_PG_PORTS", "55432-55481")
TEMPLATE = "regiebord_template"
PREFIX = "regiebord-pg-"  # the folders of clusters started by test sessions


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@dataclass
class Server:
    admin_url: str
    folder: Path | None  # the cluster's folder when this session started it
    _counter: itertools.count = field(default_factory=itertools.count)

    def _admin(self, sql: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute(sql)

    def make_template(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        self._admin(f"CREATE DATABASE {TEMPLATE}")
        open_store(_with_database(self.admin_url, TEMPLATE)).close()

    def fresh_database(self, label: str = "t") -> str:
        name = (
            f"t{next(self._counter)}_{re.sub(r'[^a-z0-9]', '', label.lower())[:40]}_{os.getpid()}"
        )
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return _with_database(self.admin_url, name)

    def copy_database(self, source_url: str, label: str = "copy") -> str:
        """A new database cloned from `source_url`'s (nobody may be connected to it)."""
        name = (
            f"c{next(self._counter)}_{re.sub(r'[^a-z0-9]', '', label.lower())[:40]}_{os.getpid()}"
        )
        source = urlsplit(source_url).path.lstrip("/")
        self._admin(f"CREATE DATABASE {name} TEMPLATE {source}")
        return _with_database(self.admin_url, name)

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def pause(self) -> None:
        """Stop the server (as for a restart); `resume` starts it again on the same port."""
        if self.folder is None:
            pytest.skip("a server this session did not start cannot be restarted")
        subprocess.run(["bash", str(SCRIPT), "stop", str(self.folder / "data")], check=True)

    def resume(self) -> None:
        assert self.folder is not None
        port = str(urlsplit(self.admin_url).port)
        subprocess.run(
            ["bash", str(SCRIPT), "start", str(self.folder / "data"), port],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        if self.folder is not None:
            subprocess.run(["bash", str(SCRIPT), "stop", str(self.folder / "data")], check=False)
            shutil.rmtree(self.folder, ignore_errors=True)


class Unavailable:
    """Stands in for the server when it could not start: every PostgreSQL test is skipped
    (or, in CI, fails)."""

    def __init__(self, reason: str):
        self.reason = reason

    def __getattr__(self, name: str):
        message = f"PostgreSQL for the tests could not start: {self.reason}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)

    def stop(self) -> None:
        pass


def _stop_orphans() -> None:
    """Stop the clusters of earlier test sessions that were killed before their end."""
    for owner in Path(tempfile.gettempdir()).glob(PREFIX + "*/owner.pid"):
        try:
            os.kill(int(owner.read_text()), 0)
            continue  # that session still runs
        except (OSError, ValueError):
            pass
        subprocess.run(["bash", str(SCRIPT), "stop", str(owner.parent / "data")], check=False)
        shutil.rmtree(owner.parent, ignore_errors=True)


def start() -> Server | Unavailable:
    """The session's server: $REGIEBORD_TEST_PG, or a cluster started in a new folder (in
    /tmp, open to the `postgres` user that owns the cluster when we are root)."""
    try:
        external = os.environ.get("REGIEBORD_TEST_PG")
        if external:
            server = Server(external, None)
        else:
            _stop_orphans()
            folder = Path(tempfile.mkdtemp(prefix=PREFIX))
            folder.chmod(0o755)
            (folder / "owner.pid").write_text(str(os.getpid()))
            out = subprocess.run(
                ["bash", str(SCRIPT), "start", str(folder / "data"), PORTS],
                capture_output=True,
                text=True,
                timeout=120,
            )
            if out.returncode != 0:
                return Unavailable((out.stderr or out.stdout).strip()[-2000:])
            server = Server(out.stdout.strip().splitlines()[-1], folder)
        server.make_template()
        return server
    except (OSError, RuntimeError, psycopg.Error, subprocess.TimeoutExpired) as exc:
        return Unavailable(str(exc))
