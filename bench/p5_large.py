"""P5-large: P5 at 100,000 teams and 1,000,000 scored submissions, on PostgreSQL.

The leaderboard service runs under uvicorn in a subprocess (one worker) on a fresh
PostgreSQL database made for the run and dropped after it. The database is migrated
by the service's own migrations, then seeded in bulk (``COPY``): the entries, and each
team's ``team_best`` row as the consumers maintain it on write, computed by the
service's own ranking rules (``ranking.team_row``). ``VACUUM ANALYZE`` then does at once
what autovacuum does to a table after such an insert. The plans of the board's queries
are recorded (``EXPLAIN ANALYZE``): the positions pass the service makes once per board
version, the first and the last page as it reads them (from an anchor), and the last
page by ``OFFSET`` and the count it made on every build before.

The load is P5's (``p5_board.load``: 64 loopback clients), alternating ``/healthz``
(trivial: no database) and the first page of the public board; the goal is on the
throughput and on the p99 latency of each. A third phase reads pages anywhere on the
board (a random one of its 2,000 pages per request, most of them built from the
database rather than served from the page cache), shown for information; before the
positions, those deep ``OFFSET`` pages held every pooled connection until requests
failed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import asyncpg

from bench import p5_board
from bench.common import machine, percentile

TEAMS = 100_000
SUBMISSIONS = 1_000_000
ROUNDS = 3
GOAL = 0.9
GOAL_P99 = 2.0
PG_ADMIN_DSN = os.environ.get("HOLDOUT_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
TEAMS_PER_BATCH = 10_000


class Entry(NamedTuple):
    """A row of ``entries``, its fields in the table's order (what ``team_row`` reads)."""

    submission_id: str
    competition_id: str
    stage_id: str
    team_id: str
    team_name: str
    submitted_at: datetime
    public_score: float
    private_score: float
    metric: str
    higher_is_better: bool
    scored_at: datetime
    public_extra: str
    private_extra: str
    scores: str
    private_scores: str


TEAM_BEST = (
    "competition_id", "stage_id", "team_id", "team_name", "submissions", "public_submission_id",
    "public_score", "public_sort", "public_submitted_at", "public_extra", "public_scores",
    "private_submission_id", "private_score", "private_sort", "private_submitted_at",
    "private_extra", "private_scores",
)  # fmt: skip


def batches(
    competition_id: uuid.UUID, columns: Any, final_count: int
) -> Iterator[tuple[list[Entry], list[Any]]]:
    """(entries, team_best rows) for TEAMS_PER_BATCH teams at a time."""
    from services.leaderboard import ranking

    rng = random.Random(5)
    cid = str(competition_id)
    per_team = SUBMISSIONS // TEAMS
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    for first in range(0, TEAMS, TEAMS_PER_BATCH):
        entries: list[Entry] = []
        best: list[Any] = []
        for team in range(first, min(TEAMS, first + TEAMS_PER_BATCH)):
            team_id = str(uuid.UUID(int=rng.getrandbits(128)))
            rows = []
            for k in range(per_team):
                public, private = rng.random(), rng.random()
                at = t0 + timedelta(seconds=k * TEAMS + team)
                rows.append(
                    Entry(
                        str(uuid.UUID(int=rng.getrandbits(128))),
                        cid,
                        cid,
                        team_id,
                        f"team {team}",
                        at,
                        public,
                        private,
                        "roc_auc",
                        True,
                        at,
                        "{}",
                        "{}",
                        json.dumps({"roc_auc": public}),
                        json.dumps({"roc_auc": private}),
                    )
                )
            values = ranking.team_row(rows, None, columns, final_count)
            assert values is not None
            best.append(
                tuple(
                    {"competition_id": cid, "stage_id": cid, "team_id": team_id, **values}[c]
                    for c in TEAM_BEST
                )
            )
            entries.extend(rows)
        yield entries, best


