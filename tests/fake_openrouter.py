"""A fake OpenRouter: a real HTTP server on 127.0.0.1 (random port) for every test in the project.

Why a real server rather than an httpx mock transport: timeouts, bodies cut short, connections
closed without an answer and huge streamed bodies only behave as in production over a socket.
It serves the routes this project reads, under ``/api/v1``:

    GET /models                              the catalog (the mini fixture, or a snapshot file)
    GET /models/{author}/{slug}/endpoints    from ``fake.endpoints`` (model id -> endpoint dicts)
    GET /videos/models                       ``fake.videos`` (a /videos/models body; default: none)
    GET /key, /credits, /generation?id=      need ``Authorization: Bearer <a key in fake.keys>``;
                                             /credits answers 403 unless the key is a management key

Faults are scripted per route and consumed, one per request, before the normal behaviour:

    fake.script("/models", [Fault.status(503), Fault.status(429, headers={"Retry-After": "1"})])

Every request is recorded (``fake.requests``, ``fake.count("/models")``). Use it as the
``fake_openrouter`` fixture, or ``with FakeOpenRouter() as fake:``; ``fake.base_url`` is
``http://127.0.0.1:PORT/api/v1`` and ``fake.settings()`` gives Settings pointed at it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from openrouter_pricing.core.settings import Secret, Settings

MINI_MODELS = Path(__file__).resolve().parent / "fixtures" / "mini_models.json"
PREFIX = "/api/v1"
TEST_KEY = "sk-or-v1-TESTSECRET-0123456789abcdef0123456789abcdef0123456789abcdef"
MANAGEMENT_KEY = "sk-or-v1-TESTMANAGEMENT-fedcba9876543210fedcba9876543210fedcba98"

# Shaped like the OpenAPI spec's examples (GET /key, GET /credits) and a real /generation body.
DEFAULT_KEY_DATA: dict[str, Any] = {
    "label": "sk-or-v1-tes...def",
    "limit": 100,
    "limit_remaining": 74.5,
    "limit_reset": "monthly",
    "include_byok_in_limit": False,
    "usage": 25.5,
    "usage_daily": 1.25,
    "usage_weekly": 7.75,
    "usage_monthly": 25.5,
    "byok_usage": 0,
    "byok_usage_daily": 0,
    "byok_usage_weekly": 0,
    "byok_usage_monthly": 0,
    "is_free_tier": False,
    "is_management_key": False,
    "expires_at": None,
    "rate_limit": {"interval": "1h", "note": "This field is deprecated.", "requests": 1000},
}
DEFAULT_CREDITS_DATA: dict[str, Any] = {"total_credits": 100.5, "total_usage": 25.75}
DEFAULT_GENERATION_ID = "gen-1771967973-TESTfixture000001"
DEFAULT_GENERATION_DATA: dict[str, Any] = {
    "id": DEFAULT_GENERATION_ID,
    "model": "openai/gpt-4o-mini",
    "provider_name": "OpenAI",
    "created_at": "2026-02-24T21:19:33.705Z",
    "total_cost": 0.0000621,
    "usage": 0.0000621,
    "cache_discount": None,
    "upstream_inference_cost": 0,
    "is_byok": False,
    "tokens_prompt": 114,
    "tokens_completion": 71,
    "native_tokens_prompt": 110,
    "native_tokens_completion": 76,
    "native_tokens_reasoning": 0,
    "native_tokens_cached": 0,
    "num_media_prompt": None,
    "num_search_results": None,
    "latency": 412,
    "generation_time": 1980,
    "moderation_latency": None,
    "finish_reason": "stop",
    "native_finish_reason": "stop",
    "streamed": True,
    "cancelled": False,
    "provider_responses": None,
}

_DEFAULT_MESSAGES = {
    400: "Invalid request",
    401: "Missing Authentication header",
    402: "Insufficient credits. Add more using https://openrouter.ai/credits",
    403: "Forbidden",
    404: "Resource not found",
    408: "Request timed out",
    429: "Rate limit exceeded",
    500: "Internal Server Error",
    502: "Provider returned error",
    503: "No endpoints found that can handle the request",
    524: "Request timed out. Please try again later.",
    529: "Provider returned error",
}


def error_body(status: int, message: str | None = None, **metadata: Any) -> bytes:
    """OpenRouter's error envelope ``{"error": {"code", "message", "metadata"}}`` as bytes."""
    error: dict[str, Any] = {"code": status, "message": message or _DEFAULT_MESSAGES.get(status)}
    if metadata:
        error["metadata"] = metadata
    return json.dumps({"error": error}).encode()


