"""P2 and P2-prod: no-op submissions completed per second at saturation, against bare
sandbox runs per second at the same concurrency.

Holdout = N no-op submissions uploaded at once by several teams, as on deadline day
(each team's client uploads its share back to back, all the teams together), to the
platform with the scheduler's limit set to the concurrency, timed from the first upload
to the last one scored: uploads, outbox, bus, scheduling, unpacking, the sandbox,
uploading predictions, scoring. Bare = the same N runs of `run_sandbox` on
already-unpacked code, the same number at once. P2 runs it on ``holdout up``
(embedded defaults), P2-prod on the production wiring (four ``holdout serve``
processes, PostgreSQL, RabbitMQ).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from bench.common import machine
from bench.noop import NoopSetup, Wiring, bare_run, noop_platform, wait_all_scored
from bench.p1_latency import WIRING_TEXT
from holdout.client import HoldoutClient

GOAL = 0.7
TEAMS = 8  # clients uploading at once


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


async def burst(s: NoopSetup, clients: list[HoldoutClient], n: int) -> list[str]:
    """Upload ``n`` no-op submissions, the clients all at once, each its share in turn."""

    async def team(k: int) -> list[str]:
        return [
            (await clients[k].submit(s.competition_id, s.archive))["id"] for _ in range(k, n, len(clients))
        ]

    return [sid for ids in await asyncio.gather(*(team(k) for k in range(len(clients)))) for sid in ids]


async def platform_throughput(s: NoopSetup, n: int, tag: str, teams: int = TEAMS) -> float:
    """No-op submissions scored per second: first upload to last score."""
    users = [await s.admin.create_participant(f"p2-{tag}-{i}", s.competition_id) for i in range(teams)]
    clients = [s.admin.as_user(u["token"]) for u in users]
    try:
        t0 = time.perf_counter()
        ids = await burst(s, clients, n)
        elapsed = await wait_all_scored(s, set(ids), t0)
    finally:
        for c in clients:
            await c.__aexit__(None, None, None)
    return n / elapsed


async def measure(wiring: Wiring, n: int, warmup: int) -> dict[str, Any]:
    concurrency = os.cpu_count() or 1
    async with noop_platform(f"p2-{wiring}", concurrency, wiring=wiring) as s:
        await bare_throughput(s, warmup, concurrency)
        await platform_throughput(s, warmup, "warmup")
        bare = await bare_throughput(s, n, concurrency)
        holdout = await platform_throughput(s, n, "measured")
    ratio = holdout / bare
    return {
        "measure": "no-op submissions scored per second at saturation / bare sandbox runs per second"
        + (" (production wiring)" if wiring == "production" else ""),
        "value": ratio,
        "p99": ratio,
        "goal": f">= {GOAL}",
        "met": ratio >= GOAL,
        "holdout": {"per_second": holdout, "n": n, "concurrency": concurrency, "clients": TEAMS},
        "baseline": {"per_second": bare, "n": n, "concurrency": concurrency},
        "holdout_text": f"{holdout:.2f} submissions/s",
        "baseline_text": f"{bare:.2f} runs/s",
        "method": (
            f"{n} no-op submissions (after {warmup} warm-up) uploaded at once by {TEAMS} teams' clients "
            f"(a deadline-day burst; each client uploads its share back to back) to {WIRING_TEXT[wiring]} "
            f"(scheduler limit {concurrency} = CPU count), timed from the first upload to the last one "
            f"scored (the host's list polled every 50 ms); against {n} `run_sandbox` runs of the same "
            f"code already unpacked, {concurrency} at once. value = ratio (p99 repeats it: a throughput "
            "has no per-sample tail)."
        ),
        "machine": machine(),
    }


async def run(n: int = 60, warmup: int = 4) -> dict[str, Any]:
    return await measure("embedded", n, warmup)


async def run_prod(n: int = 60, warmup: int = 4) -> dict[str, Any]:
    return await measure("production", n, warmup)
