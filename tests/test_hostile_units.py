"""The guards of docs/RELIABILITY.md ("Hostile and careless clients") one at a time, in process:
the request guard and the session limiter around small ASGI apps, the stdio answering reader
around in-memory lines, and the JSON-RPC peeks. The attacks themselves, over real sockets against
the console script, are in tests/test_hostile_http.py."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx2
import pytest
from starlette.types import Message, Receive, Scope, Send

from openrouter_pricing.http_guard import MAX_UNANSWERED_PER_SESSION, RequestGuard
from openrouter_pricing.http_sessions import SessionLimiter
from openrouter_pricing.jsonrpc_peek import answered_id, cancelled_ids, request_ids
from openrouter_pricing.stdio_answering import TOO_LONG, AnsweringReader
from openrouter_pricing.tools import call_control

HEADERS = {"Content-Type": "application/json"}


class EchoApp:
    """Reads the body and answers it back; ``gate`` (when set) holds each request first."""

    def __init__(self) -> None:
        self.gate: anyio.Event | None = None
        self.inside = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.inside += 1
        try:
            if self.gate is not None:
                await self.gate.wait()
        finally:
            self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


def guard(app: Any, body_timeout: float = 5.0) -> RequestGuard:
    return RequestGuard(
        app,
        body_timeout=body_timeout,
        mcp_path="/mcp",
        sse_path="/sse",
        messages_path="/messages/",
        open_paths=frozenset({"/healthz"}),
    )


def client(app: Any) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t")


async def call_raw(app: Any, scope: dict[str, Any], chunks: list[Any]) -> list[Message]:
    """Run ``app`` on one request whose body arrives as ``chunks``, then nothing (a stall)."""
    sent: list[Message] = []
    queue = list(chunks)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    base = {"type": "http", "method": "POST", "path": "/mcp", "headers": [], "query_string": b""}
    with anyio.fail_after(10):
        await app({**base, **scope}, receive, send)
    return sent


async def test_a_slow_body_is_answered_408_and_a_large_one_413() -> None:
    echo = EchoApp()
    slow = await call_raw(
        guard(echo, body_timeout=0.2),
        {},
        [{"type": "http.request", "body": b"{", "more_body": True}],
    )
    assert slow[0]["status"] == 408 and b"OPENROUTER_PRICING_BODY_TIMEOUT" in slow[1]["body"]
    big = [{"type": "http.request", "body": b"x" * 2**20, "more_body": True}] * 5
    large = await call_raw(guard(echo), {}, big)
    assert large[0]["status"] == 413
    assert echo.inside == 0  # neither reached the app


async def test_a_duplicate_request_id_in_progress_is_refused_409() -> None:
    echo = EchoApp()
    echo.gate = anyio.Event()
    guarded = guard(echo)
    request = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {}}
    headers = {**HEADERS, "mcp-session-id": "s1"}
    async with client(guarded) as http, anyio.create_task_group() as tg:
        first: list[httpx2.Response] = []

        async def post_first() -> None:
            first.append(await http.post("/mcp", json=request, headers=headers))

        tg.start_soon(post_first)
        with anyio.fail_after(5):
            while echo.inside == 0:  # noqa: ASYNC110 - the app's own state
                await anyio.sleep(0.01)
        second = await http.post("/mcp", json=request, headers=headers)
        other_session = await http.post(
            "/mcp", json=[request, request], headers={**HEADERS, "mcp-session-id": "s2"}
        )
        echo.gate.set()
    assert second.status_code == 409 and second.json()["error"]["code"] == -32600
    assert other_session.status_code == 409  # one id twice in one batch
    assert first[0].status_code == 200 and json.loads(first[0].content)["id"] == 7
    assert guarded.counts.duplicate_ids == 2


async def test_a_disconnect_cancels_the_calls_the_post_carried() -> None:
    cancelled = anyio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # the body
        with call_control.registered(("s9", "5")) as scope_:
            await anyio.sleep_forever()
        assert scope_.cancelled_caught
        cancelled.set()

    body = json.dumps({"jsonrpc": "2.0", "id": 5, "method": "tools/call"}).encode()
    chunks: list[Message] = [{"type": "http.request", "body": body}, {"type": "http.disconnect"}]
    headers = [(b"mcp-session-id", b"s9")]
    guarded = guard(app)
    await call_raw(guarded, {"headers": headers}, chunks)
    assert cancelled.is_set() and guarded.counts.cancelled_on_disconnect == 1
    assert call_control.running_calls() == 0


async def test_an_sse_session_that_does_not_read_is_refused_past_its_cap() -> None:
    echo = EchoApp()
    guarded = guard(echo)
    stream: list[Message] = []

    async def stream_send(message: Message) -> None:
        stream.append(message)

    async def never() -> Message:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def sse_app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        endpoint = b"event: endpoint\r\ndata: /messages/?session_id=abc\r\n\r\n"
        await send({"type": "http.response.body", "body": endpoint, "more_body": True})
        answer = b'event: message\r\ndata: {"jsonrpc":"2.0","id":3,"result":{}}\r\n\r\n'
        await send({"type": "http.response.body", "body": answer, "more_body": True})

    guarded_sse = guard(sse_app)
    guarded_sse.counts = guarded.counts  # one guard's books, as in the app
    scope = {"type": "http", "method": "GET", "path": "/sse", "headers": [], "query_string": b""}
    await guarded_sse(scope, never, stream_send)
    assert guarded.counts.sse_unanswered == {"abc": set()}
    guarded.counts.sse_unanswered["abc"].clear()
    statuses = []
    async with client(guarded) as http:
        for n in range(MAX_UNANSWERED_PER_SESSION + 3):
            request = {"jsonrpc": "2.0", "id": n, "method": "tools/call"}
            answer = await http.post("/messages/?session_id=abc", json=request)
            statuses.append(answer.status_code)
        cancel = {
            "jsonrpc": "2.0",
            "method": "notifications/cancelled",
            "params": {"requestId": 0},
        }
        await http.post("/messages/?session_id=abc", json=cancel)
        again = await http.post(
            "/messages/?session_id=abc", json={"jsonrpc": "2.0", "id": 999, "method": "ping"}
        )
    assert statuses.count(200) == MAX_UNANSWERED_PER_SESSION and statuses[-1] == 429
    assert again.status_code == 200  # the cancelled request made room
    assert guarded.counts.unread_refusals == 3


class SessionApp:
    """Issues a session id to each opening POST and ends a session on DELETE."""

    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.busy = anyio.Event()
        self.made = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        session = headers.get(b"mcp-session-id", b"").decode()
        if scope["method"] == "DELETE":
            self.deleted.append(session)
            await send({"type": "http.response.start", "status": 200, "headers": []})
        elif not session:
            self.made += 1
            new = f"s{self.made}".encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"mcp-session-id", new)],
                }
            )
        else:
            if scope["method"] == "GET":
                await self.busy.wait()  # an open event stream
            await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def test_sessions_past_a_cap_reclaim_the_idle_ones_then_are_refused() -> None:
    app = SessionApp()
    clock = [0.0]
    limiter = SessionLimiter(
        app,
        mcp_path="/mcp",
        max_sessions=5,
        max_per_client=3,
        idle_timeout=100.0,
        clock=lambda: clock[0],
    )
    async with client(limiter) as http:
        made = []
        for _ in range(6):
            clock[0] += 1
            answer = await http.post("/mcp", json={})
            made.append(answer.headers["mcp-session-id"])
        assert limiter.open_sessions() == 3 and app.deleted == ["s1", "s2", "s3"]
        async with anyio.create_task_group() as tg:

            async def open_stream(session: str) -> None:
                await http.get("/mcp", headers={"mcp-session-id": session})

            for session in made[3:]:
                tg.start_soon(open_stream, session)
            with anyio.fail_after(5):
                while sum(s.in_flight for s in limiter._sessions.values()) < 3:  # noqa: ASYNC110
                    await anyio.sleep(0.01)
            refused = await http.post("/mcp", json={})
            assert limiter.saturated() is False  # the total cap (5) is not reached
            app.busy.set()
        assert refused.status_code == 503
        assert "OPENROUTER_PRICING_MAX_SESSIONS_PER_CLIENT" in refused.json()["message"]
        gone = await http.delete("/mcp", headers={"mcp-session-id": made[3]})
        assert gone.status_code == 200 and limiter.open_sessions() == 2
        clock[0] += 1000  # past the idle timeout: the rest are forgotten
        assert limiter.open_sessions() == 0


class Lines:
    def __init__(self, lines: list[str]) -> None:
        self._lines = list(lines)

    async def __anext__(self) -> str:
        if not self._lines:
            raise StopAsyncIteration
        return self._lines.pop(0)


class Out:
    def __init__(self) -> None:
        self.text = ""

    async def write(self, text: str) -> None:
        self.text += text

    async def flush(self) -> None:
        return None


async def test_the_stdio_reader_answers_bad_lines_and_holds_the_end_until_answered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    request = json.dumps({"jsonrpc": "2.0", "id": "r1", "method": "ping"}) + "\n"
    lines = Lines(["nonsense\n", "\n", TOO_LONG, '{"id": 4}\n', "[" * 5000 + "\n", request])
    out = Out()
    reader = AnsweringReader(lines, out, drain_seconds=5, max_line_bytes=64 * 2**20)
    assert await reader.__anext__() == request
    replies = [json.loads(line) for line in out.text.splitlines()]
    assert [r["error"]["code"] for r in replies] == [-32700, -32700, -32600, -32700]
    assert "64 MiB" in replies[1]["error"]["message"] and replies[2]["id"] == 4
    async with anyio.create_task_group() as tg:
        ended = anyio.Event()

        async def read_to_end() -> None:
            with pytest.raises(StopAsyncIteration):
                await reader.__anext__()
            ended.set()

        tg.start_soon(read_to_end)
        await anyio.sleep(0.1)
        assert not ended.is_set()  # r1 is still unanswered
        await reader.write('{"jsonrpc":"2.0","id":"r1","result":{}}\n')
        with anyio.fail_after(5):
            await ended.wait()
    stuck = AnsweringReader(Lines([request]), Out(), drain_seconds=0.1, max_line_bytes=1024)
    await stuck.__anext__()
    with pytest.raises(StopAsyncIteration):
        await stuck.__anext__()
    assert "1 request(s) still unanswered" in capsys.readouterr().err


def test_the_json_rpc_peeks() -> None:
    assert request_ids({"jsonrpc": "2.0", "id": 1, "method": "x"}) == ["1"]
    assert request_ids([{"id": "a", "method": "x"}, {"method": "n"}, {"id": 2}]) == ["a"]
    assert request_ids("junk") == []
    cancel = {"method": "notifications/cancelled", "params": {"requestId": 9}}
    assert cancelled_ids([cancel, {"method": "notifications/cancelled"}]) == ["9"]
    assert answered_id('{"jsonrpc":"2.0","id":"q\\"1","error":{}}') == 'q"1'
    assert answered_id('{"jsonrpc":"2.0","id":5,"method":"sampling"}') is None
    assert answered_id('{"jsonrpc":"2.0","method":"notifications/progress"}') is None
    assert answered_id('{"jsonrpc":"2.0","id":[,"result"') is None


async def test_the_connection_guard_in_process_times_out_headers_evicts_and_aborts_stalls() -> None:
    """uvicorn with the guarded protocol, in this process on loopback: header-less connections
    past the cap are evicted oldest first, the rest time out, and a response nobody reads is
    aborted after the send timeout."""
    import socket

    import uvicorn

    from openrouter_pricing.http_connections import ConnectionLimits, guarded_protocol

    async def big(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(400):  # 100 MB: far more than the socket buffers hold
            await send({"type": "http.response.body", "body": b"x" * 250_000, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    limits = ConnectionLimits(header_timeout=0.5, max_connections=3, send_timeout=0.5)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(big, http=guarded_protocol(limits), log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    sockets: list[socket.socket] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [listener])
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn's own flag
                await anyio.sleep(0.01)
        for _ in range(5):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            sockets.append(sock)
            await anyio.sleep(0.05)
        with anyio.fail_after(10):
            while limits.evicted < 2 or limits.header_timeouts < 3:  # noqa: ASYNC110
                await anyio.sleep(0.02)
        assert limits.open_connections <= 3 and not limits.saturated()
        reader = socket.create_connection(("127.0.0.1", port))
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # and then never reads
        sockets.append(reader)
        with anyio.fail_after(15):
            while limits.stalled < 1:  # noqa: ASYNC110
                await anyio.sleep(0.05)
        server.should_exit = True
    for sock in sockets:
        sock.close()
    listener.close()