@dataclass(frozen=True)
class Fault:
    """One scripted answer. Build with the class methods; ``fake.script(route, [faults])``."""

    kind: str
    code: int = 200  # the HTTP status of a scripted response
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    seconds: float = 0.0
    size: int = 0
    declare_length: bool = True

    @classmethod
    def response(
        cls, status: int, body: bytes | Any = b"", headers: dict[str, str] | None = None
    ) -> Fault:
        """Any answer: ``body`` as bytes, or any other object sent as JSON."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return cls("response", status, tuple((headers or {}).items()), raw)

    @classmethod
    def status(
        cls, status: int, message: str | None = None, headers: dict[str, str] | None = None
    ) -> Fault:
        """An error status with OpenRouter's error body (a typical message unless given)."""
        return cls.response(status, error_body(status, message), headers)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait, then answer normally (the wait ends early when the server stops)."""
        return cls("delay", seconds=seconds)

    @classmethod
    def hang(cls) -> Fault:
        """Accept the request and never answer, until the server stops."""
        return cls("hang")

    @classmethod
    def close(cls) -> Fault:
        """Close the connection without sending a byte."""
        return cls("close")

    @classmethod
    def truncated(cls) -> Fault:
        """Promise 4096 bytes in Content-Length, send 16, close."""
        return cls("truncated", body=b'{"data": [{"id":', size=4096)

    @classmethod
    def invalid_json(cls) -> Fault:
        return cls.response(200, b'{"data": [this is not JSON')

    @classmethod
    def wrong_shape(cls) -> Fault:
        """Valid JSON that fits no route: ``data`` is a string."""
        return cls.response(200, {"data": "not what you expected"})

    @classmethod
    def huge(cls, size: int, *, declare_length: bool = False) -> Fault:
        """A 200 body of ``size`` bytes, streamed in chunks (never built in memory). Without
        ``declare_length`` it has no Content-Length and ends when the connection closes."""
        return cls("huge", size=size, declare_length=declare_length)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # the route, without /api/v1
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names

    @property
    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[len("Bearer ") :] if auth.startswith("Bearer ") else None


def endpoints_from_models_json(body: Any) -> dict[str, list[dict[str, Any]]]:
    """Model id -> endpoint dicts, from a /models body whose models carry
    ``openrouter_endpoint_details.endpoints`` (the mini fixture, the 2026-05-31 snapshot).
    Keyed by the id without ``:variant`` and by ``canonical_slug``; empty lists are left out."""
    models = body.get("data", []) if isinstance(body, dict) else body
    endpoints: dict[str, list[dict[str, Any]]] = {}
    for model in models:
        details = model.get("openrouter_endpoint_details") or {}
        found = details.get("endpoints") or []
        if found:
            for key in (model["id"].split(":", 1)[0], model.get("canonical_slug")):
                if key:
                    endpoints.setdefault(key, found)
    return endpoints


def unused_port() -> int:
    """A loopback port with nothing listening on it (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FakeOpenRouter:
    """The fake server and its state; every attribute may be changed while it runs."""

    catalog: Any = None  # a /models body, a Path to one, or None for the mini fixture
    endpoints: dict[str, list[dict[str, Any]]] | None = None  # None: from the catalog's details
    videos: Any = None  # a /videos/models body (or a Path to one); None: an empty listing
    keys: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            TEST_KEY: dict(DEFAULT_KEY_DATA),
            MANAGEMENT_KEY: {**DEFAULT_KEY_DATA, "is_management_key": True},
        }
    )
    management_keys: set[str] = field(default_factory=lambda: {MANAGEMENT_KEY})
    credits: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_CREDITS_DATA))
    generations: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {DEFAULT_GENERATION_ID: dict(DEFAULT_GENERATION_DATA)}
    )
    requests: list[RecordedRequest] = field(default_factory=list)
    huge_bytes_sent: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._scripts: dict[str, deque[Fault]] = {}
        self._hidden_for: dict[str, int] = {}  # generation id -> 404s still to answer
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.set_catalog(self.catalog)

    # -- configuration -----------------------------------------------------------------------

    def set_catalog(self, catalog: Any) -> None:
        """Serve this /models body (object, bytes or Path; None = the mini fixture), as is."""
        source = MINI_MODELS if catalog is None else catalog
        if isinstance(source, Path):
            self.catalog_bytes = source.read_bytes()
        elif isinstance(source, bytes):
            self.catalog_bytes = source
        else:
            self.catalog_bytes = json.dumps(source).encode()
        if self.endpoints is None:
            with contextlib.suppress(ValueError, AttributeError, TypeError):
                self.endpoints = endpoints_from_models_json(json.loads(self.catalog_bytes))

    def script(self, route: str, faults: Iterable[Fault]) -> None:
        """Queue answers for ``route`` (e.g. "/models", "/generation"), one per request."""
        with self._lock:
            self._scripts.setdefault(route, deque()).extend(faults)

    def clear_scripts(self) -> int:
        """Drop every queued answer not yet played; how many there were."""
        with self._lock:
            left = sum(len(queue) for queue in self._scripts.values())
            self._scripts.clear()
            return left

    def add_generation(self, data: dict[str, Any], *, appear_after: int = 0) -> None:
        """Serve a /generation body, answering 404 to its first ``appear_after`` requests."""
        with self._lock:
            self.generations[data["id"]] = data
            self._hidden_for[data["id"]] = appear_after

    def count(self, route: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == route)

    def requests_to(self, route: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == route]

    @property
    def port(self) -> int:
        assert self._server is not None, "the fake OpenRouter is not running"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    def settings(self, **overrides: Any) -> Settings:
        """Settings aimed at this server with the test key and short, test-friendly bounds."""
        values: dict[str, Any] = {
            "base_url": self.base_url,
            "api_key": Secret(TEST_KEY),
            "connect_timeout_seconds": 2.0,
            "read_timeout_seconds": 2.0,
            "catalog_fetch_timeout_seconds": 5.0,
            "max_retries": 2,
            "max_retry_wait_seconds": 5.0,
        }
        values.update(overrides)
        return Settings(**values)

    # -- life cycle --------------------------------------------------------------------------

    def start(self) -> FakeOpenRouter:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # how long stop() waits for the loop
            name="fake-openrouter",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging and delayed answers end, open connections are cut."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenRouter:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- used by the handler -----------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            self.requests.append(request)
            queue = self._scripts.get(request.path)
            return queue.popleft() if queue else None

    def _generation_visible(self, generation_id: str) -> bool:
        with self._lock:
            hidden = self._hidden_for.get(generation_id, 0)
            if hidden > 0:
                self._hidden_for[generation_id] = hidden - 1
            return hidden == 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenRouter

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    server: _Server
    timeout = 30  # an idle keep-alive connection is dropped after this

    def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows failures
        pass

    def do_GET(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        route = url.path[len(PREFIX) :] if url.path.startswith(PREFIX + "/") else url.path
        query = parse_qs(url.query)
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RecordedRequest("GET", route, query, headers)
        fault = fake._record(request)
        if fault is not None and self._play(fault, fake):
            return
        self._serve(request, fake)

    def _serve(self, request: RecordedRequest, fake: FakeOpenRouter) -> None:
        route, parts = request.path, request.path.strip("/").split("/")
        if route == "/models":
            self._send(200, fake.catalog_bytes)
        elif route == "/videos/models":
            videos = fake.videos
            if isinstance(videos, Path):
                body = videos.read_bytes()
            else:
                body = json.dumps(videos if videos is not None else {"data": []}).encode()
            self._send(200, body)
        elif len(parts) == 4 and parts[0] == "models" and parts[3] == "endpoints":
            model_id = f"{parts[1]}/{parts[2]}"
            found = (fake.endpoints or {}).get(model_id)
            if found is None:
                self._send(404, error_body(404, f"No endpoints found for {model_id}"))
            else:
                data = {"id": model_id, "name": model_id, "endpoints": found}
                self._send(200, json.dumps({"data": data}).encode())
        elif route in {"/key", "/credits", "/generation"}:
            self._serve_keyed(request, fake)
        else:
            self._send(404, error_body(404))

    def _serve_keyed(self, request: RecordedRequest, fake: FakeOpenRouter) -> None:
        key = request.bearer
        if key is None:
            self._send(401, error_body(401, "Missing Authentication header"))
        elif key not in fake.keys:
            self._send(401, error_body(401, "User not found."))
        elif request.path == "/key":
            self._send_data(fake.keys[key])
        elif request.path == "/credits":
            if key in fake.management_keys:
                self._send_data(fake.credits)
            else:
                self._send(403, error_body(403, "Only management keys can perform this operation"))
        else:
            generation_id = (request.query.get("id") or [""])[0]
            if not generation_id:
                self._send(400, error_body(400, "id is required"))
            elif generation_id in fake.generations and fake._generation_visible(generation_id):
                self._send_data(fake.generations[generation_id])
            else:
                self._send(404, error_body(404, f"Generation {generation_id} not found"))

    def _play(self, fault: Fault, fake: FakeOpenRouter) -> bool:
        """Act out a fault; False when the normal answer should follow (after a delay)."""
        if fault.kind == "delay":
            fake._stopping.wait(fault.seconds)
            return fake._stopping.is_set()
        self.close_connection = fault.kind != "response"
        if fault.kind == "response":
            self._send(fault.code, fault.body, dict(fault.headers))
        elif fault.kind == "hang":
            fake._stopping.wait()
        elif fault.kind == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(fault.size))
            self.end_headers()
            self.wfile.write(fault.body)
        elif fault.kind == "huge":
            self._send_huge(fault, fake)
        return True

    def _send_huge(self, fault: Fault, fake: FakeOpenRouter) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if fault.declare_length:
            self.send_header("Content-Length", str(fault.size))
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b" " * 65536
        left = fault.size
        try:
            while left > 0 and not fake._stopping.is_set():
                piece = chunk if left >= len(chunk) else chunk[:left]
                self.wfile.write(piece)
                left -= len(piece)
                fake.huge_bytes_sent += len(piece)
        except (ConnectionError, OSError):
            pass  # the client stopped reading: what the cap is for

    def _send_data(self, data: dict[str, Any]) -> None:
        self._send(200, json.dumps({"data": data}).encode())

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        names = {name.lower() for name in headers or {}}
        if "content-type" not in names:
            self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(name="fake_openrouter")
def fake_openrouter_fixture() -> Iterator[FakeOpenRouter]:
    """A running fake OpenRouter with the mini catalog, stopped after the test. Registered as
    ``fake_openrouter`` wherever this function is imported (conftest.py, or a test module)."""
    with FakeOpenRouter() as fake:
        yield fake
