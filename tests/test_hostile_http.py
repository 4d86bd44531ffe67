"""The HTTP server under hostile and careless clients, on real loopback sockets: each attack of
docs/RELIABILITY.md ("Hostile and careless clients") is made against the console script, and
other callers are shown to be served meanwhile, with memory, connections and upstream requests
bounded. Every loop is bounded; the timing bounds are generous for a loaded 2-core machine."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client

from fake_openrouter import FakeOpenRouter, Fault
from mcp_helpers import RunningServer, free_port, ok, start, stop
from reliability_counts import count, note

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "hostile", "version": "1"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
SLACK_SECONDS = 15.0


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as running:
        yield running


def serve(tmp: Path, fake: FakeOpenRouter, *args: str, **env: str) -> RunningServer:
    return start(tmp, fake, "--transport", "streamable-http", *args, env=env)


def host_port(server: RunningServer) -> tuple[str, int]:
    host, port = server.base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def rss_mb(server: RunningServer) -> float:
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def open_fds(server: RunningServer) -> int:
    return len(os.listdir(f"/proc/{server.process.pid}/fd"))


def wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def health(server: RunningServer) -> tuple[int, dict[str, Any]]:
    answer = httpx2.get(f"{server.base}/healthz", timeout=10)
    return answer.status_code, answer.json()


def open_session(http: httpx2.Client) -> str:
    answer = http.post("/mcp", json=INIT, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    session = answer.headers["mcp-session-id"]
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    http.post("/mcp", json=note, headers={**HEADERS, "mcp-session-id": session})
    return session


def closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(0.01)
    try:
        return sock.recv(65536) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def read_answer(sock: socket.socket, seconds: float) -> bytes:
    """Everything the server sends until it closes the connection (bounded)."""
    sock.settimeout(seconds)
    data = b""
    while len(data) < 1 << 20:
        try:
            chunk = sock.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


def call(tool: str, arguments: dict[str, Any], request_id: int = 2) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments},
    }


async def list_one(server: RunningServer) -> float:
    """A normal caller: one list_models call over a fresh session; how long it took."""
    started = time.monotonic()
    async with Client(f"{server.base}/mcp") as client:
        ok(await client.call_tool("list_models", {"limit": 1}))
    return time.monotonic() - started


# -- connections ------------------------------------------------------------------------------


async def test_half_sent_headers_time_out_and_cannot_exhaust_connections(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    server = serve(
        tmp_path,
        fake,
        OPENROUTER_PRICING_MAX_CONNECTIONS="50",
        OPENROUTER_PRICING_HEADER_TIMEOUT="2",
    )
    sockets: list[socket.socket] = []
    try:
        fds_before = open_fds(server)
        unloaded = await list_one(server)
        for _ in range(300):  # six times the cap, none of them ever finishing its headers
            sock = socket.create_connection(host_port(server), timeout=5)
            sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            sockets.append(sock)
        started = time.monotonic()
        status, body = health(server)  # a probe still gets in: the oldest idle ones made room
        probe = time.monotonic() - started
        assert status == 200 and body["load"]["connections"] <= 51
        loaded = await list_one(server)
        assert loaded < SLACK_SECONDS  # and so does a real client
        fds = open_fds(server) - fds_before
        assert fds <= 60
        started = time.monotonic()
        assert wait_for(lambda: all(closed_by_server(s) for s in sockets), 2 + SLACK_SECONDS)
        note(
            f"half-sent headers: 300 sockets, cap 50, header timeout 2 s: /healthz "
            f"{probe * 1000:.0f} ms, a new client's list_models {loaded:.2f} s "
            f"(unloaded {unloaded:.2f} s), server fds +{fds}, all closed within "
            f"{time.monotonic() - started + 0.0:.1f} s more"
        )
        assert len(server.stderr()) < 200_000  # no log storm
    finally:
        for sock in sockets:
            sock.close()
        stop(server)
    count("hostile connections", 300)


async def test_slow_bodies_time_out_without_holding_call_slots(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    server = serve(
        tmp_path, fake, "--max-concurrent-requests", "4", OPENROUTER_PRICING_BODY_TIMEOUT="2"
    )
    sockets: list[socket.socket] = []
    try:
        for _ in range(12):  # three times the slots, each sending its body a byte at a time
            sock = socket.create_connection(host_port(server), timeout=5)
            sock.sendall(
                b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Accept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{"
            )
            sockets.append(sock)
        started = time.monotonic()
        meanwhile = await list_one(server)
        assert meanwhile < SLACK_SECONDS  # the slots are free meanwhile
        for sock in sockets:
            sock.sendall(b" ")  # a drip
        answers = [read_answer(sock, 2 + SLACK_SECONDS) for sock in sockets]
        note(
            f"slow bodies: 12 against 4 slots, body timeout 2 s: list_models meanwhile "
            f"{meanwhile:.2f} s; all 12 answered 408 within {time.monotonic() - started:.1f} s"
        )
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[0][:200]
        assert b"OPENROUTER_PRICING_BODY_TIMEOUT" in answers[0]
    finally:
        for sock in sockets:
            sock.close()
        stop(server)
    count("slow bodies", 12)


# -- callers that leave, duplicate ids ----------------------------------------------------------


def test_a_disconnected_post_stops_its_call_and_its_upstream_polling(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    server = serve(tmp_path, fake, "--max-concurrent-requests", "1")
    try:
        with httpx2.Client(base_url=server.base, timeout=10) as http:
            session = open_session(http)
        body = json.dumps(
            call("get_generation_cost", {"generation_id": "gen-gone", "wait_seconds": 60})
        )
        before = fake.count("/generation")
        sock = socket.create_connection(host_port(server), timeout=5)
        sock.sendall(
            (
                f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Accept: application/json, text/event-stream\r\nmcp-session-id: {session}\r\n"
                f"mcp-protocol-version: 2025-06-18\r\nContent-Length: {len(body)}\r\n\r\n{body}"
            ).encode()
        )
        assert wait_for(lambda: fake.count("/generation") >= before + 2, SLACK_SECONDS)
        sock.close()  # the client goes away in the middle of the call
        started = time.monotonic()
        assert wait_for(lambda: health(server)[1]["load"]["running_calls"] == 0, SLACK_SECONDS)
        stopped = time.monotonic() - started
        asked = fake.count("/generation")
        time.sleep(3)  # the polling interval is at most 2 s this early: a survivor would ask
        assert fake.count("/generation") == asked
        note(
            f"client disconnected from a 60 s generation lookup: call stopped in "
            f"{stopped * 1000:.0f} ms, {asked - before} upstream requests in all, none after"
        )
        with httpx2.Client(base_url=server.base, timeout=10) as http:
            other = open_session(http)
            answer = http.post(
                "/mcp",
                json=call("list_models", {"limit": 1}),
                headers={**HEADERS, "mcp-session-id": other},
            )
            assert answer.status_code == 200, answer.text
            assert '"isError":false' in answer.text.replace(" ", "")
    finally:
        stop(server)
    count("disconnected calls")


def test_a_duplicate_request_id_is_refused_and_the_first_still_answered(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    server = serve(tmp_path, fake)
    try:
        with httpx2.Client(base_url=server.base, timeout=30) as http:
            session = open_session(http)
            headers = {**HEADERS, "mcp-session-id": session}
            first: list[httpx2.Response] = []
            slow = call("get_generation_cost", {"generation_id": "gen-late", "wait_seconds": 2}, 7)
            thread = threading.Thread(
                target=lambda: first.append(http.post("/mcp", json=slow, headers=headers))
            )
            before = fake.count("/generation")
            thread.start()
            assert wait_for(lambda: fake.count("/generation") > before, SLACK_SECONDS)
            second = http.post("/mcp", json=call("list_models", {"limit": 1}, 7), headers=headers)
            thread.join(timeout=2 + SLACK_SECONDS)
        assert second.status_code == 409
        assert second.json()["error"]["code"] == -32600 and "already in progress" in second.text
        assert first and first[0].status_code == 200 and '"id":7' in first[0].text
        assert "gen-late" in first[0].text  # its own answer: still not found after its wait
    finally:
        stop(server)
    count("duplicate ids")


# -- streams, sessions, health --------------------------------------------------------------


def test_an_sse_client_that_never_reads_cannot_grow_memory(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    server = start(
        tmp_path,
        fake,
        "--transport",
        "sse",
        env={"OPENROUTER_PRICING_STREAM_SEND_TIMEOUT": "2"},
    )
    sock = socket.create_connection(host_port(server), timeout=10)
    try:
        sock.sendall(b"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        head = b""
        while b"session_id=" not in head or not head.endswith(b"\r\n\r\n"):
            head += sock.recv(4096)
        session = head.split(b"session_id=")[1].split(b"\r")[0].decode()
        post = f"/messages/?session_id={session}"
        with httpx2.Client(base_url=server.base, timeout=10) as http:
            assert http.post(post, json=INIT).status_code == 202
            http.post(post, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
            memory_before = rss_mb(server)
            statuses = []
            for n in range(1200):  # never reading a byte of the answers
                big = call("list_models", {"limit": 200}, 100 + n)
                statuses.append(http.post(post, json=big).status_code)
            grown = rss_mb(server) - memory_before
        # Answers go out while the socket buffers take them; then the session's unread answers
        # reach their cap and its POSTs are refused, until the stalled stream is closed (and the
        # session with it) after the send timeout.
        first_refusal = statuses.index(429)
        note(
            f"SSE client never reading: 1,200 POSTs, {statuses.count(202)} accepted (answers "
            f"the socket buffers took), the rest refused; server memory +{grown:.0f} MB"
        )
        assert set(statuses[first_refusal:]) <= {429, 404}, statuses[first_refusal:]
        assert grown < 150, f"{grown:.0f} MB"
        with httpx2.Client(base_url=server.base, timeout=10) as http:
            ping = {"jsonrpc": "2.0", "id": 99999, "method": "ping"}
            assert wait_for(
                lambda: http.post(post, json=ping).status_code == 404, 2 + SLACK_SECONDS
            )
        assert health(server)[0] == 200
    finally:
        sock.close()
        stop(server)
    count("unread answers refused", 1200)


def test_sessions_are_capped_per_client_and_idle_ones_reclaimed(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    server = serve(
        tmp_path,
        fake,
        OPENROUTER_PRICING_MAX_SESSIONS="10",
        OPENROUTER_PRICING_MAX_SESSIONS_PER_CLIENT="4",
    )
    try:
        with httpx2.Client(base_url=server.base, timeout=10) as http:
            sessions = [open_session(http) for _ in range(40)]  # never closed
            assert len(set(sessions)) == 40  # every one admitted: idle ones made room
            held = health(server)[1]["load"]["sessions"]
            assert held <= 4
            note(
                f"40 sessions never closed by one client (cap 4 per client): all admitted, "
                f"{held} held"
            )
            gone = http.post(
                "/mcp", json=call("list_models", {"limit": 1}),
                headers={**HEADERS, "mcp-session-id": sessions[0]},
            )  # fmt: skip
            assert gone.status_code == 404  # the oldest was reclaimed
        busy: list[httpx2.Client] = []
        streams = []
        try:
            for _ in range(4):  # four sessions, each with an open event stream: none idle
                client = httpx2.Client(base_url=server.base, timeout=10)
                busy.append(client)
                session = open_session(client)
                stream = client.stream(
                    "GET",
                    "/mcp",
                    headers={"Accept": "text/event-stream", "mcp-session-id": session},
                )
                streams.append(stream)
                stream.__enter__()
            with httpx2.Client(base_url=server.base, timeout=10) as http:
                refused = http.post("/mcp", json=INIT, headers=HEADERS)
            assert refused.status_code == 503
            assert "OPENROUTER_PRICING_MAX_SESSIONS_PER_CLIENT" in refused.json()["message"]
        finally:
            for stream in streams:
                stream.__exit__(None, None, None)
            for client in busy:
                client.close()
    finally:
        stop(server)
    count("sessions opened", 45)


async def test_health_reports_saturation_with_its_reason(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    server = serve(tmp_path, fake, "--max-concurrent-requests", "1")
    try:
        with httpx2.Client(base_url=server.base, timeout=30) as http:
            session = open_session(http)
            fake.script("/key", [Fault.delay(3)])
            before = fake.count("/key")
            thread = threading.Thread(
                target=lambda: http.post(
                    "/mcp",
                    json=call("check_balance", {}),
                    headers={**HEADERS, "mcp-session-id": session},
                )
            )
            thread.start()
            assert wait_for(lambda: fake.count("/key") > before, SLACK_SECONDS)
            status, body = health(server)
            thread.join(timeout=3 + SLACK_SECONDS)
        assert status == 503 and body["status"] == "saturated"
        assert any("request slots" in reason for reason in body["reasons"])
        assert health(server)[0] == 200
    finally:
        stop(server)


# -- the small ones ----------------------------------------------------------------------------


def test_a_blank_caller_key_is_an_error_and_utf8_tokens_authenticate(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    token = "jeton-\u00e9t\u00e9-\u5bc6"  # not ASCII, not even Latin-1
    server = serve(tmp_path, fake, OPENROUTER_PRICING_AUTH_TOKEN=token)
    try:
        sock = socket.create_connection(host_port(server), timeout=10)
        body = json.dumps(INIT)
        sock.sendall(
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Accept: application/json, text/event-stream\r\nAuthorization: Bearer "
            + token.encode()
            + f"\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.close()
        auth = [(b"Authorization", b"Bearer " + token.encode())]
        with httpx2.Client(base_url=server.base, timeout=10, headers=auth) as http:
            session = open_session(http)
            before = fake.count("/key")
            answer = http.post(
                "/mcp",
                json=call("check_balance", {}),
                headers={**HEADERS, "mcp-session-id": session, "X-OpenRouter-Key": ""},
            )
        assert "X-OpenRouter-Key header is empty" in answer.text
        assert fake.count("/key") == before  # the server's key was not used instead
    finally:
        stop(server)


def test_ipv6_loopback_is_printed_and_bound(fake: FakeOpenRouter, tmp_path: Path) -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    import subprocess

    from mcp_helpers import CONSOLE_SCRIPT, child_env

    for host in ("::1", "[::1]"):
        port = free_port()
        log = tmp_path / f"v6-{port}.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [str(CONSOLE_SCRIPT), "--transport", "streamable-http", "--host", host,
                 "--port", str(port)],
                stderr=stderr, stdout=subprocess.DEVNULL, env=child_env(fake, tmp_path),
            )  # fmt: skip
        try:

            def up(port: int = port) -> bool:
                try:
                    return httpx2.get(f"http://[::1]:{port}/healthz", timeout=1).status_code == 200
                except httpx2.TransportError:
                    return False

            assert wait_for(up, 20), log.read_text()
            assert f"http://[::1]:{port}" in log.read_text()
            assert "[[" not in log.read_text()
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_an_sse_client_that_leaves_stops_its_calls(fake: FakeOpenRouter, tmp_path: Path) -> None:
    server = start(tmp_path, fake, "--transport", "sse")
    sock = socket.create_connection(host_port(server), timeout=10)
    try:
        sock.sendall(b"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        head = b""
        while b"session_id=" not in head or not head.endswith(b"\r\n\r\n"):
            head += sock.recv(4096)
        session = head.split(b"session_id=")[1].split(b"\r")[0].decode()
        post = f"/messages/?session_id={session}"
        before = fake.count("/generation")
        with httpx2.Client(base_url=server.base, timeout=10) as http:
            http.post(post, json=INIT)
            http.post(post, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
            slow = call("get_generation_cost", {"generation_id": "gen-sse", "wait_seconds": 60})
            assert http.post(post, json=slow).status_code == 202
        assert wait_for(lambda: fake.count("/generation") >= before + 2, SLACK_SECONDS)
        sock.close()  # the event stream goes: the session ends, and its calls with it
        assert wait_for(lambda: health(server)[1]["load"]["running_calls"] == 0, SLACK_SECONDS)
        asked = fake.count("/generation")
        time.sleep(3)
        assert fake.count("/generation") == asked
    finally:
        sock.close()
        stop(server)
    count("disconnected calls")
