"""P1 and P1-prod: end-to-end latency of a no-op submission against a bare sandbox run of it.

End to end = from the moment the gateway accepted the upload (the POST returned 202)
to the moment the submission's row is on the public leaderboard: outbox, bus,
scheduling, unpacking, the sandbox run, uploading the predictions, scoring, the board.
Bare = the same code run by the same sandbox function on an already-unpacked copy.
Samples alternate between the two so both see the same machine. P1 runs it on
``holdout up`` (embedded defaults), P1-prod on the production wiring (four ``holdout
serve`` processes, PostgreSQL, RabbitMQ); both are held to the goal at p50 and p99.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from bench.common import machine, summary
from bench.noop import NoopSetup, Wiring, bare_run, noop_platform

GOAL = 2.0
WIRING_TEXT = {
    "embedded": "`holdout up` (embedded defaults)",
    "production": "four `holdout serve` processes on PostgreSQL and RabbitMQ (production wiring)",
}


async def new_team(s: NoopSetup, i: int) -> str:
    """A new participant (a team of one) who accepted the rules; their token."""
    user = await s.admin.create_participant(f"bench{i}", s.competition_id)
    return str(user["token"])


async def timed_submission(s: NoopSetup, token: str, poll_s: float = 0.005) -> float:
    """Upload the no-op submission as ``token``; seconds from the 202 to its row on the board."""
    async with s.admin.as_user(token) as c:
        sub = await c.submit(s.competition_id, s.archive)
        t0 = time.perf_counter()
        while True:
            board = await c.leaderboard(s.competition_id)
            if any(e["submission_id"] == sub["id"] for e in board["entries"]):
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > 120:
                raise TimeoutError(
                    f"submission {sub['id']} never reached the board\n{s.platform.dump_logs()}"
                )
            await asyncio.sleep(poll_s)


async def e2e_run(s: NoopSetup, i: int) -> float:
    return await timed_submission(s, await new_team(s, i))


async def measure(wiring: Wiring, samples: int, warmup: int) -> dict[str, Any]:
    e2e: list[float] = []
    bare: list[float] = []
    # the default scheduler poll: a submission must not wait for a poll to start
    async with noop_platform(f"p1-{wiring}", os.cpu_count() or 1, wiring=wiring, scheduler_poll_s=None) as s:
        scratch = s.work / "scratch"
        for i in range(warmup + samples):
            t_e2e = await e2e_run(s, i)
            t_bare = await bare_run(s.runtime, s.src, s.data, scratch)
            if i >= warmup:
                e2e.append(t_e2e)
                bare.append(t_bare)
    s_e2e, s_bare = summary(e2e), summary(bare)
    ratio_p50 = s_e2e["p50"] / s_bare["p50"]
    ratio_p99 = s_e2e["p99"] / s_bare["p99"]
    return {
        "measure": "no-op submission: accepted -> on the public board, / bare sandbox run"
        + (" (production wiring)" if wiring == "production" else ""),
        "value": ratio_p50,
        "p99": ratio_p99,
        "goal": f"<= {GOAL} (p50 and p99)",
        "met": ratio_p50 <= GOAL and ratio_p99 <= GOAL,
        "holdout": s_e2e,
        "baseline": s_bare,
        "holdout_text": f"p50 {s_e2e['p50'] * 1000:.0f} ms, p99 {s_e2e['p99'] * 1000:.0f} ms",
        "baseline_text": f"p50 {s_bare['p50'] * 1000:.0f} ms, p99 {s_bare['p99'] * 1000:.0f} ms",
        "method": (
            f"{samples} samples after {warmup} warm-up, alternating: a no-op main.py uploaded to "
            f"{WIRING_TEXT[wiring]} by a new team each time, timed from the 202 to its row on the public "
            "board (polled every 5 ms); against `run_sandbox` on the same code already unpacked. "
            "value = p50 ratio, p99 = p99 ratio; the goal holds for both."
        ),
        "machine": machine(),
    }


async def run(samples: int = 30, warmup: int = 3) -> dict[str, Any]:
    return await measure("embedded", samples, warmup)


async def run_prod(samples: int = 30, warmup: int = 3) -> dict[str, Any]:
    return await measure("production", samples, warmup)
