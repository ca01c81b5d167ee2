"""P5: the public board of a big competition under 64 concurrent readers, against a
trivial endpoint of the same server.

The leaderboard service runs under uvicorn in a subprocess (one worker, embedded
defaults: SQLite under a fresh data dir). Its database is seeded through the service's
own repository: 100,000 scored submissions of 10,000 teams, then the per-team rows the
consumers maintain on write. A loopback load generator (httpx, 64 concurrent clients,
a bounded number of requests each) then alternates phases: ``/healthz`` (trivial: no
database) and the first page of the public board (50 rows, no ``If-None-Match``).
A third phase reads the board with the ETag the clients already hold (304s), shown
for information.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import machine

TEAMS = 10_000
SUBMISSIONS = 100_000
CLIENTS = 64
REQUESTS_PER_CLIENT = 40
ROUNDS = 3
GOAL = 0.5


async def seed(data_dir: Path, competition_id: uuid.UUID) -> None:
    from sqlalchemy import insert

    from services.leaderboard import repository
    from services.leaderboard.app import MIGRATIONS_DIR
    from services.leaderboard.config import LeaderboardSettings
    from services.leaderboard.models import entries
    from shared.db import make_engine, make_sessionmaker
    from shared.migrations import upgrade

    settings = LeaderboardSettings(data_dir=data_dir)
    await upgrade(MIGRATIONS_DIR, settings.database_url)
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    rng = random.Random(5)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    teams = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(TEAMS)]
    rows = [
        {
            "submission_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "competition_id": str(competition_id),
            "stage_id": str(competition_id),  # the first stage's id is the competition's
            "team_id": str(teams[i % TEAMS]),
            "team_name": f"team {i % TEAMS}",
            "submitted_at": t0 + timedelta(seconds=i),
            "public_score": rng.random(),
            "private_score": rng.random(),
            "metric": "roc_auc",
            "higher_is_better": True,
            "scored_at": t0 + timedelta(seconds=i),
        }
        for i in range(SUBMISSIONS)
    ]
    async with sessionmaker() as session, session.begin():
        competition = await repository.ensure_competition(session, competition_id)
        await repository.update_competition(session, competition_id, metric="roc_auc", higher_is_better=True)
        for start in range(0, len(rows), 1000):
            await session.execute(insert(entries), rows[start : start + 1000])
        competition = await repository.ensure_competition(session, competition_id)
        await repository.recompute_teams(session, competition, competition_id)
        await repository.bump_version(session, competition_id)
    await engine.dispose()


# the service credential the leaderboard, served alone here, answers to
INTERNAL_TOKEN = secrets.token_urlsafe(32)
INTERNAL_HEADERS = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(
    base: str, path: str | Callable[[], str], headers: dict[str, str] | None = None
) -> tuple[float, list[float]]:
    """(requests per second, each request's seconds) for CLIENTS clients each making
    REQUESTS_PER_CLIENT requests of ``path`` (or of a path drawn for each request)."""
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    client = httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=INTERNAL_HEADERS)
    latencies: list[float] = []
    async with client:

        async def one_client() -> None:
            for _ in range(REQUESTS_PER_CLIENT):
                url = path if isinstance(path, str) else path()
                started = time.perf_counter()
                try:
                    response = await client.get(url, headers=headers)
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    # a keep-alive connection the server closed just as it was reused: once more
                    response = await client.get(url, headers=headers)
                latencies.append(time.perf_counter() - started)
                if response.status_code not in (200, 304):
                    raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")

        t0 = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - t0
    return len(latencies) / elapsed, latencies


@asynccontextmanager
async def serve(work: Path, env: dict[str, str]) -> AsyncIterator[str]:
    """The leaderboard under uvicorn in a subprocess (its log in ``work``); yields its base URL."""
    port = free_port()
    env = {**os.environ, "HOLDOUT_DATA_DIR": str(work), "HOLDOUT_INTERNAL_TOKEN": INTERNAL_TOKEN, **env}
    log_path = work / "server.log"
    proc = subprocess.Popen(  # noqa: ASYNC220 (started once, before any load)
        [sys.executable, "-m", "uvicorn", "services.leaderboard.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, headers=INTERNAL_HEADERS) as probe:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if (await probe.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the leaderboard service never became ready")
                await asyncio.sleep(0.1)
        yield base
    except Exception:
        print(log_path.read_text()[-5000:], file=sys.stderr)
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            # a loaded machine can keep a draining server past the wait: the figures are in
            proc.kill()
            proc.wait(30)


async def check_board(base: str, board_path: str, teams: int) -> str:
    """The board's ETag, after checking that the first page is what was seeded."""
    async with httpx.AsyncClient(base_url=base, headers=INTERNAL_HEADERS, timeout=60) as probe:
        board = (await probe.get(board_path)).json()
        etag = (await probe.get(board_path)).headers["etag"]
    if board["total"] != teams or len(board["entries"]) != 50:
        raise RuntimeError(f"unexpected board: total {board['total']}")
    return str(etag)


async def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="holdout-bench-p5-"))
    competition_id = uuid.uuid4()
    try:
        t_seed = time.perf_counter()
        await seed(work, competition_id)
        seed_seconds = time.perf_counter() - t_seed
        async with serve(work, {}) as base:
            board_path = f"/api/v1/competitions/{competition_id}/leaderboard?offset=0&limit=50"
            etag = await check_board(base, board_path, TEAMS)
            await load(base, "/healthz")  # warm-up
            await load(base, board_path)
            trivial: list[float] = []
            boards: list[float] = []
            conditional: list[float] = []
            for _ in range(ROUNDS):
                trivial.append((await load(base, "/healthz"))[0])
                boards.append((await load(base, board_path))[0])
                conditional.append((await load(base, board_path, {"If-None-Match": etag}))[0])
    finally:
        if not os.environ.get("HOLDOUT_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    t_rps, b_rps, c_rps = (sorted(x)[len(x) // 2] for x in (trivial, boards, conditional))
    ratio = b_rps / t_rps
    worst = min(b / t for b, t in zip(boards, trivial, strict=True))
    return {
        "measure": f"public board page, {TEAMS:,} teams / {SUBMISSIONS:,} submissions, {CLIENTS} clients: "
        "throughput / trivial endpoint",
        "value": ratio,
        "p99": worst,
        "goal": f">= {GOAL}",
        "met": ratio >= GOAL,
        "holdout": {"board_rps": boards, "conditional_rps": conditional, "seed_seconds": seed_seconds},
        "baseline": {"trivial_rps": trivial},
        "holdout_text": f"{b_rps:.0f} req/s (with If-None-Match: {c_rps:.0f} req/s, 304)",
        "baseline_text": f"{t_rps:.0f} req/s (/healthz)",
        "method": (
            f"leaderboard under uvicorn (1 worker, SQLite) seeded through its repository with "
            f"{SUBMISSIONS:,} scored submissions of {TEAMS:,} teams; {CLIENTS} httpx clients on loopback, "
            f"{REQUESTS_PER_CLIENT} requests each per phase, {ROUNDS} rounds alternating /healthz, the "
            "first page (50) of the public board, and the same page with If-None-Match. value = median "
            "board / median trivial throughput; p99 column = the worst round's ratio."
        ),
        "machine": machine(),
    }
