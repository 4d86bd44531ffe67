"""HTTP connections as uvicorn accepts them, bounded: headers in time, a cap, no stalled readers.

uvicorn times out idle keep-alive connections but not a request whose headers never complete, it
accepts connections until the process runs out of file descriptors, and a response whose reader
stopped reading waits for it for ever. This h11 protocol adds, per connection:

- a header timeout (``Settings.header_timeout_seconds``): from the first byte of a request (or
  the connection's opening) to the end of its headers; past it the connection is closed. The
  headers are also capped in size (``MAX_HEADER_BYTES``, a 400 from h11);
- a cap on open connections (``Settings.max_connections``): a new connection past the cap first
  closes the oldest connection that is not serving a request (waiting for headers, or idle
  between requests), so a probe of ``/healthz`` or a real client still gets in while hundreds of
  half-open sockets sit there; only when every connection is busy is the new one closed;
- a send timeout (``Settings.stream_send_timeout_seconds``): when the peer has not taken the
  bytes already written for that long (the transport's buffer stays full), the connection is
  aborted. The application then sees a disconnect: an event stream ends and its session with it,
  so a client that never reads cannot make the server queue answers for it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEADER_BYTES = 64 * 1024


@dataclass
class ConnectionLimits:
    """The bounds, and counts of what they stopped (for ``/healthz``, tests and benchmarks)."""

    header_timeout: float
    max_connections: int
    send_timeout: float
    open_connections: int = 0
    header_timeouts: int = 0
    evicted: int = 0
    refused: int = 0
    stalled: int = 0
    _connections: set[Any] = field(default_factory=set, repr=False)

    def saturated(self) -> bool:
        """Every connection is serving a request: none could be reclaimed for a new one."""
        busy = sum(1 for c in self._connections if not c._between_requests())
        return busy >= self.max_connections


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the bounds of the module docstring."""

    limits: ClassVar[ConnectionLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._opened = 0.0
        self._header_timer: asyncio.TimerHandle | None = None
        self._stall_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        limits = self.limits
        self._opened = self.loop.time()
        limits._connections.add(self)
        live = sum(1 for c in limits._connections if not c.transport.is_closing())
        if live > limits.max_connections and not self._make_room():
            limits.refused += 1
            transport.abort()
            return
        limits.open_connections = len(limits._connections)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self.limits._connections.discard(self)
        self.limits.open_connections = len(self.limits._connections)
        for timer in (self._header_timer, self._stall_timer):
            if timer is not None:
                timer.cancel()
        self._header_timer = self._stall_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._between_requests():
            self._arm_header_timer()
        super().data_received(data)
        if not self._between_requests() and self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._stall_timer is None:
            self._stall_timer = self.loop.call_later(self.limits.send_timeout, self._stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None

    # -- internals -------------------------------------------------------------------------

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(
                self.limits.header_timeout, self._headers_late
            )

    def _headers_late(self) -> None:
        self._header_timer = None
        if self._between_requests() and not self.transport.is_closing():
            self.limits.header_timeouts += 1
            self.transport.abort()

    def _stalled(self) -> None:
        self._stall_timer = None
        if self.flow.write_paused:  # still nothing taken: close, dropping what is buffered
            self.limits.stalled += 1
            self.transport.abort()

    def _make_room(self) -> bool:
        """Close the oldest connection not serving a request; False when there is none."""
        idle = [
            c
            for c in self.limits._connections
            if c is not self and c._between_requests() and not c.transport.is_closing()
        ]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c._opened)
        self.limits.evicted += 1
        oldest.transport.abort()
        return True


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedH11Protocol]:
    """A protocol class bound to ``limits`` (uvicorn instantiates the class it is given)."""
    return type("BoundGuardedH11Protocol", (GuardedH11Protocol,), {"limits": limits})


__all__ = ["MAX_HEADER_BYTES", "ConnectionLimits", "GuardedH11Protocol", "guarded_protocol"]
