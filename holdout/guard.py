"""Time limits that every HTTP server Holdout starts puts around a service's app
(``holdout/server.py`` wires them; the README's "Connections, time limits and shutdown" lists the settings).

uvicorn closes an idle keep-alive connection, and nothing else: a client that connects
and says nothing, sends its headers a byte at a time, or starts a body and then stalls
or trickles, holds its connection (and an upload's temporary file) for ever. So:

- ``guarded_http``: uvicorn's httptools protocol (the C parser: an upload's body costs
  a fraction of the CPU the pure-Python h11 takes) with a deadline for each request's
  headers, counted from the connection's start or from the end of the previous
  response; past it the connection is closed. ``guarded_h11`` is the same deadline on
  uvicorn's h11 protocol, for a machine without httptools. Both close a connection
  answered before its request body ended by lingering (``_HeaderDeadline``), so the
  client reads the answer instead of a reset.
- ``BodyGuard``, an ASGI wrapper: while the app reads a request body, a pause longer
  than the idle timeout, or a body slower on average than the minimum rate once it has
  run for the idle timeout, is answered 408. On shutdown (``drain``) a request with a
  body that arrives is answered 503 at once, and bodies still arriving after the grace
  period are answered 503 with ``Retry-After``: a problem the client can act on rather
  than the bare 500 uvicorn sends when it cancels what is left.

Both answers go through the service's own problem handlers (they are raised from
``receive`` inside the endpoint that reads), which remove the partial upload as any
failed upload is removed, and they close the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from dataclasses import dataclass

import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is in requirements.lock; without it, h11
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

from shared.web import ProblemError, problem_response


class RequestTimeout(ProblemError):
    status, code = 408, "request-timeout"
    headers = {"Connection": "close"}


class ShuttingDown(ProblemError):
    status, code = 503, "shutting-down"
    headers = {"Connection": "close", "Retry-After": "30"}

    def __init__(self) -> None:
        super().__init__(
            "Holdout is restarting, so this upload was stopped and nothing from it was kept; "
            "send it again in a minute"
        )


@dataclass(frozen=True)
class BodyLimits:
    idle_timeout_s: float
    min_rate_bytes_s: int


class BodyGuard:
    """Wraps ``receive`` with the body deadlines; see the module docstring."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits
        self._drain_at: float | None = None
        self._waits: set[asyncio.Timeout] = set()

    @property
    def draining(self) -> bool:
        return self._drain_at is not None

    def drain(self, grace_s: float) -> None:
        """Shutdown has begun: bodies still arriving in ``grace_s`` seconds are refused."""
        self._drain_at = asyncio.get_running_loop().time() + grace_s
        for wait in self._waits:
            when = wait.when()
            wait.reschedule(self._drain_at if when is None else min(when, self._drain_at))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.draining and _has_body(scope):
            refusal = ShuttingDown()
            response = problem_response(
                refusal.status, refusal.code, refusal.title, refusal.detail, scope.get("path", "")
            )
            response.headers.update(refusal.headers)
            await response(scope, receive, send)
            return
        await self.app(scope, self._guarded(receive), send)

    def _guarded(self, receive: Receive) -> Receive:
        loop = asyncio.get_running_loop()
        idle, rate = self.limits.idle_timeout_s, self.limits.min_rate_bytes_s
        started: float | None = None
        last = 0.0
        received = 0
        complete = False

        async def guarded_receive() -> Message:
            nonlocal started, last, received, complete
            if complete:  # after the body: waiting for a disconnect, which may take as long as it likes
                return await receive()
            now = loop.time()
            if started is None:  # the clock starts when the app first reads, not at the request
                started = last = now
            # the next piece is due within the idle timeout, and soon enough that the
            # average since the start stays above the minimum rate (once past the idle timeout)
            deadline = min(last + idle, started + max(idle, received / rate if rate > 0 else math.inf))
            if self._drain_at is not None:
                deadline = min(deadline, self._drain_at)
            try:
                async with asyncio.timeout_at(deadline) as wait:
                    self._waits.add(wait)
                    try:
                        message = await receive()
                    finally:
                        self._waits.discard(wait)
            except TimeoutError:
                if self._drain_at is not None and loop.time() >= self._drain_at:
                    raise ShuttingDown() from None
                raise RequestTimeout(
                    f"the request body came too slowly (a pause over {idle:g} s, or under "
                    f"{rate} bytes/s on average); nothing from it was kept"
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                last = loop.time()
                complete = not message.get("more_body", False)
            else:
                complete = True
            return message

        return guarded_receive


def _has_body(scope: Scope) -> bool:
    headers = dict(scope.get("headers") or [])
    length = headers.get(b"content-length", b"0")
    return b"transfer-encoding" in headers or (length.isdigit() and int(length) > 0)


def guarded_http(header_timeout_s: float) -> type[asyncio.Protocol]:
    """The HTTP protocol class every server Holdout starts uses (see the module docstring)."""
    if HttpToolsProtocol is None:
        return guarded_h11(header_timeout_s)
    return guarded_httptools(header_timeout_s)


# How long a connection answered before its request body ended goes on reading (and
# dropping) what the client still sends, unless the client closes first
LINGER_S = 5.0


class _LingeringTransport:
    """A connection's transport as its protocol and request cycles see it, where ``close``
    while the client is still sending a request's body lingers (see ``_HeaderDeadline``);
    everything else is the transport's own."""

    def __init__(self, transport: asyncio.Transport, protocol: _HeaderDeadline) -> None:
        self._transport = transport
        self._protocol = protocol
        self._linger: asyncio.TimerHandle | None = None

    def __getattr__(self, name: str) -> object:
        return getattr(self._transport, name)

    @property
    def lingering(self) -> bool:
        return self._linger is not None

    def is_closing(self) -> bool:  # lingering is closing: nothing more is written
        return self._linger is not None or self._transport.is_closing()

    def close(self) -> None:
        transport = self._transport
        if self._linger is not None or transport.is_closing():
            self.abandon()
        elif self._protocol._body_unread() and transport.can_write_eof():
            transport.write_eof()  # the answer goes out, then our FIN; reading goes on
            transport.resume_reading()
            self._linger = self._protocol.loop.call_later(LINGER_S, self.abandon)
        else:
            transport.close()

    def abandon(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
        self._transport.close()


class _HeaderDeadline:
    """The header timer of both protocol classes below, and their lingering close.

    The timer is armed at connect and after each response, and disarmed when a request's
    headers have all arrived; when it fires, the connection is closed.

    An answer sent before the request's body ended (a 408 for a trickling body, a 413 for
    one too large) closes the connection while the client is still sending. Closed
    outright, the kernel answers the next bytes with a reset, and a reset makes the
    client's kernel drop the answer it has not read yet: the client sees "connection
    reset" instead of the reason. So, as RFC 9112 section 9.6 advises, only the sending
    side is shut, and what the client still sends is read and dropped until it closes,
    or for ``LINGER_S`` at most.
    """

    header_timeout_s: float
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    _header_timer: asyncio.TimerHandle | None = None
    _lingering: _LingeringTransport

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._lingering = _LingeringTransport(transport, self)  # type: ignore[arg-type]
        super().connection_made(self._lingering)  # type: ignore[misc]  # the protocol class after this one
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        self._lingering.abandon()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        if not self._lingering.lingering:  # lingering, what arrives is dropped
            super().data_received(data)  # type: ignore[misc]

    def eof_received(self) -> None:
        if self._lingering.lingering:
            self._lingering.abandon()
        else:
            super().eof_received()  # type: ignore[misc]

    def _body_unread(self) -> bool:
        """Whether the client is still sending the body of the request in flight."""
        raise NotImplementedError

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_timed_out)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self._close_for_header_timeout()

    def _close_for_header_timeout(self) -> None:
        self.transport.close()


def guarded_httptools(header_timeout_s: float) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol class, with a deadline for each request's headers."""

    class HeaderTimeoutHttpToolsProtocol(_HeaderDeadline, HttpToolsProtocol):
        def _body_unread(self) -> bool:
            return self.cycle is not None and self.cycle.more_body

        def on_headers_complete(self) -> None:
            self._disarm_header_timer()  # a request's headers have all arrived
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            # from here the next request's headers are due (a body still coming after
            # an early answer counts against this deadline too), unless a pipelined
            # request's have arrived already
            if not self.pipeline:
                self._arm_header_timer()
            super().on_response_complete()

    HeaderTimeoutHttpToolsProtocol.header_timeout_s = header_timeout_s
    return HeaderTimeoutHttpToolsProtocol


def guarded_h11(header_timeout_s: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol class, with a deadline for each request's headers."""

    class HeaderTimeoutH11Protocol(_HeaderDeadline, H11Protocol):
        def _body_unread(self) -> bool:
            return self.conn.their_state is h11.SEND_BODY

        def handle_events(self) -> None:
            cycle = self.cycle
            super().handle_events()
            if self.cycle is not cycle:  # a request's headers have all arrived
                self._disarm_header_timer()

        def on_response_complete(self) -> None:
            # from here the next request's headers are due (a body still coming after
            # an early answer counts against this deadline too)
            self._arm_header_timer()
            super().on_response_complete()

        def _close_for_header_timeout(self) -> None:
            with contextlib.suppress(h11.LocalProtocolError):  # mid-response: closing is all that is left
                self.conn.send(h11.ConnectionClosed())
            self.transport.close()

    HeaderTimeoutH11Protocol.header_timeout_s = header_timeout_s
    return HeaderTimeoutH11Protocol
