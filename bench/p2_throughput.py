"""P2: no-op submissions completed per second at saturation, against bare sandbox runs
per second at the same concurrency.

Holdout = N no-op submissions uploaded back to back to `holdout up` (embedded
defaults, the scheduler's limit set to the concurrency), timed from the first upload
to the last one scored: uploads, outbox, bus, scheduling, unpacking, the sandbox,
uploading predictions, scoring. Bare = the same N runs of `run_sandbox` on
already-unpacked code, the same number at once.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import machine
from bench.p1_latency import NOOP_MAIN, bare_run, traversable_tmp, write_inputs
from holdout.client import HoldoutClient
from holdout.processes import Platform, base_env
from services.orchestrator.executors.local.runtimes import runtime_path
from shared.settings import default_data_dir

TERMINAL = {"scored", "failed", "cancelled"}


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


@asynccontextmanager
async def noop_platform(name: str, concurrency: int, daily_quota: int = 1000) -> AsyncIterator[NoopSetup]:
    """`holdout up` with a no-op competition, and the same code unpacked for bare runs."""
    work = traversable_tmp(f"holdout-bench-{name}-")
    runtime = runtime_path("default", default_data_dir() / "runtimes")
    features, labels, archive = write_inputs(work)
    src, data, scratch = work / "src", work / "data", work / "scratch"
    for d in (src, data, scratch, work / "platform"):
        d.mkdir()
        d.chmod(0o755)
    (src / "main.py").write_text(NOOP_MAIN)
    shutil.copy(features, data / "features.csv")
    env = base_env(work / "platform", runtime.parent)
    env["HOLDOUT_MAX_CONCURRENT_RUNS"] = str(concurrency)
    env["HOLDOUT_SCHEDULER_POLL_SECONDS"] = "0.5"
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], work / "platform")
    p.start("up", "up")
    try:
        async with p.client() as admin:
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
        p.stop_all()
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


async def bare_throughput(s: NoopSetup, n: int, concurrency: int) -> float:
    """Bare sandbox runs per second, ``concurrency`` at once."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker(k: int) -> None:
        scratch = s.work / f"scratch{k}"
        scratch.mkdir(exist_ok=True)
        scratch.chmod(0o755)
        while not queue.empty():
            queue.get_nowait()
            await bare_run(s.runtime, s.src, s.data, scratch)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return n / (time.perf_counter() - t0)


async def platform_throughput(s: NoopSetup, n: int, tag: str, teams: int = 4) -> float:
    """No-op submissions scored per second: first upload to last score."""
    users = [await s.admin.create_participant(f"p2-{tag}-{i}", s.competition_id) for i in range(teams)]
    clients = [s.admin.as_user(u["token"]) for u in users]
    t0 = time.perf_counter()
    ids = []
    for i in range(n):
        ids.append((await clients[i % teams].submit(s.competition_id, s.archive))["id"])
    wanted = set(ids)
    while True:
        subs = [x for x in await all_submissions(s.host, s.competition_id) if x["id"] in wanted]
        done = [x for x in subs if x["status"] in TERMINAL]
        if len(done) == n:
            elapsed = time.perf_counter() - t0
            break
        if time.perf_counter() - t0 > 600:
            raise TimeoutError(f"{len(done)}/{n} done after 600 s\n{s.platform.dump_logs()}")
        await asyncio.sleep(0.05)
    failed = [x for x in done if x["status"] != "scored"]
    if failed:
        raise RuntimeError(f"{len(failed)} no-op submissions did not score: {failed[0]}")
    for c in clients:
        await c.__aexit__(None, None, None)
    return n / elapsed


async def run(n: int = 60, warmup: int = 4) -> dict[str, Any]:
    concurrency = os.cpu_count() or 1
    async with noop_platform("p2", concurrency) as s:
        await bare_throughput(s, warmup, concurrency)
        await platform_throughput(s, warmup, "warmup")
        bare = await bare_throughput(s, n, concurrency)
        holdout = await platform_throughput(s, n, "measured")
    ratio = holdout / bare
    return {
        "measure": "no-op submissions scored per second at saturation / bare sandbox runs per second",
        "value": ratio,
        "p99": ratio,
        "goal": ">= 0.7",
        "met": ratio >= 0.7,
        "holdout": {"per_second": holdout, "n": n, "concurrency": concurrency},
        "baseline": {"per_second": bare, "n": n, "concurrency": concurrency},
        "holdout_text": f"{holdout:.2f} submissions/s",
        "baseline_text": f"{bare:.2f} runs/s",
        "method": (
            f"{n} no-op submissions (after {warmup} warm-up) uploaded back to back by 4 teams to "
            f"`holdout up` (scheduler limit {concurrency} = CPU count), timed from the first upload to "
            f"the last one scored (the host's list polled every 50 ms); against {n} `run_sandbox` runs "
            f"of the same code already unpacked, {concurrency} at once. value = ratio (p99 repeats it: "
            "a throughput has no per-sample tail)."
        ),
        "machine": machine(),
    }
