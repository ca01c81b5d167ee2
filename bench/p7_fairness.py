"""P7: how long team B's one submission waits behind team A's 500 queued runs,
counted in free slots: how many other runs started between B's submission and B's
start (0 = B took the very next free slot).

Team A uploads 500 submissions that each sleep a few seconds to `holdout up` (the scheduler's limit at the
CPU count); while A's queue is still hundreds deep, teams B1..Bk each upload one
submission, one after another. For each B the count is taken twice, from the
timestamps the platform reports: from the gateway's acceptance (created_at, which
includes the trip through the outbox and the bus) and from the orchestrator's
receipt (queued_at, the scheduler's own promise).
"""

from __future__ import annotations

import asyncio
import os
import time
import zipfile
from datetime import datetime
from typing import Any

from bench.common import machine
from bench.noop import NOOP_MAIN, NoopSetup, all_submissions, noop_platform

# A's runs take a few seconds, so A's queue is still deep when the B teams arrive
A_SECONDS = 3


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


async def wait_started(s: NoopSetup, client: Any, sid: str, timeout: float = 300) -> dict[str, Any]:
    t0 = time.perf_counter()
    while True:
        sub: dict[str, Any] = await client.submission(sid)
        if sub["started_at"] is not None:
            return sub
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(f"{sid} never started\n{s.platform.dump_logs()}")
        await asyncio.sleep(0.05)


async def run(queued: int = 500, samples: int = 5) -> dict[str, Any]:
    concurrency = os.cpu_count() or 1
    async with noop_platform("p7", concurrency, daily_quota=queued + 10) as s:
        a_archive = s.work / "slow.zip"
        with zipfile.ZipFile(a_archive, "w") as zf:
            zf.writestr("main.py", f"import time\ntime.sleep({A_SECONDS})\n" + NOOP_MAIN)
        a_user = await s.admin.create_participant("team-a", s.competition_id)
        async with s.admin.as_user(a_user["token"]) as a:
            a_ids = [(await a.submit(s.competition_id, a_archive))["id"] for _ in range(queued)]
        b_subs = []
        async with s.platform.internal_client("orchestrator") as internal:
            for i in range(samples):
                b_user = await s.admin.create_participant(f"team-b{i}", s.competition_id)
                async with s.admin.as_user(b_user["token"]) as b:
                    sid = (await b.submit(s.competition_id, s.archive))["id"]
                    sub = await wait_started(s, b, sid)
                execution = (await internal.get(f"/internal/v1/executions/{sid}")).json()
                b_subs.append((sub, execution))
        everything = await all_submissions(s.host, s.competition_id)
    a_set = set(a_ids)
    a_starts = [parse(x["started_at"]) for x in everything if x["id"] in a_set and x["started_at"]]
    still_queued = sum(1 for x in everything if x["id"] in a_set and x["status"] == "queued")
    from_gateway, from_orchestrator = [], []
    for sub, execution in b_subs:
        b_start = parse(sub["started_at"])
        accepted, received = parse(sub["created_at"]), parse(execution["queued_at"])
        from_gateway.append(sum(1 for t in a_starts if accepted < t < b_start))
        from_orchestrator.append(sum(1 for t in a_starts if received < t < b_start))
    worst = max(from_orchestrator)
    return {
        "measure": "team B's wait behind team A's queued runs, in free slots (runs started before B's)",
        "value": float(worst),
        "p99": float(max(from_gateway)),
        "goal": "<= 1",
        "met": worst <= 1,
        "holdout": {
            "slots_from_orchestrator_receipt": from_orchestrator,
            "slots_from_gateway_acceptance": from_gateway,
            "a_queued": queued,
            "a_still_queued_at_end": still_queued,
            "concurrency": concurrency,
        },
        "baseline": {"fifo_slots": queued},
        "holdout_text": (
            f"slots per B (from receipt) {from_orchestrator}, (from upload) {from_gateway}; "
            f"A still had {still_queued} queued at the end"
        ),
        "baseline_text": f"first-come-first-served: B waits behind all {queued} of A's runs",
        "method": (
            f"team A uploads {queued} submissions that sleep {A_SECONDS} s to `holdout up` (scheduler "
            f"limit {concurrency}); "
            f"then {samples} teams B each upload one, one after another, while A's queue is still deep. "
            "For each B: A's runs whose started_at falls between B's queued_at at the orchestrator (value: "
            "the worst B) or B's created_at at the gateway (p99 column: the worst B, including the trip "
            "through outbox and bus) and B's started_at."
        ),
        "machine": machine(),
    }
