"""Request counts and latency per route template, written as Prometheus text by hand."""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections import defaultdict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Latency histogram bucket bounds in seconds (a last +Inf bucket is implied)."""


class Metrics:
    """Counters and histograms kept in memory for one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = {}
        self.sums: dict[str, float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            counts = self.buckets.setdefault(route, [0] * (len(BUCKETS) + 1))
            counts[bisect_left(BUCKETS, seconds)] += 1
            self.sums[route] += seconds

    def render(self) -> list[str]:
        """The request metrics as Prometheus exposition lines."""
        lines = [
            "# HELP bratasena_http_requests_total HTTP requests by method, route and status.",
            "# TYPE bratasena_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), count in sorted(self.requests.items()):
                labels = f'method="{method}",route="{_escape(route)}",status="{status}"'
                lines.append(f"bratasena_http_requests_total{{{labels}}} {count}")
            lines += [
                "# HELP bratasena_http_request_duration_seconds HTTP request latency by route.",
                "# TYPE bratasena_http_request_duration_seconds histogram",
            ]
            for route, counts in sorted(self.buckets.items()):
                label = f'route="{_escape(route)}"'
                cumulative = 0
                for bound, count in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
                    cumulative += count
                    lines.append(
                        f'bratasena_http_request_duration_seconds_bucket{{{label},le="{bound}"}} '
                        f"{cumulative}"
                    )
                lines.append(
                    f"bratasena_http_request_duration_seconds_sum{{{label}}} {self.sums[route]:.6f}"
                )
                lines.append(
                    f"bratasena_http_request_duration_seconds_count{{{label}}} {cumulative}"
                )
        return lines


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class MetricsMiddleware:
    """Times every HTTP request and files it under its route template, never its raw path.

    Raw paths carry ids (and tracking codes): as labels they would grow without bound and leak.
    """

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(
                scope.get("method", "GET"), route, status, time.perf_counter() - started
            )
