"""The no-op competition the latency and throughput benchmarks (P1, P2, P7, P10 and the
``-prod`` forms) share, on either wiring, and the bare sandbox run it is measured against.

- ``noop_platform(name, concurrency, wiring=...)``: Holdout started as an operator
  would, with a 20-row competition and the same code already unpacked for bare runs.
  ``"embedded"`` is ``holdout up`` (one process, SQLite, the in-process bus, local
  storage); ``"production"`` is four ``holdout serve`` processes on PostgreSQL (a fresh
  database per service, dropped after) and RabbitMQ (a namespace of its own, deleted
  after), started by ``holdout.processes.start_distributed`` as the end-to-end tests do.
- ``bare_run``: ``run_sandbox`` on the unpacked copy, the sandbox's own cost.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import asyncpg

from holdout.client import HoldoutClient
from holdout.processes import HOLDOUT, Platform, base_env, delete_bus_namespace, start_distributed
from services.orchestrator.executors.local.runtimes import runtime_path
from services.orchestrator.executors.local.sandbox import SandboxLimits, SandboxSpec, run_sandbox
from shared.settings import SERVICES, default_data_dir

PG_ADMIN_DSN = os.environ.get("HOLDOUT_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("HOLDOUT_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
TERMINAL = {"scored", "failed", "cancelled"}
Wiring = Literal["embedded", "production"]

NOOP_MAIN = """\
import csv
with open("/code_execution/data/features.csv") as f, \\
        open("/code_execution/submission/submission.csv", "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["id", "label"])
    for row in csv.DictReader(f):
        w.writerow([row["id"], 0])
"""
ROWS = 20


def traversable_tmp(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def write_inputs(work: Path) -> tuple[Path, Path, Path]:
    features = work / "features.csv"
    features.write_text("id,x\n" + "".join(f"r{i},{i}\n" for i in range(ROWS)))
    labels = work / "labels.csv"
    labels.write_text(
        "id,label,Usage\n"
        + "".join(f"r{i},{i % 2},{'Public' if i % 2 else 'Private'}\n" for i in range(ROWS))
    )
    archive = work / "noop.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("main.py", NOOP_MAIN)
    return features, labels, archive


async def bare_run(runtime: Path, src: Path, data: Path, scratch: Path) -> float:
    sub = scratch / "submission"
    shutil.rmtree(sub, ignore_errors=True)
    sub.mkdir()
    shutil.chown(sub, 64000, 64000)
    spec = SandboxSpec(runtime_dir=runtime, src_dir=src, data_dir=data, submission_dir=sub)
    limits = SandboxLimits(time_limit_s=60, memory_bytes=1024**3, cpus=1.0)
    t0 = time.perf_counter()
    result = await run_sandbox(spec, limits, log_path=scratch / "log.txt")
    elapsed = time.perf_counter() - t0
    if result.failure_reason is not None:
        raise RuntimeError(f"bare run failed: {result.failure_reason} {result.detail}")
    return elapsed


@dataclass
class NoopSetup:
    work: Path
    runtime: Path
    archive: Path
    src: Path
    data: Path
    platform: Platform
    admin: HoldoutClient
    host: HoldoutClient
    competition_id: str


def pg_databases(made: list[str]) -> Callable[[str], Awaitable[str]]:
    """``make(label)``: a fresh PostgreSQL database, its URL; its name is added to ``made``."""
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]

    async def make(label: str) -> str:
        name = f"holdout_b_{uuid.uuid4().hex[:10]}_{label}"
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        made.append(name)
        return f"{base}/{name}"

    return make


async def drop_production(namespace: str, databases: list[str]) -> None:
    """Delete a bench platform's RabbitMQ namespace and drop its databases."""
    await delete_bus_namespace(AMQP_URL, namespace)
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        for db in databases:
            await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        await conn.close()


@asynccontextmanager
async def _started(
    wiring: Wiring,
    platform_dir: Path,
    runtimes: Path,
    env: dict[str, str],
    wrap: Callable[[str], list[str]] | None,
) -> AsyncIterator[Platform]:
    if wiring == "embedded":
        full = {**base_env(platform_dir, runtimes), **env}
        p = Platform(full, full["HOLDOUT_ADMIN_TOKEN"], platform_dir)
        p.start_argv("up", [*(wrap("up") if wrap else [HOLDOUT]), "up"])
        try:
            yield p
        finally:
            p.stop_all()
        return
    made: list[str] = []
    namespace = f"holdout-bench-{uuid.uuid4().hex[:8]}"
    try:
        commands = {name: [*wrap(name), "serve", name] for name in SERVICES} if wrap else None
        p = await start_distributed(
            platform_dir, runtimes, pg_databases(made), AMQP_URL, namespace, commands=commands, env=env
        )
        try:
            yield p
        finally:
            p.stop_all()
    finally:
        await drop_production(namespace, made)


@asynccontextmanager
async def noop_platform(
    name: str,
    concurrency: int,
    daily_quota: int = 1000,
    wiring: Wiring = "embedded",
    scheduler_poll_s: float | None = 0.5,
    wrap: Callable[[str], list[str]] | None = None,
    settings: dict[str, str] | None = None,
) -> AsyncIterator[NoopSetup]:
    """Holdout on ``wiring`` with a no-op competition, and the same code unpacked for bare
    runs. ``concurrency`` is the run limit; ``scheduler_poll_s`` None keeps the default;
    ``wrap(process)`` is put before each process's ``holdout`` arguments (``bench/probe.py``);
    ``settings``: more environment for every process."""
    work = traversable_tmp(f"holdout-bench-{name}-")
    runtime = runtime_path("default", default_data_dir() / "runtimes")
    features, labels, archive = write_inputs(work)
    src, data, scratch = work / "src", work / "data", work / "scratch"
    for d in (src, data, scratch, work / "platform"):
        d.mkdir()
        d.chmod(0o755)
    (src / "main.py").write_text(NOOP_MAIN)
    shutil.copy(features, data / "features.csv")
    env = {"HOLDOUT_MAX_CONCURRENT_RUNS": str(concurrency)}
    if scheduler_poll_s is not None:
        env["HOLDOUT_SCHEDULER_POLL_SECONDS"] = str(scheduler_poll_s)
    env.update(settings or {})
    try:
        async with _started(wiring, work / "platform", runtime.parent, env, wrap) as p, p.client() as admin:
            await admin.wait_ready(60)
            host_user = await admin.create_user("host", is_host=True)
            async with admin.as_user(host_user["token"]) as host:
                comp = await host.create_competition(
                    {
                        "slug": name.lower(),
                        "title": "No-op",
                        "metric": "accuracy",
                        "id_column": "id",
                        "target_columns": ["label"],
                        "limits": {"time_limit_s": 60, "memory_mb": 1024, "cpus": 1.0},
                        "daily_quota": daily_quota,
                    }
                )
                await host.upload_data(comp["id"], features, "features.csv")
                await host.upload_labels(comp["id"], labels)
                yield NoopSetup(work, runtime, archive, src, data, p, admin, host, comp["id"])
    finally:
        if not os.environ.get("HOLDOUT_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


async def all_submissions(host: HoldoutClient, competition_id: str) -> list[dict[str, Any]]:
    """Every submission of the competition (the host's view), page by page."""
    out: list[dict[str, Any]] = []
    while True:
        page = await host._json(
            "GET",
            f"/api/v1/competitions/{competition_id}/submissions",
            params={"offset": len(out), "limit": 200},
        )
        out.extend(page["items"])
        if not page["items"] or len(out) >= page["total"]:
            return out


async def wait_all_scored(s: NoopSetup, ids: set[str], t0: float, timeout: float = 600) -> float:
    """Seconds from ``t0`` until every one of ``ids`` is terminal (the host's list polled
    every 50 ms); raises if any of them ended other than scored."""
    while True:
        subs = [x for x in await all_submissions(s.host, s.competition_id) if x["id"] in ids]
        done = [x for x in subs if x["status"] in TERMINAL]
        if len(done) == len(ids):
            elapsed = time.perf_counter() - t0
            break
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(f"{len(done)}/{len(ids)} done after {timeout:.0f} s\n{s.platform.dump_logs()}")
        await asyncio.sleep(0.05)
    failed = [x for x in done if x["status"] != "scored"]
    if failed:
        raise RuntimeError(f"{len(failed)} no-op submissions did not score: {failed[0]}")
    return elapsed
