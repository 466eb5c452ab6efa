"""Request counts and latency per route template, kept by the Prometheus client, for every worker.

`bratasena.gate.Gate` times every request and files it under its route template, never its raw
path: raw paths carry ids (and tracking codes), and as labels they would grow without bound and
leak.

One process keeps its counts in memory (a registry of its own per `Metrics`, so each app of the
tests counts alone). Several worker processes (`bratasena serve --workers N`) count together
through the client's multiprocess mode: each writes its samples to files of its own in the
directory named by ``PROMETHEUS_MULTIPROC_DIR``, and whichever worker answers /metrics adds up
every worker's files, those of workers that have since died included, so a total never goes
back. The client chooses the files when it is first imported, so the variable must be in the
environment before the process starts: the CLI sets it for the workers it spawns.
"""

from __future__ import annotations

import os
import threading

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Latency histogram bucket bounds in seconds (a last +Inf bucket is implied)."""

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""The Prometheus client's variable: where every worker of one deployment writes its samples."""


class Metrics:
    """Request counters and latency histograms: of this process, or of every worker sharing a
    ``PROMETHEUS_MULTIPROC_DIR``."""

    def __init__(self) -> None:
        # A `_created` timestamp per series means nothing to these dashboards, and the
        # multiprocess mode has none: both modes show the same series.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.directory = os.environ.get(MULTIPROCESS_DIR) or None
        # In the multiprocess mode the samples go to the files whatever the registry; a registry
        # here would only refuse a second `Metrics` in one process.
        self._registry = None if self.directory else CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "bratasena_http_requests",
            "HTTP requests by method, route and status.",
            ("method", "route", "status"),
            registry=self._registry,
        )
        self._latency = Histogram(
            "bratasena_http_request_duration_seconds",
            "HTTP request latency by route.",
            ("route",),
            buckets=BUCKETS,
            registry=self._registry,
        )
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, str, int], Counter] = {}
        self._histograms: dict[str, Histogram] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        key = (method, route, status)
        counter = self._counters.get(key)
        histogram = self._histograms.get(route)
        if counter is None or histogram is None:
            with self._lock:  # each series' child is looked up once, not per request
                counter = self._counters[key] = self._requests.labels(method, route, str(status))
                histogram = self._histograms[route] = self._latency.labels(route)
        counter.inc()
        histogram.observe(seconds)

    def render(self) -> list[str]:
        """The request metrics as Prometheus exposition lines (every worker's, added up)."""
        registry = self._registry
        if registry is None:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=self.directory)  # type: ignore[no-untyped-call]
        return generate_latest(registry).decode().splitlines()
