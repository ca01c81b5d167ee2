"""Running services: all four in one process (``holdout up``) or one alone (``serve``).

Every server gets the time limits of ``holdout/guard.py``. On SIGTERM (or SIGINT) it
first drains: ``/readyz`` answers 503 (``shared.web.Drain``) while it goes on serving
for ``shutdown_drain_s``, so load balancers stop sending before it stops listening; then
uvicorn stops accepting, uploads in flight get ``shutdown_grace_s`` to finish before
they are answered 503, and uvicorn waits a little longer than that for the answers to
go out. A second signal skips what is left of the drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import signal
import socket
from collections.abc import Generator, Iterable
from dataclasses import dataclass

import structlog
import uvicorn

from holdout.guard import BodyGuard, BodyLimits, guarded_http
from holdout.wiring import all_specs, service_spec
from shared.bus.memory import InProcessBus
from shared.internal_auth import load_or_create_token
from shared.runtime import build_storage
from shared.settings import MIN_INTERNAL_TOKEN_LENGTH, CommonSettings
from shared.web import Drain

log = structlog.get_logger(__name__)


# after the grace period: time for the 503s to go out and the lifespans to close
SHUTDOWN_MARGIN_S = 5.0


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to us (several share one loop), and
    tells its body guard when shutdown begins."""

    def __init__(
        self,
        config: uvicorn.Config,
        guard: BodyGuard,
        grace_s: float,
        drain_s: float = 0.0,
        app: object = None,
    ) -> None:
        super().__init__(config)
        self.guard = guard
        self.grace_s = grace_s
        self.drain_s = drain_s
        # the app's readiness switch (shared/runtime.install_service_plumbing), if it has one
        self.drain: Drain | None = getattr(getattr(app, "state", None), "drain", None)
        # servers that must be up before this one opens its port (``holdout up``'s gateway)
        self.start_after: list[_Server] = []

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        # The gateway of ``holdout up`` calls the other three on their own ports: opened
        # before they listen, its /readyz says yes while the first board or submission
        # read it proxies is a 503 (connection refused). It opens once they are up, or
        # not at all if one of them stopped during its start-up.
        if await all_started(self.start_after) and not self.should_exit:
            await super().serve(sockets)

    def begin_drain(self) -> None:
        if self.drain is not None:
            self.drain.begin()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.guard.drain(self.grace_s)
        await super().shutdown(sockets)


async def all_started(servers: Iterable[_Server], poll_s: float = 0.02) -> bool:
    """Wait until every one of ``servers`` has started; False as soon as one of them is
    told to stop first (a stop of ``holdout up`` tells them all)."""
    servers = list(servers)
    while not all(s.started for s in servers):
        if any(s.should_exit for s in servers):
            return False
        await asyncio.sleep(poll_s)
    return True


@dataclass
class Running:
    servers: dict[str, _Server]

    def stop(self) -> None:
        for server in self.servers.values():
            server.should_exit = True


def http_protocol(settings: CommonSettings) -> type[asyncio.Protocol]:
    """The HTTP protocol class of every server Holdout starts (``holdout/guard.py``)."""
    return guarded_http(settings.http_header_timeout_s)


def http_server(app: object, host: str, port: int, settings: CommonSettings) -> _Server:
    """The uvicorn server for one service's app, with the limits of ``holdout/guard.py``."""
    limits = BodyLimits(settings.http_body_idle_timeout_s, settings.http_body_min_rate_bytes_s)
    guard = BodyGuard(app, limits)  # type: ignore[arg-type]
    config = uvicorn.Config(
        guard,
        host=host,
        port=port,
        http=http_protocol(settings),
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_keep_alive=settings.http_keep_alive_timeout_s,  # type: ignore[arg-type]
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_s + SHUTDOWN_MARGIN_S),
    )
    return _Server(config, guard, settings.shutdown_grace_s, settings.shutdown_drain_s, app)


async def _serve_all(servers: Iterable[_Server], on_started: object = None) -> None:
    servers = list(servers)
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    loop = asyncio.get_running_loop()
    draining: list[asyncio.TimerHandle] = []

    def stop() -> None:
        for s in servers:
            s.should_exit = True

    def on_signal() -> None:
        if draining:  # a second signal: stop now
            draining[0].cancel()
            stop()
            return
        seconds = max((s.drain_s for s in servers), default=0.0)
        log.info("holdout.draining", seconds=seconds)
        for s in servers:
            s.begin_drain()
        draining.append(loop.call_later(seconds, stop))

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, on_signal)
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        for t in done:
            if t.exception() is not None:
                raise t.exception()  # type: ignore[misc]
    finally:
        for handle in draining:
            handle.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