async def seed(url: str, competition_id: uuid.UUID) -> None:
    from services.leaderboard import repository
    from services.leaderboard.app import MIGRATIONS_DIR
    from shared.db import make_engine, make_sessionmaker
    from shared.migrations import upgrade

    await upgrade(MIGRATIONS_DIR, url)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session, session.begin():
        await repository.ensure_competition(session, competition_id)
        await repository.update_competition(session, competition_id, metric="roc_auc", higher_is_better=True)
        await repository.bump_version(session, competition_id)
        competition = await repository.get_competition(session, competition_id)
    await engine.dispose()
    assert competition is not None
    conn = await asyncpg.connect(url)
    try:
        for entries, best in batches(
            competition_id, competition.columns(competition_id), competition.final_count
        ):
            await conn.copy_records_to_table("entries", records=entries, columns=list(Entry._fields))
            await conn.copy_records_to_table("team_best", records=best, columns=list(TEAM_BEST))
        await conn.execute("VACUUM ANALYZE entries")
        await conn.execute("VACUUM ANALYZE team_best")
    finally:
        await conn.close()


_WHERE = "competition_id = $1 AND stage_id = $1 AND public_sort IS NOT NULL"
PAGE_SQL = (
    "SELECT team_id, team_name, submissions, public_submission_id, public_score, public_submitted_at, "
    f"public_extra, public_scores FROM team_best WHERE {_WHERE} AND public_sort >= $2 "
    "ORDER BY public_sort LIMIT 50 OFFSET $3"
)
OFFSET_PAGE_SQL = (
    "SELECT team_id, team_name, submissions, public_submission_id, public_score, public_submitted_at, "
    f"public_extra, public_scores FROM team_best WHERE {_WHERE} ORDER BY public_sort LIMIT 50 OFFSET $2"
)
COUNT_SQL = f"SELECT count(*) FROM team_best WHERE {_WHERE}"


async def plans(url: str, competition_id: uuid.UUID) -> dict[str, Any]:
    """The board's queries under EXPLAIN ANALYZE (the plan's nodes and ms, best of 3): the
    positions pass (once per board version, ``positions.py``), the first and the last page
    as the repository reads them (from an anchor), and for comparison the queries it no
    longer runs: the last page by ``OFFSET`` and the count."""
    from sqlalchemy.dialects.postgresql.base import PGDialect

    from services.leaderboard import board_reads
    from services.leaderboard.positions import STRIDE

    query = board_reads.positions_query(competition_id, competition_id, "public", STRIDE)
    dialect = PGDialect()  # type: ignore[no-untyped-call]
    compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    positions_sql = str(compiled).replace("%%", "%")  # the dialect's paramstyle escapes it
    cid = str(competition_id)
    last = TEAMS - 50
    found: dict[str, Any] = {}
    conn = await asyncpg.connect(url)
    try:
        anchor = await conn.fetchval(
            f"SELECT public_sort FROM team_best WHERE {_WHERE} ORDER BY public_sort OFFSET $2 LIMIT 1",
            cid,
            last // STRIDE * STRIDE,
        )
        top = await conn.fetchval(
            f"SELECT public_sort FROM team_best WHERE {_WHERE} ORDER BY public_sort LIMIT 1", cid
        )
        for name, sql, args in (
            ("positions", positions_sql, ()),
            ("first_page", PAGE_SQL, (cid, top, 0)),
            ("last_page", PAGE_SQL, (cid, anchor, last % STRIDE)),
            ("offset_last_page_before", OFFSET_PAGE_SQL, (cid, last)),
            ("count_before", COUNT_SQL, (cid,)),
        ):
            best: dict[str, Any] | None = None
            for _ in range(3):
                raw = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
                plan = json.loads(raw)[0]
                if best is None or plan["Execution Time"] < best["Execution Time"]:
                    best = plan
            assert best is not None
            nodes, node = [], best["Plan"]
            while node:
                nodes.append(
                    node["Node Type"] + (f" on {node['Index Name']}" if "Index Name" in node else "")
                )
                node = (node.get("Plans") or [None])[0]
            found[name] = {"nodes": nodes, "ms": best["Execution Time"]}
    finally:
        await conn.close()
    return found


