"""A STAND-IN for the DTJateng/DTSEN change endpoints (not the real systems), for demos and tests.

It implements the contract of docs/integration.md with real idempotency: a change is applied once
per idempotency key and every resend of an applied key gets the same answer; a refusal applies
nothing and is not remembered, so the same key can be sent again once the cause is fixed. Faults
are configurable (500s, latency, refusals, and for tests: garbage bodies, hangs past the client's
timeout, and answers lost after applying). Every response says it comes from a stand-in.

Endpoints: ``POST /v1/changes`` (the contract), ``GET /_received`` (each applied change with its
idempotency key and how many times it was sent), ``POST /_control`` (change the faults, refuse
registry ids: ``{"refuse": ["DTKS-000001"]}``, ``{"refuse": []}`` clears), ``GET /_health``.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

STAND_IN_HEADER = "X-Stand-In"
STAND_IN_NOTICE = "bratasena simulator: a stand-in, not the real DTJateng/DTSEN"
REQUIRED_FIELDS = ("idempotency_key", "change", "registry_id", "effective_month")


@dataclass
class Faults:
    """How often the stand-in misbehaves; every rate is a probability per request (0–1)."""

    fail_rate: float = 0.0
    """500 without applying anything."""
    reject_rate: float = 0.0
    """A refusal with reason code ``random_refusal`` (nothing applied)."""
    latency_ms: float = 0.0
    """Added to every answer of the change endpoint."""
    garbage_rate: float = 0.0
    """200 with a body that is not JSON, nothing applied."""
    hang_rate: float = 0.0
    """Hang ``hang_seconds`` (past the client's timeout), then apply and answer to nobody."""
    hang_seconds: float = 1.0
    lost_answer_rate: float = 0.0
    """Apply the change, then answer 500 as if the answer was lost on the way back."""
    refuse: list[str] = field(default_factory=list)
    """Registry ids refused with reason code ``household_refused``."""


class TargetState:
    """What the stand-in has applied, keyed by idempotency key; optionally kept in a JSON file."""

    def __init__(self, name: str = "stand-in", path: Path | None = None) -> None:
        self.name = name
        self.path = path
        self.lock = threading.Lock()
        self.applied: dict[str, dict[str, Any]] = {}
        self.sent: dict[str, int] = {}
        self.status: dict[str, str] = {}
        self.sequence = 0
        if path is not None and path.exists():
            saved = json.loads(path.read_text())
            self.applied = saved["applied"]
            self.sent = saved["sent"]
            self.status = saved["status"]
            self.sequence = saved["sequence"]

    def save(self) -> None:
        """Write the state file (called under the lock after each applied change)."""
        if self.path is None:
            return
        data = {
            "stand_in": True,
            "applied": self.applied,
            "sent": self.sent,
            "status": self.status,
            "sequence": self.sequence,
        }
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data))
        os.replace(temporary, self.path)

    def received(self) -> list[dict[str, Any]]:
        """Every applied change in the order applied, with how many times its key was sent."""
        with self.lock:
            changes = sorted(self.applied.values(), key=lambda c: int(c["sequence"]))
            return [{**c, "times_sent": self.sent.get(c["idempotency_key"], 0)} for c in changes]


