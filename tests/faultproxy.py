"""A fault-injecting HTTP proxy on loopback, between Holdout and Azurite.

Requests pass through unchanged (the SharedKey signature covers the path, the query
and the headers, so they are forwarded byte for byte and nothing is added) until a
``drop`` rule matches: then the connection is closed without an answer, as a storage
account behind a failing load balancer does. The tests use it to make one kind of
storage access fail for a while, deterministically, without stopping the emulator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from yarl import URL

HOP_BY_HOP = {"host", "connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}

Rule = Callable[[str, str], bool]


@dataclass
class FaultProxy:
    upstream: str  # http://127.0.0.1:<port>
    drop: list[Rule] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path?query)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    async def start(self) -> FaultProxy:
        self._session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application(client_max_size=0)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        # close the upstream session first: a handler still waiting on the upstream (an SDK
        # retrying against a stopped emulator) then ends at once instead of outliving cleanup
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            server = self._runner.server
            # clients that keep connections alive would leave their handler tasks pending
            for connection in list(server.connections if server is not None else []):
                connection.force_close()
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method, path = request.method, request.path
        self.requests.append((method, request.raw_path))
        if any(rule(method, path) for rule in self.drop):
            self.dropped.append((method, path))
            assert request.transport is not None
            request.transport.close()
            return web.Response()  # never sent: the connection is gone
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        body = request.content if request.body_exists else None
        async with self._session.request(
            method,
            URL(self.upstream + request.raw_path, encoded=True),
            headers=headers,
            data=body,
            allow_redirects=False,
            # a Content-Type the client did not send would break the request's signature
            skip_auto_headers=("Content-Type", "User-Agent", "Accept", "Accept-Encoding"),
        ) as upstream:
            response = web.StreamResponse(
                status=upstream.status,
                reason=upstream.reason,
                headers={k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP},
            )
            await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(1 << 16):
                await response.write(chunk)
            await response.write_eof()
            return response
