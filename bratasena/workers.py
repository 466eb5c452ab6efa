"""Several worker processes serving one deployment: `bratasena serve|api --workers N`.

uvicorn's own supervisor starts N processes on one listening socket and starts a new one when a
worker dies. They are spawned (fresh interpreters), so each builds its own app from an import
string (`serve_app`, `api_app`) and its own `Service`. The parent does what must happen once per
deployment before any worker starts (the store's regency check, and with ``--demo`` the seeding
and the stand-in targets, which run as threads of the parent), then hands its settings to the
workers through the environment, the only thing they inherit.

What the workers share: the database (or the SQLite files), the rate limit and the login
throttle (a table or Redis, `bratasena.limit_store`), the request metrics (the Prometheus
client's files in a directory of this run, `bratasena.metrics`), and the projection runner and
the sync worker, which run in whichever worker holds each role's lease
(`bratasena.leadership`) while the others stand by.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from prometheus_client import multiprocess
from pydantic import SecretStr
from uvicorn import Config
from uvicorn.supervisors import Multiprocess

from bratasena.api.logs import hide_query_values
from bratasena.bootstrap import Runner, create_app
from bratasena.metrics import MULTIPROCESS_DIR
from bratasena.settings import Settings, get_settings

METRICS_DIR = "metrics"
"""Under the data directory: one directory per running parent, named by its process id."""


def serve(settings: Settings, runner: Runner, *, workers: int, **options: Any) -> None:
    """Run ``workers`` workers of the deployment until the parent is told to stop; ``options``
    are uvicorn's (`Config`)."""
    _export(settings)
    directory = fresh_metrics_dir(settings)
    os.environ[MULTIPROCESS_DIR] = str(directory)
    factory = {"thread": "serve_app", "inline": "api_app"}[runner]
    config = Config(f"{__name__}:{factory}", factory=True, workers=workers, **options)
    try:
        _Supervisor(config, sockets=[config.bind_socket()]).run()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def serve_app() -> FastAPI:
    """A worker of `bratasena serve`: the API and the pages, and the background roles it leads."""
    return _worker_app("thread")


def api_app() -> FastAPI:
    """A worker of `bratasena api`: the API and the pages alone."""
    return _worker_app("inline")


def _worker_app(runner: Runner) -> FastAPI:
    # uvicorn has configured this process's loggers before it calls the factory.
    hide_query_values()
    return create_app(get_settings(), runner=runner)


def environment(settings: Settings) -> dict[str, str | None]:
    """Every setting as its ``BRATASENA_*`` variable (None: unset), so a worker reads the same."""
    values: dict[str, str | None] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, bool):
            value = "true" if value else "false"
        values[f"BRATASENA_{name.upper()}"] = None if value is None else str(value)
    return values


def _export(settings: Settings) -> None:
    # The parent's settings may differ from its environment (the demo points the sync at its
    # stand-ins): the workers get what the parent decided.
    for variable, value in environment(settings).items():
        if value is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = value


def fresh_metrics_dir(settings: Settings) -> Path:
    """An empty directory for this run's metrics; those of parents no longer running are removed.

    Each parent has its own (two deployments may share a data directory on PostgreSQL), and a
    restart starts from zero, as a single process's counters do.
    """
    parent = settings.private_data_dir() / METRICS_DIR
    parent.mkdir(mode=0o700, exist_ok=True)
    for old in parent.iterdir():
        if not (old.name.isdigit() and _running(int(old.name))):
            shutil.rmtree(old, ignore_errors=True)
    directory = parent / str(os.getpid())
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700)
    return directory


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to clean up after
    return True


class _Supervisor(Multiprocess):
    """uvicorn's supervisor, telling the Prometheus client when a worker died.

    A dead worker's counters and histograms stay in the directory (the totals must not go back);
    `mark_process_dead` drops only its live gauges (none today, for any added later).
    """

    def keep_subprocess_alive(self) -> None:
        before = {process.pid for process in self.processes}
        super().keep_subprocess_alive()
        gone = before - {process.pid for process in self.processes}
        for pid in gone:
            if pid is not None:
                with contextlib.suppress(OSError):
                    multiprocess.mark_process_dead(pid, os.environ[MULTIPROCESS_DIR])  # type: ignore[no-untyped-call]
