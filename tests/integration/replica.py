"""A real streaming replica of the test PostgreSQL on this machine, for the tests (no tests here).

`pg_basebackup` copies the running server into a fresh data directory (``-R`` writes its
``primary_conninfo`` and ``standby.signal``), and `pg_ctl` starts it on another port; at the end it
is stopped and its directory removed. The primary must accept replication connections from
127.0.0.1 (`.ci/run` adds the line to pg_hba.conf). PostgreSQL refuses to run as root, so when the
tests do, the replica runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse


def _bindir() -> Path | None:
    """The newest installed PostgreSQL's binaries (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_basebackup")
    return Path(on_path).parent if on_path else None


def installed() -> bool:
    return _bindir() is not None


def _run(command: list[str], timeout: float) -> None:
    """Run a PostgreSQL tool (as the postgres user under root); fail with what it said."""
    tool = Path(command[0]).name
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{tool}: {done.stderr or done.stdout}")


@contextmanager
def running_replica(postgres_url: str) -> Iterator[str]:
    """A hot standby of ``postgres_url``'s server on a free loopback port; its URL."""
    bindir = _bindir()
    assert bindir is not None
    primary = urlparse(postgres_url)
    dbname = primary.path.lstrip("/") or "postgres"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    top = Path(tempfile.mkdtemp(prefix="bratasena-replica-"))
    top.chmod(0o755)
    data = top / "data"
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data)]
    started = False
    try:
        if os.geteuid() == 0:
            shutil.chown(top, "postgres", "postgres")
        # The primary must allow replication from 127.0.0.1 (pg_hba.conf; .ci/run adds it).
        _run(
            [
                str(bindir / "pg_basebackup"), "-h", primary.hostname or "127.0.0.1",
                "-p", str(primary.port or 5432), "-U", primary.username or "postgres",
                "-D", str(data), "-R", "-X", "stream", "-c", "fast", "--no-sync",
            ],
            timeout=120,
        )  # fmt: skip
        # Debian keeps the configuration outside the data directory: give the copy its own.
        (data / "postgresql.conf").write_text(
            f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{top}'\n"
            "hot_standby = on\nhot_standby_feedback = on\nfsync = off\n"
        )
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        if os.geteuid() == 0:
            for name in ("postgresql.conf", "pg_hba.conf"):
                shutil.chown(data / name, "postgres", "postgres")
        started = True
        _run([*pg_ctl, "-l", str(top / "replica.log"), "-w", "-t", "60", "start"], timeout=90)
        yield f"postgresql://postgres@127.0.0.1:{port}/{dbname}"
    finally:
        if started:
            with contextlib.suppress(RuntimeError):
                _run([*pg_ctl, "-m", "immediate", "-w", "stop"], timeout=60)
        shutil.rmtree(top, ignore_errors=True)