@dataclass(frozen=True)
class Listen:
    """Where ``holdout up`` listens: the gateway on ``host``, the three internal services
    on ``internal_host`` (loopback unless told otherwise), on ``ports`` by service name
    (None: the ports of the ``HOLDOUT_*_URL`` settings)."""

    host: str = "127.0.0.1"
    internal_host: str = "127.0.0.1"
    ports: dict[str, int] | None = None

    def host_of(self, service: str) -> str:
        return self.host if service == "gateway" else self.internal_host

    def url_overrides(self) -> dict[str, str]:
        """The ``*_url`` settings that go with explicit ports, so the gateway calls the
        services where they listen."""
        if self.ports is None:
            return {}
        return {
            f"{name}_url": f"http://{_reachable(self.host_of(name))}:{port}"
            for name, port in self.ports.items()
        }


def _reachable(host: str) -> str:
    """An address to call a server on that listens on ``host``."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def embedded_overrides(settings: CommonSettings, listen: Listen) -> dict[str, object]:
    """Settings every service gets under ``holdout up``: one internal token (the
    environment's, else the data directory's own) and the URLs of explicit ports."""
    token = settings.internal_token or load_or_create_token(settings.data_dir)
    return {"internal_token": token, **listen.url_overrides()}


def embedded_servers(listen: Listen, settings: CommonSettings) -> tuple[dict[str, _Server], InProcessBus]:
    """Four servers sharing one in-process bus and one storage (HOLDOUT_STORAGE_BACKEND)."""
    bus = InProcessBus(hold_until_released=True)
    storage = build_storage(settings)
    overrides = embedded_overrides(settings, listen)
    servers: dict[str, _Server] = {}
    for spec in all_specs():
        service_settings = spec.settings(**overrides)
        app = spec.create_app(service_settings, bus=bus, storage=storage)
        port = _port_of(getattr(service_settings, f"{spec.name}_url"))
        servers[spec.name] = http_server(app, listen.host_of(spec.name), port, settings)
    servers["gateway"].start_after = [s for name, s in servers.items() if name != "gateway"]
    return servers, bus


async def run_embedded(
    listen: Listen | None = None, ready: asyncio.Event | None = None, stop: asyncio.Event | None = None
) -> None:
    """Serve until SIGINT/SIGTERM or until ``stop`` is set; shuts down gracefully."""
    settings = CommonSettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.data_dir.chmod(0o755)
    listen = listen or Listen()
    servers, bus = embedded_servers(listen, settings)
    gateway = servers["gateway"].config

    async def release_when_started() -> None:
        if not await all_started(servers.values()):
            return
        bus.release()
        log.info(
            "holdout.up",
            data_dir=str(settings.data_dir),
            api=f"http://{_reachable(gateway.host)}:{gateway.port}/docs",
        )
        if ready is not None:
            ready.set()

    async def stop_when_asked() -> None:
        if stop is not None:
            await stop.wait()
            for s in servers.values():
                s.should_exit = True

    helpers = [asyncio.create_task(release_when_started()), asyncio.create_task(stop_when_asked())]
    try:
        await _serve_all(list(servers.values()))
    finally:
        for task in helpers:
            task.cancel()
        await bus.close()


async def run_one(name: str, host: str, port: int | None) -> None:
    spec = service_spec(name)
    settings = spec.settings()
    if not settings.amqp_url:
        raise SystemExit(
            f"holdout serve {name}: set HOLDOUT_AMQP_URL (a service alone needs RabbitMQ; "
            "`holdout up` runs all four with an in-process bus)"
        )
    if settings.internal_token is None:
        raise SystemExit(
            f"holdout serve {name}: set HOLDOUT_INTERNAL_TOKEN, the secret the gateway sends to "
            "the orchestrator, scorer and leaderboard (the same value for all four services, at "
            f"least {MIN_INTERNAL_TOKEN_LENGTH} characters; for example the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    app = spec.create_app(settings)
    await _serve_all([http_server(app, host, port or spec.default_port, settings)])
