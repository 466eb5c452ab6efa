"""What the API's routes share: the application, the projections, limits, metrics, background work.

Read-your-writes: after a command, a route calls `Services.caught_up(position)`, a bounded wait
until every projection has passed the command's log position. The projections' `wait_for` applies
pending batches itself when the runner has not yet (runners may run concurrently, taking turns on
their state rows), so this holds with the runner thread of `bratasena serve` and without one
(`bratasena api`, the tests); the route's answer and every later read show the command's effect.
Without a runner thread, routes that read views also call `Services.refresh()` first, since
nothing else in the process applies what other processes append.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from bratasena.api.limits import RateLimiter
from bratasena.api.metrics import Metrics
from bratasena.api.security import LoginThrottle
from bratasena.application import Bratasena
from bratasena.domain.calendar import now_utc
from bratasena.integration.sync import SyncWorker
from bratasena.projections import Projections
from bratasena.settings import Settings

log = logging.getLogger("bratasena.api")

Runner = Literal["inline", "thread"]


class Services:
    """One process's application, projections and request-limiting state."""

    def __init__(
        self,
        settings: Settings,
        *,
        runner: Runner = "inline",
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.settings = settings
        self.runner = runner
        self.clock = clock
        self.app = Bratasena(settings, clock=clock)
        self.projections = Projections(self.app, settings)
        self.sync = SyncWorker(self.app, settings)
        self.throttle = LoginThrottle()
        self.rate_limiter = RateLimiter(settings.public_rate_limit_per_minute)
        self.metrics = Metrics()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._catch_up = threading.Lock()

    # --- background work ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the projection runner and the sync worker threads."""
        if self.runner != "thread" or self._threads:
            return
        self._spawn("projections", self.projections.run_forever)
        self._spawn("sync", self.sync.run_forever)

    def _spawn(self, name: str, target: Callable[[threading.Event], None]) -> None:
        thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def runner_alive(self) -> bool:
        """Whether a projection runner thread is applying events in this process."""
        return any(t.name == "projections" and t.is_alive() for t in self._threads)

    def close(self) -> None:
        """Stop the threads and release connections."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        self.sync.close()
        self.projections.close()
        self.app.close()

    # --- read-your-writes -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Without a runner thread, apply pending events now (reads of views call this first).

        With the inline runner the API process is the only projector, so a read applies what
        other processes (the sync worker, imports, the CLI) appended since the last request.
        """
        if self.runner != "inline" or self.runner_alive():
            return
        deadline = time.monotonic() + self.settings.read_your_writes_timeout
        with self._catch_up:
            while self.projections.run_once() > 0 and time.monotonic() < deadline:
                pass

    def caught_up(self, position: int) -> bool:
        """Wait (bounded) until the projections have applied the log up to ``position``.

        `Projections.wait_for` applies pending batches itself when they are not there yet, so
        this holds with the runner thread (it mostly finds the work done) and without one.
        """
        timeout = self.settings.read_your_writes_timeout
        if self.projections.wait_for(position, timeout):
            return True
        log.warning("projections did not reach position %s within %ss", position, timeout)
        return False
