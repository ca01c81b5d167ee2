"""P10: no-op submissions per second at saturation with two orchestrator replicas, against
one, both on the production wiring (``holdout serve`` processes, PostgreSQL, RabbitMQ).

Two platforms are started side by side, the same in all but the number of orchestrator
processes (1 or 2; one gateway, scorer and leaderboard each), each service behind the
round-robin proxy of tests/e2e/replicas.py; the run limit (``HOLDOUT_MAX_CONCURRENT_RUNS``)
is the same number on both, meant as the limit for all replicas together. Rounds
alternate between the two platforms so both see the same machine: N no-op submissions
uploaded back to back by 4 teams, timed from the first upload to the last one scored.
value = two-replica throughput / one-replica throughput (goal >= 1.0: replicas cost
nothing on one machine). The most runs seen ``running`` at once in each platform's
executions table is recorded too: a ratio bought by running more at once than the
limit (each replica filling it on its own) shows there.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import machine
from bench.noop import (
    AMQP_URL,
    TERMINAL,
    all_submissions,
    drop_production,
    pg_databases,
    traversable_tmp,
    write_inputs,
)
from holdout.client import HoldoutClient
from services.orchestrator.executors.local.runtimes import runtime_path
from shared.settings import default_data_dir
from tests.e2e.replicas import ReplicaPlatform, start_replicated

TEAMS = 4


@dataclass
class Side:
    name: str
    platform: ReplicaPlatform
    admin: HoldoutClient
    competition_id: str
    host: HoldoutClient
    namespace: str
    databases: list[str]
    rates: list[float] = field(default_factory=list)
    max_running: int = 0
    # submissions that ended other than scored (a platform fault: the replicas got in each other's way)
    not_scored: list[str] = field(default_factory=list)


@asynccontextmanager
async def side(name: str, work: Path, orchestrators: int, concurrency: int) -> AsyncIterator[Side]:
    platform_dir = work / name
    platform_dir.mkdir()
    platform_dir.chmod(0o755)
    runtime = runtime_path("default", default_data_dir() / "runtimes")
    made: list[str] = []
    namespace = f"holdout-bench-{uuid.uuid4().hex[:8]}"
    env = {
        "HOLDOUT_MAX_CONCURRENT_RUNS": str(concurrency),
        "HOLDOUT_QUEUE_SLOTS": str(concurrency),
        "HOLDOUT_SCHEDULER_POLL_SECONDS": "0.5",
    }
    p = await start_replicated(
        platform_dir,
        runtime.parent,
        pg_databases(made),
        AMQP_URL,
        namespace,
        replicas=1,
        counts={"orchestrator": orchestrators},
        env=env,
    )
    features, labels, _ = write_inputs(work)
    try:
        async with p.client() as admin:
            host_user = await admin.create_user("host", is_host=True)
            async with admin.as_user(host_user["token"]) as host:
                comp = await host.create_competition(
                    {
                        "slug": name,
                        "title": "No-op",
                        "metric": "accuracy",
                        "id_column": "id",
                        "target_columns": ["label"],
                        "limits": {"time_limit_s": 60, "memory_mb": 1024, "cpus": 1.0},
                        "daily_quota": 1000,
                    }
                )
                await host.upload_data(comp["id"], features, "features.csv")
                await host.upload_labels(comp["id"], labels)
                yield Side(name, p, admin, comp["id"], host, namespace, made)
    finally:
        p.stop_all()
        await drop_production(namespace, made)


async def _watch_running(s: Side, stop: asyncio.Event) -> None:
    conn = await asyncpg.connect(s.platform.database_urls["orchestrator"])
    try:
        while not stop.is_set():
            rows = await conn.fetchval("SELECT count(*) FROM executions WHERE status = 'running'")
            s.max_running = max(s.max_running, int(rows))
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def throughput(s: Side, archive: Path, n: int, tag: str) -> float:
    """No-op submissions scored per second: first upload to last score."""
    users = [await s.admin.create_participant(f"p10-{tag}-{i}", s.competition_id) for i in range(TEAMS)]
    clients = [s.admin.as_user(u["token"]) for u in users]
    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch_running(s, stop))
    t0 = time.perf_counter()
    ids = []
    for i in range(n):
        ids.append((await clients[i % TEAMS].submit(s.competition_id, archive))["id"])
    wanted = set(ids)
    try:
        while True:
            subs = [x for x in await all_submissions(s.host, s.competition_id) if x["id"] in wanted]
            done = [x for x in subs if x["status"] in TERMINAL]
            if len(done) == n:
                elapsed = time.perf_counter() - t0
                break
            if time.perf_counter() - t0 > 600:
                raise TimeoutError(f"{s.name}: {len(done)}/{n} done after 600 s\n{s.platform.dump_logs()}")
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await watcher
        for c in clients:
            await c.__aexit__(None, None, None)
    # a no-op submission that does not score is the platform's fault; it is recorded, not
    # hidden, and the goal is not met with any
    s.not_scored += [
        f"{x['status']}: {x.get('failure_reason')}: {x.get('detail')}"
        for x in done
        if x["status"] != "scored"
    ]
    return n / elapsed


async def run(n: int = 40, rounds: int = 3, warmup: int = 4) -> dict[str, Any]:
    concurrency = os.cpu_count() or 1
    work = traversable_tmp("holdout-bench-p10-")
    try:
        _, _, archive = write_inputs(work)
        async with side("p10-one", work, 1, concurrency) as one, side("p10-two", work, 2, concurrency) as two:
            for s in (one, two):
                await throughput(s, archive, warmup, "warmup")
                s.max_running = 0
                s.not_scored.clear()
            for r in range(rounds):
                # alternate which goes first, so neither always meets the other's leftovers
                for s in (one, two) if r % 2 == 0 else (two, one):
                    s.rates.append(await throughput(s, archive, n, f"r{r}"))
    finally:
        if not os.environ.get("HOLDOUT_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    single, double = statistics.median(one.rates), statistics.median(two.rates)
    ratio = double / single
    worst = min(two.rates) / max(one.rates)
    return {
        "measure": "no-op submissions/s at saturation, 2 orchestrator replicas / 1 (production wiring)",
        "value": ratio,
        "p99": worst,
        "goal": ">= 1.0",
        "met": ratio >= 1.0 and not one.not_scored and not two.not_scored,
        "holdout": {
            "per_second": double,
            "rounds": two.rates,
            "max_running": two.max_running,
            "orchestrators": 2,
            "not_scored": two.not_scored,
        },
        "baseline": {
            "per_second": single,
            "rounds": one.rates,
            "max_running": one.max_running,
            "orchestrators": 1,
            "not_scored": one.not_scored,
        },
        "holdout_text": f"2 orchestrators: {double:.2f} submissions/s (at most {two.max_running} running, "
        f"{len(two.not_scored)} not scored)",
        "baseline_text": f"1 orchestrator: {single:.2f} submissions/s (at most {one.max_running} running, "
        f"{len(one.not_scored)} not scored)",
        "method": (
            "two `holdout serve` platforms side by side on PostgreSQL and RabbitMQ (a database each "
            "per service, a namespace each), alike but for 1 or 2 orchestrator processes (one gateway, "
            "scorer, leaderboard), each service behind a round-robin TCP proxy (tests/e2e/replicas.py); "
            f"HOLDOUT_MAX_CONCURRENT_RUNS={concurrency} (CPU count) on both, meant for all replicas "
            f"together. {rounds} rounds alternating (after {warmup} warm-up each): {n} no-op submissions "
            f"uploaded back to back by {TEAMS} teams, timed from the first upload to the last one scored "
            "(the host's list polled every 50 ms). value = median two / median one; p99 column = slowest "
            "two-replica round / fastest one-replica round. max_running: the most executions rows "
            "`running` at once (sampled every 50 ms): a limit exceeded by each replica filling it shows. "
            "A submission not scored (a platform fault) is counted, and the goal is not met with any."
        ),
        "machine": machine(),
    }
