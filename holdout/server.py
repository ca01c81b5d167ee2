"""Running services: all four in one process (``holdout up``) or one alone (``serve``).

Every server gets the time limits of ``holdout/guard.py``; on shutdown, uploads in
flight get ``shutdown_grace_s`` to finish before they are answered 503, and uvicorn
waits a little longer than that for the answers to go out.
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

from holdout.guard import BodyGuard, BodyLimits, guarded_h11
from holdout.wiring import all_specs, service_spec
from shared.bus.memory import InProcessBus
from shared.service import build_storage
from shared.settings import CommonSettings

log = structlog.get_logger(__name__)


# after the grace period: time for the 503s to go out and the lifespans to close
SHUTDOWN_MARGIN_S = 5.0


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to us (several share one loop), and
    tells its body guard when shutdown begins."""

    def __init__(self, config: uvicorn.Config, guard: BodyGuard, grace_s: float) -> None:
        super().__init__(config)
        self.guard = guard
        self.grace_s = grace_s

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.guard.drain(self.grace_s)
        await super().shutdown(sockets)


@dataclass
class Running:
    servers: dict[str, _Server]

    def stop(self) -> None:
        for server in self.servers.values():
            server.should_exit = True


def http_server(app: object, host: str, port: int, settings: CommonSettings) -> _Server:
    """The uvicorn server for one service's app, with the limits of ``holdout/guard.py``."""
    limits = BodyLimits(settings.http_body_idle_timeout_s, settings.http_body_min_rate_bytes_s)
    guard = BodyGuard(app, limits)  # type: ignore[arg-type]
    config = uvicorn.Config(
        guard,
        host=host,
        port=port,
        http=guarded_h11(settings.http_header_timeout_s),
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_keep_alive=settings.http_keep_alive_timeout_s,  # type: ignore[arg-type]
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_s + SHUTDOWN_MARGIN_S),
    )
    return _Server(config, guard, settings.shutdown_grace_s)


async def _serve_all(servers: Iterable[_Server], on_started: object = None) -> None:
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for s in servers:
            s.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        for t in done:
            if t.exception() is not None:
                raise t.exception()  # type: ignore[misc]
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def embedded_servers(host: str, settings: CommonSettings) -> tuple[dict[str, _Server], InProcessBus]:
    """Four servers sharing one in-process bus and one storage (HOLDOUT_STORAGE_BACKEND)."""
    bus = InProcessBus(hold_until_released=True)
    storage = build_storage(settings)
    servers: dict[str, _Server] = {}
    for spec in all_specs():
        app = spec.create_app(spec.settings(), bus=bus, storage=storage)
        port = int(getattr(settings, f"{spec.name}_url").rsplit(":", 1)[1].split("/")[0])
        servers[spec.name] = http_server(app, host, port, settings)
    return servers, bus


async def run_embedded(
    host: str = "127.0.0.1", ready: asyncio.Event | None = None, stop: asyncio.Event | None = None
) -> None:
    """Serve until SIGINT/SIGTERM or until ``stop`` is set; shuts down gracefully."""
    settings = CommonSettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.data_dir.chmod(0o755)
    servers, bus = embedded_servers(host, settings)

    async def release_when_started() -> None:
        while not all(s.started for s in servers.values()):
            if any(s.should_exit for s in servers.values()):
                return
            await asyncio.sleep(0.05)
        bus.release()
        log.info("holdout.up", data_dir=str(settings.data_dir), api=f"{settings.gateway_url}/docs")
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
    app = spec.create_app(settings)
    await _serve_all([http_server(app, host, port or spec.default_port, settings)])