async def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="holdout-bench-p5-large-"))
    name = f"holdout_bench_p5_{uuid.uuid4().hex[:10]}"
    url = f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    competition_id = uuid.uuid4()
    load_before = os.getloadavg()
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        t_seed = time.perf_counter()
        await seed(url, competition_id)
        seed_seconds = time.perf_counter() - t_seed
        explained = await plans(url, competition_id)
        rng = random.Random(6)
        board = f"/api/v1/competitions/{competition_id}/leaderboard"
        first_page = f"{board}?offset=0&limit=50"

        def any_page() -> str:
            return f"{board}?offset={rng.randrange(TEAMS // 50) * 50}&limit=50"

        async with p5_board.serve(work, {"HOLDOUT_LEADERBOARD_DATABASE_URL": url}) as base:
            await p5_board.check_board(base, first_page, TEAMS)
            await p5_board.load(base, "/healthz")  # warm-up
            await p5_board.load(base, first_page)
            trivial: list[tuple[float, list[float]]] = []
            boards: list[tuple[float, list[float]]] = []
            anywhere: list[tuple[float, list[float]]] = []
            any_page_error = None
            for _ in range(ROUNDS):
                trivial.append(await p5_board.load(base, "/healthz"))
                boards.append(await p5_board.load(base, first_page))
                if any_page_error is None:
                    try:
                        anywhere.append(await p5_board.load(base, any_page))
                    except RuntimeError as exc:
                        # information only (an overloaded service answers 503): say so, go on
                        any_page_error = str(exc)[:300]
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if not os.environ.get("HOLDOUT_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)

    load_after = os.getloadavg()

    def rps(phase: list[tuple[float, list[float]]]) -> float:
        return statistics.median(r for r, _ in phase)

    def p99(phase: list[tuple[float, list[float]]]) -> float:
        return percentile([s for _, seconds in phase for s in seconds], 99)

    def shown(phase: list[tuple[float, list[float]]]) -> str:
        return f"{rps(phase):.0f} req/s, p99 {p99(phase) * 1000:.0f} ms" if phase else "failed"

    ratio = rps(boards) / rps(trivial)
    latency_ratio = p99(boards) / p99(trivial)
    return {
        "measure": f"public board page, {TEAMS:,} teams / {SUBMISSIONS:,} submissions on PostgreSQL, "
        f"{p5_board.CLIENTS} clients: throughput / trivial endpoint",
        "value": ratio,
        "p99": latency_ratio,
        "goal": f">= {GOAL}, and p99 latency <= {GOAL_P99}x the trivial endpoint's (p99 column: that ratio)",
        "met": ratio >= GOAL and latency_ratio <= GOAL_P99,
        "holdout": {
            "board_rps": [r for r, _ in boards],
            "board_p99_ms": p99(boards) * 1000,
            "any_page_rps": [r for r, _ in anywhere],
            "any_page_p99_ms": p99(anywhere) * 1000 if anywhere else None,
            "any_page_error": any_page_error,
            "seed_seconds": seed_seconds,
            "plans": explained,
            # the machine is shared: its 1-, 5- and 15-minute load averages before and after the run
            "load_average": {"before": list(load_before), "after": list(load_after)},
        },
        "baseline": {"trivial_rps": [r for r, _ in trivial], "trivial_p99_ms": p99(trivial) * 1000},
        "holdout_text": f"{shown(boards)} (any page: {shown(anywhere)}); load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (shared machine)",
        "baseline_text": f"{rps(trivial):.0f} req/s, p99 {p99(trivial) * 1000:.0f} ms (/healthz)",
        "method": (
            f"leaderboard under uvicorn (1 worker) on a fresh PostgreSQL database, migrated, seeded by COPY "
            f"with {SUBMISSIONS:,} entries of {TEAMS:,} teams and their team_best rows "
            f"(ranking.team_row), then VACUUM ANALYZE; {p5_board.CLIENTS} httpx clients on loopback, "
            f"{p5_board.REQUESTS_PER_CLIENT} requests each per phase, {ROUNDS} rounds alternating /healthz, "
            "the first page (50) of the public board, and a random page of the board per request (for "
            "information). value = median board / median trivial throughput; p99 column = board / trivial "
            "p99 latency over all rounds. holdout.plans: EXPLAIN ANALYZE (best of 3, ms) of the positions "
            "pass (once per board version), the first and last page from their anchors, and the last page "
            "by OFFSET and the count as built before (for comparison)."
        ),
        "machine": machine(),
    }
