"""A real PgBouncer in transaction mode before the test PostgreSQL, for the tests (no tests here).

Debian's package (`.ci/run` installs it); the process runs as the ``postgres`` user when the tests
run as root, since PgBouncer refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def installed() -> bool:
    return Path(BINARY).exists()


@dataclass
class Bouncer:
    """A running PgBouncer: the URL of the pooled database, and its admin console."""

    url: str
    port: int
    pool_size: int

    def show(self, what: str) -> list[dict[str, Any]]:
        """Rows of the admin console's ``SHOW what`` (CLIENTS, SERVERS, STATS, POOLS)."""
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/pgbouncer",
            autocommit=True,
            prepare_threshold=None,
        ) as conn:
            cursor = conn.execute(f"SHOW {what}", prepare=False)
            names = [column.name for column in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@contextmanager
def running_bouncer(postgres_url: str, pool_size: int = 4) -> Iterator[Bouncer]:
    """PgBouncer on a free loopback port pooling ``postgres_url``'s database in transaction mode."""
    target = urlparse(postgres_url)
    dbname = target.path.lstrip("/") or "postgres"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    directory = Path(tempfile.mkdtemp(prefix="bratasena-pgbouncer-"))
    directory.chmod(0o755)  # readable by the postgres user it runs as
    (directory / "users.txt").write_text('"postgres" ""\n')
    (directory / "pgbouncer.ini").write_text(
        f"""[databases]
{dbname} = host={target.hostname or "127.0.0.1"} port={target.port or 5432} dbname={dbname}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory / "users.txt"}
admin_users = postgres
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
"""
    )
    for path in directory.iterdir():
        path.chmod(0o644)
    command = [BINARY, str(directory / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise RuntimeError(f"pgbouncer did not start: {output}") from None
                time.sleep(0.05)
        yield Bouncer(f"postgresql://postgres@127.0.0.1:{port}/{dbname}", port, pool_size)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
        shutil.rmtree(directory, ignore_errors=True)
