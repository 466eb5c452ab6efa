"""Request counts and latency per route template, written as Prometheus text by hand.

`bratasena.gate.Gate` times every request and files it under its route template, never its raw
path: raw paths carry ids (and tracking codes), and as labels they would grow without bound and
leak.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict

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
