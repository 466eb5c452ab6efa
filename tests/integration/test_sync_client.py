"""The sync worker's HTTP client against a stand-in target over loopback: keep-alive connections
the target closed meanwhile, and a forward proxy named by the environment."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from bratasena.integration.client import Prepared, Target, TargetClient
from bratasena.integration.simulator import StandInTarget
from tests.integration.test_sync_support import received


def change(n: int) -> Prepared:
    key = f"{uuid.uuid4()}:2"
    body = {
        "idempotency_key": key,
        "change": "deactivation",
        "registry_id": f"DTKS-{n:06d}",
        "effective_month": "2026-04",
    }
    return Prepared(key, f"DTKS-{n:06d}", json.dumps(body).encode())


class ForwardProxy:
    """A plain HTTP forward proxy on loopback that relays each request and notes what it saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                proxy.seen.append((self.path, self.headers.get("Proxy-Authorization")))
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("proxy-authorization", "host", "content-length")
                }
                upstream = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
                upstream.request("POST", url.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.getheader("Content-Type") or "")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def target() -> Iterator[StandInTarget]:
    running = StandInTarget(name="dtsen", token="token-nation").start()
    yield running
    running.stop()


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    running = ForwardProxy()
    yield running
    running.stop()


def test_a_connection_the_target_closed_while_idle_is_replaced_not_failed(
    target: StandInTarget,
) -> None:
    client = TargetClient(Target("dtsen", target.url, "token-nation"), timeout=5)
    try:
        assert client.send(change(1)).kind == "accepted"
        assert client.send(change(2)).kind == "accepted"  # the same kept-alive connection
        target.stop()  # closes every open connection, as a target restarting would
        target.start()
        assert client.send(change(3)).kind == "accepted"
    finally:
        client.close()
    assert [c["registry_id"] for c in received(target)] == [
        "DTKS-000001",
        "DTKS-000002",
        "DTKS-000003",
    ]


def test_a_down_target_is_a_transient_answer(target: StandInTarget) -> None:
    client = TargetClient(Target("dtsen", target.url, "token-nation"), timeout=5)
    try:
        target.stop()
        answer = client.send(change(1))
        assert answer.kind == "transient"
        assert "ConnectionRefusedError" in answer.detail
    finally:
        client.close()


def test_changes_go_through_the_proxy_the_environment_names(
    target: StandInTarget, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("http://", "http://sync:s%40cret@"))
    client = TargetClient(Target("dtsen", target.url, "token-nation"), timeout=5)
    try:
        assert client.send(change(1)).kind == "accepted"
    finally:
        client.close()
    assert proxy.seen == [(f"{target.url}/v1/changes", "Basic c3luYzpzQGNyZXQ=")]
    assert len(target.state.received()) == 1  # read in-process: httpx would use the proxy too


def test_no_proxy_sends_straight_to_the_target(
    target: StandInTarget, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    client = TargetClient(Target("dtsen", target.url, "token-nation"), timeout=5)
    try:
        assert client.send(change(1)).kind == "accepted"
    finally:
        client.close()
    assert proxy.seen == []
    assert len(target.state.received()) == 1  # read in-process: httpx would use the proxy too
