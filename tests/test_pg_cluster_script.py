"""scripts/pg_cluster.sh, which starts the tests' and the benchmark's PostgreSQL: it takes the
first port of a range the server can bind.

CI once failed every PostgreSQL test because the port the tests chose by connecting to it
(nobody answered) could not be bound: a socket held it without listening. These tests hold a
port that way and start a cluster beside it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pg_server import SCRIPT


def _held_ports(count: int) -> tuple[list[socket.socket], int]:
    """`count` consecutive loopback ports, each bound by a socket that does not listen (a
    connection to them is refused, a server cannot bind them); the first port."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        held = []
        try:
            for port in range(first, first + count):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", port))
            return held, first
        except OSError:
            for s in held:
                s.close()
    raise RuntimeError("no run of free loopback ports found")


def _start(folder: Path, ports: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), "start", str(folder / "data"), ports],
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def folder() -> Iterator[Path]:
    if not shutil.which("initdb") and not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL's programs are not installed", pytrace=False)
        pytest.skip("PostgreSQL's programs are not installed")
    path = Path(tempfile.mkdtemp(prefix="regiebord-pgscript-"))
    path.chmod(0o755)  # open to the `postgres` user that owns the cluster when we are root
    yield path
    subprocess.run(["bash", str(SCRIPT), "stop", str(path / "data")], check=False)
    shutil.rmtree(path, ignore_errors=True)


def test_a_port_held_without_listening_is_passed_over(folder):
    held, first = _held_ports(2)
    try:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", first)) != 0  # nobody answers there
        out = _start(folder, f"{first}-{first + 4}")
        assert out.returncode == 0, out.stderr
        url = out.stdout.strip().splitlines()[-1]
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        assert first + 2 <= port <= first + 4
        with psycopg.connect(url) as con:
            assert con.execute("SELECT 1").fetchone() == (1,)
    finally:
        for s in held:
            s.close()


def test_no_port_to_bind_is_said_and_nothing_runs(folder):
    held, first = _held_ports(2)
    try:
        out = _start(folder, f"{first}-{first + 1}")
    finally:
        for s in held:
            s.close()
    assert out.returncode == 1
    assert f"no port of {first}-{first + 1} could be bound on 127.0.0.1" in out.stderr
    assert "Address already in use" in out.stderr
    assert not (folder / "data" / "postmaster.pid").exists()
