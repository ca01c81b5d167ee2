"""Holdout as real processes: ``holdout up`` or one ``holdout serve`` per service.

Used by the end-to-end tests and the benchmarks to run the platform as an operator
would, on free ports and a private data directory: ``Platform`` for either, and
``start_distributed`` for the production wiring (four ``holdout serve`` processes on
PostgreSQL and RabbitMQ).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from holdout.client import HoldoutClient
from shared.internal_auth import TOKEN_FILE
from shared.settings import SERVICES

HOLDOUT = str(Path(sys.executable).with_name("holdout"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Platform:
    env: dict[str, str]
    admin_token: str
    data_dir: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return self.env["HOLDOUT_GATEWAY_URL"]

    def start(self, name: str, *args: str) -> None:
        self.start_argv(name, [HOLDOUT, *args])

    def start_argv(self, name: str, argv: list[str]) -> None:
        log = self.data_dir / f"{name}.log"
        self.logs[name] = log
        self.procs[name] = subprocess.Popen(
            argv,
            env=self.env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            self.procs.pop(name)

    def dump_logs(self) -> str:
        return "\n".join(
            f"--- {n} ---\n{p.read_text(errors='replace')[-4000:]}" for n, p in self.logs.items()
        )

    def client(self, token: str | None = None) -> HoldoutClient:
        return HoldoutClient(self.gateway_url, token or self.admin_token)

    @property
    def internal_token(self) -> str:
        """The service credential: the environment's, else the one ``holdout up`` made
        for the data directory."""
        return self.env.get("HOLDOUT_INTERNAL_TOKEN") or (self.data_dir / TOKEN_FILE).read_text().strip()

    def internal_client(self, service: str) -> httpx.AsyncClient:
        """A client of one internal service's HTTP API, with the service credential."""
        return httpx.AsyncClient(
            base_url=self.env[f"HOLDOUT_{service.upper()}_URL"],
            headers={"Authorization": f"Bearer {self.internal_token}"},
            timeout=60,
        )


def base_env(data_dir: Path, runtimes_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")}
    env.update(
        HOLDOUT_DATA_DIR=str(data_dir),
        HOLDOUT_RUNTIMES_DIR=str(runtimes_dir),
        HOLDOUT_ADMIN_TOKEN="hdt_admin_" + secrets.token_urlsafe(16),
        HOLDOUT_LOG_LEVEL="INFO",
    )
    for name in SERVICES:
        env[f"HOLDOUT_{name.upper()}_URL"] = f"http://127.0.0.1:{free_port()}"
    return env


async def start_distributed(
    platform_dir: Path,
    runtimes_dir: Path,
    pg_database: Callable[[str], Awaitable[str]],
    amqp_url: str,
    bus_namespace: str,
    commands: dict[str, list[str]] | None = None,
    env: dict[str, str] | None = None,
) -> Platform:
    """Migrate, then start the four services as separate processes (consumers first,
    so their durable queues exist before anything is published). ``pg_database(name)``
    makes an empty database and returns its URL; ``commands`` replaces a service's
    command line (the crash tests wrap one); ``env`` adds settings for every service."""
    full = base_env(platform_dir, runtimes_dir)
    full["HOLDOUT_INTERNAL_TOKEN"] = secrets.token_urlsafe(32)  # `serve` refuses to start without
    full["HOLDOUT_AMQP_URL"] = amqp_url
    full["HOLDOUT_BUS_NAMESPACE"] = bus_namespace
    full.update(env or {})
    for name in SERVICES:
        full[f"HOLDOUT_{name.upper()}_DATABASE_URL"] = await pg_database(name)
    p = Platform(full, full["HOLDOUT_ADMIN_TOKEN"], platform_dir)
    # one process for the four: each `holdout migrate` spends about 4 s importing before it migrates
    await asyncio.to_thread(
        subprocess.run, [HOLDOUT, "migrate", "all"], env=full, check=True, capture_output=True
    )
    for name in ("leaderboard", "scorer", "orchestrator", "gateway"):
        port = full[f"HOLDOUT_{name.upper()}_URL"].rsplit(":", 1)[1]
        argv = (commands or {}).get(name)
        if argv is None:
            p.start(name, "serve", name, "--port", port)
        else:
            p.start_argv(name, [*argv, "--port", port])
    try:
        for name in SERVICES:
            async with HoldoutClient(full[f"HOLDOUT_{name.upper()}_URL"]) as c:
                await c.wait_ready(60)
    except BaseException:
        p.stop_all()
        raise
    return p


async def delete_bus_namespace(amqp_url: str, namespace: str) -> None:
    """Delete the exchange and queues ``holdout serve`` declared for ``namespace``."""
    from shared.bus.rabbitmq import RabbitBus

    bus = RabbitBus(amqp_url, namespace)
    await bus.start()
    await bus.delete_topology([*SERVICES, "dead-letters"])
    await bus.close()
