"""The composition root: builds one deployment's parts from `Settings`, and the ASGI app over them.

Every entry point gets its wiring here: `create_app` (the API and the web pages), the `bratasena`
command (each subcommand opens the parts it uses), the demo, the tests and the benchmarks. Parts
are built on first use, so `bratasena history` opens the event store and nothing else.

Background work: with ``background=True`` (what `bratasena serve` runs) the projection runner and
the sync worker run in threads of this process from `start` to `close`, each while this process
holds its role's lease (`bratasena.leadership`): of several `serve` processes or workers on one
deployment, one runs each and the others stand by. Without it (`bratasena api`,
the tests) no thread runs; reads of views catch up first and commands wait for their own position
(see `Projections.refresh` and `Projections.caught_up`), so read-your-writes holds either way.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cached_property
from types import TracebackType
from typing import Any, Literal

from fastapi import FastAPI
from starlette.responses import Response
from starlette.types import Scope

from bratasena import api, web
from bratasena.application import Bratasena
from bratasena.domain.calendar import now_utc
from bratasena.domain.errors import DomainError
from bratasena.gate import Gate
from bratasena.integration.sync import SyncWorker
from bratasena.leadership import Lease, Role, Work, lead
from bratasena.limit_store import LimitStore, limit_store
from bratasena.limits import LoginThrottle, RateLimiter, evidence_limits
from bratasena.metrics import Metrics
from bratasena.persistence import LoopReads
from bratasena.projections import Projections
from bratasena.settings import Settings
from bratasena.web.letters import Press

Runner = Literal["inline", "thread"]


class Service:
    """One process's parts of a deployment: application, views, sync worker, limits, metrics."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = now_utc,
        background: bool = False,
        sync_concurrency: int | None = None,
    ) -> None:
        settings.check_deployable()
        self.settings = settings
        self.clock = clock
        self.background = background
        self.sync_concurrency = sync_concurrency
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.loop_reads: LoopReads | None = None
        """The reads made on the event loop (PostgreSQL), open between `open_loop_reads` and
        `close_loop_reads`, i.e. while the HTTP service's lifespan runs; None otherwise."""

    # --- parts, each built on first use ---------------------------------------------------------

    @cached_property
    def app(self) -> Bratasena:
        """The use cases over the event store."""
        return Bratasena(self.settings, clock=self.clock, typesetter=Press())

    @cached_property
    def projections(self) -> Projections:
        """The read models and their runner."""
        return Projections(self.app, self.settings)

    @cached_property
    def sync(self) -> SyncWorker:
        """The worker that sends deactivations and reactivations to DTJateng and DTSEN."""
        return SyncWorker(self.app, self.settings, concurrency=self.sync_concurrency)

    @cached_property
    def limit_store(self) -> LimitStore:
        """Where the limits count: shared by every process (the database, or Redis)."""
        return limit_store(self.settings)

    @cached_property
    def throttle(self) -> LoginThrottle:
        """Failed logins per username and address (API and web, every process, share it)."""
        return LoginThrottle(self.limit_store)

    @cached_property
    def limiter(self) -> RateLimiter:
        """Public filings per address (API and web, every process, share it)."""
        return RateLimiter(self.settings.public_rate_limit_per_minute, self.limit_store)

    @cached_property
    def metrics(self) -> Metrics:
        """Request counts and latencies of this process."""
        return Metrics()

    # --- background work ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the projection runner and the sync worker threads (``background`` only); each
        works while this process leads its role and stands by otherwise."""
        if not self.background or self._threads:
            return
        self.projections.follow_leader()
        self._spawn("projections", "runner", self.projections.run_forever)
        self._spawn("sync", "sync", self.sync.run_forever)

    def _spawn(self, name: str, role: Role, work: Work) -> None:
        lease = Lease(self.settings, role)
        thread = threading.Thread(
            target=lead, args=(lease, work, self._stop), name=name, daemon=True
        )
        thread.start()
        self._threads.append(thread)

    async def open_loop_reads(self) -> None:
        """Open the pool of the reads made on the running event loop, where this deployment
        allows them (`LoopReads.available`)."""
        if LoopReads.available(self.settings):
            reads = LoopReads(self.settings)
            await reads.open()
            self.loop_reads = reads

    async def close_loop_reads(self) -> None:
        reads, self.loop_reads = self.loop_reads, None
        if reads is not None:
            await reads.close()

    def close(self) -> None:
        """Stop the threads and release the connections of the parts that were built."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        built = vars(self)
        if "sync" in built:
            self.sync.close()
        if "limit_store" in built:
            self.limit_store.close()
        if "projections" in built:
            self.projections.close()
        if "app" in built:
            self.app.close()

    def __enter__(self) -> Service:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _refusal(scope: Scope, error: DomainError) -> Response:
    # Refusals before a route runs (a body over the limit): a page on the pages' paths, else as
    # the API answers.
    if web.errors.is_page(scope.get("path", "")):
        return web.errors.refusal(scope, error)
    return api.refusal(error)


class _Asgi(FastAPI):
    """The service's ASGI app; its OpenAPI document names the API's shared schemas once."""

    def openapi(self) -> dict[str, Any]:
        return api.openapi(super().openapi())


DESCRIPTION = """\
Complaints that a household receiving social aid is well-off: filing and tracking for citizens,
case work for officers and supervisors, replay for auditors.
Errors are `application/problem+json` (RFC 9457), described once as the `Problem` schema.
"""


def create_app(
    settings: Settings,
    *,
    runner: Runner = "inline",
    clock: Callable[[], datetime] = now_utc,
) -> FastAPI:
    """The HTTP service: the API and the web pages mounted side by side over one `Service`.

    ``runner="thread"`` (`bratasena serve`) runs the projection runner and the sync worker in
    threads from startup to shutdown; ``"inline"`` (`bratasena api`, the tests) runs none.
    """
    service = Service(settings, clock=clock, background=runner == "thread")

    @asynccontextmanager
    async def lifespan(asgi: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            await service.open_loop_reads()
            # What exists once the service has started (the app, its routes and models, the
            # service's parts) lives until it stops: out of the cycle collector's sight, whose
            # full collections walked all of it again and again, 50–60 ms each under load, the
            # tracking page's p99 (docs/benchmarks.md, "Fifth pass"). Back in sight at the stop,
            # so a process that starts several (the tests) frees what each leaves.
            gc.freeze()
            yield
        finally:
            gc.unfreeze()
            await service.close_loop_reads()
            service.close()

    docs = settings.shows_api_docs
    asgi = _Asgi(
        title="Bratasena",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        # In production the API's map is off unless BRATASENA_API_DOCS says otherwise.
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    asgi.state.service = service
    api.install(asgi)
    web.install(asgi)
    # One layer: metrics see every request, refusals by size included; every answer gets headers.
    asgi.add_middleware(
        Gate,
        metrics=service.metrics,
        hsts=settings.environment != "development",
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        refuse=_refusal,
        file_limits=evidence_limits(
            max_file_bytes=settings.evidence_max_bytes, per_filing=settings.evidence_per_filing
        ),
    )
    return asgi