class StandInTarget:
    """The stand-in HTTP server; ``stop()`` then ``start()`` again brings it back on the same port
    with the same state (as a restarted target keeping its database)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str = "stand-in",
        token: str | None = None,
        faults: Faults | None = None,
        state: TargetState | None = None,
        seed: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.faults = faults or Faults()
        self.state = state or TargetState(name)
        self.random = random.Random(seed)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.closing = False

    @property
    def url(self) -> str:
        """The base URL to configure as a target's URL."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> StandInTarget:
        """Listen (on a free port the first time when ``port`` is 0) and serve in a thread."""
        self.closing = False
        server = _Server((self.host, self.port), _Handler)
        server.target = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="stand-in", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering: close the listener and every open connection (the target is down)."""
        self.closing = True
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._connections_lock:
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI)."""
        server = _Server((self.host, self.port), _Handler)
        server.target = self
        self.port = server.server_address[1]
        self._server = server
        try:
            server.serve_forever()
        finally:
            server.server_close()

    def track(self, conn: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def chance(self, rate: float) -> bool:
        return rate > 0 and self.random.random() < rate

    # --- the contract ---------------------------------------------------------------------------

    def handle_change(self, body: dict[str, Any]) -> tuple[int, dict[str, Any] | bytes]:
        """The status and answer for one posted change (faults included)."""
        faults = self.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        key = str(body.get("idempotency_key", ""))
        state = self.state
        if key:
            with state.lock:
                state.sent[key] = state.sent.get(key, 0) + 1
        if self.chance(faults.fail_rate):
            return 500, {"status": "error", "message": "simulated failure"}
        if self.chance(faults.garbage_rate):
            return 200, b"<html>simulated garbage</html>"
        if self.chance(faults.hang_rate):
            time.sleep(faults.hang_seconds)
        missing = [name for name in REQUIRED_FIELDS if not body.get(name)]
        if missing or body.get("change") not in ("deactivation", "reactivation", "update"):
            return 422, _rejected("invalid_payload", f"missing or bad fields: {missing}")
        registry_id = str(body["registry_id"])
        with state.lock:
            if key in state.applied:
                return 200, state.applied[key]["answer"]
            if registry_id in faults.refuse:
                return 422, _rejected("household_refused", "the target refuses this household")
            if self.chance(faults.reject_rate):
                return 422, _rejected("random_refusal", "simulated refusal")
            current = state.status.get(registry_id, "active")
            if body["change"] == "update" and str(body.get("updates", "")) not in state.applied:
                return 422, _rejected("unknown_change", "no applied change has that key")
            if body["change"] == "deactivation" and current == "deactivated":
                return 422, _rejected("already_deactivated", "the household is already inactive")
            if body["change"] == "reactivation" and current != "deactivated":
                return 422, _rejected("not_deactivated", "the household is not deactivated")
            state.sequence += 1
            reference = f"{state.name.upper()}-{state.sequence:06d}"
            answer = {"status": "accepted", "reference": reference, "stand_in": True}
            state.applied[key] = {
                "idempotency_key": key,
                "sequence": state.sequence,
                "change": body["change"],
                "registry_id": registry_id,
                "effective_month": body["effective_month"],
                "reference": reference,
                "payload": body,
                "answer": answer,
            }
            if body["change"] != "update":  # an update adds facts to a change, nothing else
                state.status[registry_id] = (
                    "deactivated" if body["change"] == "deactivation" else "active"
                )
            state.save()
        if self.chance(faults.lost_answer_rate):
            return 500, {"status": "error", "message": "simulated answer lost after applying"}
        return 200, answer


def _rejected(code: str, message: str) -> dict[str, Any]:
    return {"status": "rejected", "reason_code": code, "message": message, "stand_in": True}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # The listen backlog: socketserver's default of 5 reset connections when the sync worker (32
    # sends in flight by default) or a benchmark opened dozens at once.
    request_queue_size = 128
    target: StandInTarget

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a killed worker, a timeout) is normal here, not worth a trace.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle's algorithm and the client's
    # delayed ACK add ~40 ms to every answer on loopback.
    disable_nagle_algorithm = True
    server: _Server
    server_version = "bratasena-stand-in/1"

    def setup(self) -> None:
        super().setup()
        self.server.target.track(self.connection, True)

    def finish(self) -> None:
        self.server.target.track(self.connection, False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines would only repeat what /_received shows; keep the console quiet.
        return

    def _answer(self, status: int, body: dict[str, Any] | bytes) -> None:
        if self.server.target.closing:
            self.close_connection = True
            return
        data = body if isinstance(body, bytes) else json.dumps({**body, "stand_in": True}).encode()
        self.send_response(status)
        self.send_header(STAND_IN_HEADER, STAND_IN_NOTICE)
        content_type = "text/html" if isinstance(body, bytes) else "application/json"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def do_GET(self) -> None:
        target = self.server.target
        if self.path == "/_received":
            changes = target.state.received()
            self._answer(200, {"name": target.state.name, "changes": changes})
        elif self.path == "/_health":
            self._answer(200, {"status": "ok", "notice": STAND_IN_NOTICE})
        else:
            self._answer(404, {"status": "error", "message": "not found"})

    def do_POST(self) -> None:
        target = self.server.target
        try:
            body = self._body()
        except ValueError:
            self._answer(400, {"status": "error", "message": "the body is not JSON"})
            return
        if not isinstance(body, dict):
            self._answer(400, {"status": "error", "message": "the body is not a JSON object"})
            return
        if self.path == "/_control":
            for name, value in body.items():
                if hasattr(target.faults, name):
                    setattr(target.faults, name, value)
            self._answer(200, {"faults": asdict(target.faults)})
            return
        if self.path != "/v1/changes":
            self._answer(404, {"status": "error", "message": "not found"})
            return
        if target.token and self.headers.get("Authorization") != f"Bearer {target.token}":
            self._answer(401, {"status": "error", "message": "a valid bearer token is required"})
            return
        header_key = self.headers.get("Idempotency-Key")
        if header_key and header_key != body.get("idempotency_key"):
            self._answer(
                422, _rejected("invalid_payload", "Idempotency-Key differs from the body's key")
            )
            return
        status, answer = target.handle_change(body)
        self._answer(status, answer)
