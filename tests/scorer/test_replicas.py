"""Several scorer replicas on one PostgreSQL database: a rescoring is split between them
with no submission judged twice (at once or at all), a replica that dies mid-rescore
leaves its item to another once its claim expires, and a claim is a compare-and-set
lease that a stale holder cannot record under."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from services.scorer import repository
from services.scorer.app import create_app
from services.scorer.claims import ClaimLost, Claims
from services.scorer.config import ScorerSettings
from services.scorer.models import outbox, rescore_items, scores, scoring_claims
from services.scorer.outcomes import Failure, Submission
from services.scorer.scoring import Scores
from shared.bus.memory import InProcessBus
from shared.db import transaction
from shared.events import CompetitionRescoreRequested, ExecutionFinished, ScoringSpec, parse_event
from shared.storage import LocalStorage, StorageError
from tests.conftest import INTERNAL_TOKEN
from tests.support import patient

pytestmark = pytest.mark.timeout(90)

CID = uuid.UUID(int=4242)
IDS = [f"r{i}" for i in range(8)]
LABELS_V1 = b"id,y,Usage\n" + b"".join(
    b"%s,%d,%s\n" % (i.encode(), k % 2, b"Public" if k < 4 else b"Private") for k, i in enumerate(IDS)
)
LABELS_V2 = LABELS_V1.replace(b"r0,0,", b"r0,1,")
TTL_S = 2.0


def spec(version: str) -> ScoringSpec:
    return ScoringSpec(
        metric="accuracy", id_column="id", target_columns=["y"], labels_key=f"{CID}/{version}.csv"
    )


class StallingStorage(LocalStorage):
    """Stalls for ever on the ``stall_at``-th predictions read once armed (a replica stuck,
    then killed)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.stall_at: int | None = None
        self.reads = 0
        self.stalled_on: str | None = None
        self.stalled = asyncio.Event()

    async def get_bytes(self, container: str, key: str, *, max_bytes: int | None = None) -> bytes:
        if container == "outputs" and self.stall_at is not None:
            self.reads += 1
            if self.reads == self.stall_at:
                self.stalled_on = key.split("/")[0]
                self.stalled.set()
                await asyncio.Event().wait()
        return await super().get_bytes(container, key, max_bytes=max_bytes)


@dataclass
class Replica:
    name: str
    app: FastAPI
    bus: InProcessBus
    storage: LocalStorage
    # (submission id, monotonic start, monotonic end) of every rescoring evaluation
    rescored: list[tuple[str, float, float]] = field(default_factory=list)


@dataclass
class Watch:
    """What every replica is evaluating right now: two at once on one submission fail the test."""

    in_flight: set[str] = field(default_factory=set)
    started: list[str] = field(default_factory=list)
    overlaps: list[str] = field(default_factory=list)


@contextlib.asynccontextmanager
async def replica(
    name: str,
    url: str | None,
    data_dir: Path,
    storage: LocalStorage,
    watch: Watch,
    slow_s: float = 0.0,
    **overrides: Any,
) -> AsyncIterator[Replica]:
    bus = InProcessBus()
    settings = ScorerSettings(
        data_dir=data_dir / name,
        scorer_database_url=url,
        internal_token=INTERNAL_TOKEN,
        rescore_poll_seconds=60,
        scoring_claim_ttl_s=TTL_S,
        **overrides,
    )
    app = create_app(settings, bus=bus, storage=storage)
    try:
        async with app.router.lifespan_context(app):
            r = Replica(name, app, bus, storage)
            judge = app.state.judge
            evaluate = judge.evaluate

            async def watched(
                submission: Submission, scoring: ScoringSpec, run_prefix: str
            ) -> Scores | Failure:
                sid = str(submission.submission_id)
                if sid in watch.in_flight:
                    watch.overlaps.append(sid)
                watch.in_flight.add(sid)
                watch.started.append(sid)
                started = time.monotonic()
                try:
                    await asyncio.sleep(slow_s)  # long enough for the other replica to try the same one
                    return await evaluate(submission, scoring, run_prefix)  # type: ignore[no-any-return]
                finally:
                    watch.in_flight.discard(sid)
                    if "-r" in run_prefix:
                        r.rescored.append((sid, started, time.monotonic()))

            judge.evaluate = watched
            yield r
    finally:
        await bus.close()


# a whole replica's work (judging, rescoring, claims expiring) takes longer than one event
poll = patient(30.0)


async def seed(r: Replica, count: int) -> list[uuid.UUID]:
    """``count`` submissions scored with the v1 labels, through replica ``r``'s consumer."""
    await r.storage.put_bytes("labels", spec("v1").labels_key, LABELS_V1)
    await r.storage.put_bytes("labels", spec("v2").labels_key, LABELS_V2)
    sids = sorted(uuid.uuid4() for _ in range(count))
    for n, sid in enumerate(sids):
        body = "id,y\n" + "".join(f"{i},{(k + n) % 2}\n" for k, i in enumerate(IDS))
        await r.storage.put_bytes("outputs", f"{sid}/1/predictions.csv", body.encode())
        await r.bus.publish(
            ExecutionFinished(
                submission_id=sid,
                competition_id=CID,
                team_id=uuid.UUID(int=n + 1),
                team_name=f"team-{n}",
                submitted_at=datetime(2025, 5, 1, tzinfo=UTC),
                attempt=1,
                predictions_key=f"{sid}/1/predictions.csv",
                scoring=spec("v1"),
            )
        )

    async def scored() -> bool:
        return sum((await announced(r)).values()) >= count

    await poll(scored, what="the first scores")
    return sids


async def announced(r: Replica) -> dict[str, int]:
    """submission id -> outcome events staged for it, by every replica (one database)."""
    async with r.app.state.runtime.sessionmaker() as session:
        bodies = (await session.execute(select(outbox.c.body))).scalars().all()
    counts: dict[str, int] = {}
    for body in bodies:
        sid = str(parse_event(body).submission_id)  # type: ignore[union-attr]
        counts[sid] = counts.get(sid, 0) + 1
    return counts


async def progress(r: Replica, rescore_id: uuid.UUID) -> dict[str, Any]:
    async with r.app.state.runtime.sessionmaker() as session:
        rescore = await repository.get_rescore(session, rescore_id)
    return {} if rescore is None else rescore.__dict__


async def test_two_replicas_split_one_rescore_and_judge_no_submission_twice(
    pg_database: Any, data_dir: Path
) -> None:
    url = await pg_database("scorer")
    watch = Watch()
    storage = LocalStorage(data_dir / "storage")
    count = 24
    async with (
        replica("a", url, data_dir, storage, watch, slow_s=0.03) as a,
        replica("b", url, data_dir, storage, watch, slow_s=0.03) as b,
    ):
        sids = await seed(a, count)
        request = CompetitionRescoreRequested(competition_id=CID, rescore_id=uuid.uuid4(), scoring=spec("v2"))
        # both replicas hear of it (one queue on a real bus; the inbox records it once)
        await a.bus.publish(request)
        await b.bus.publish(request)

        async def done() -> bool:
            return (await progress(a, request.rescore_id)).get("status") == "done"

        await poll(done, what="the rescoring")
        result = await progress(b, request.rescore_id)
        assert (result["rescored"], result["failed"], result["skipped"]) == (count, 0, 0)
        # each submission: its first score and exactly one rescore, by one replica or the other
        assert await announced(a) == {str(sid): 2 for sid in sids}
        by_a, by_b = [s for s, *_ in a.rescored], [s for s, *_ in b.rescored]
        assert sorted(by_a + by_b) == sorted(str(sid) for sid in sids)
        assert by_a and by_b, f"one replica did the whole rescoring: a {len(by_a)}, b {len(by_b)}"
        assert watch.overlaps == []
        async with a.app.state.runtime.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(scoring_claims)) == 0


async def test_a_replica_that_dies_mid_rescore_leaves_its_item_to_the_other(
    pg_database: Any, data_dir: Path
) -> None:
    url = await pg_database("scorer")
    watch = Watch()
    stalling = StallingStorage(data_dir / "storage")
    count = 6
    async with (
        replica("a", url, data_dir, stalling, watch) as a,
        replica("b", url, data_dir, LocalStorage(data_dir / "storage"), watch, slow_s=0.01) as b,
    ):
        sids = await seed(a, count)
        stalling.stall_at = 1  # a's first rescore read never returns
        request = CompetitionRescoreRequested(competition_id=CID, rescore_id=uuid.uuid4(), scoring=spec("v2"))
        await a.bus.publish(request)
        await asyncio.wait_for(stalling.stalled.wait(), 20)
        stuck = stalling.stalled_on
        await b.bus.publish(request)

        # b rescores everything else, and leaves the stuck one: a is alive and renews its claim
        async def the_rest_done() -> bool:
            return (await progress(b, request.rescore_id)).get("rescored") == count - 1

        await poll(the_rest_done, what="the other submissions")
        sessionmaker = a.app.state.runtime.sessionmaker

        async def claim_row() -> Any:
            async with sessionmaker() as session:
                return (
                    await session.execute(
                        select(scoring_claims).where(scoring_claims.c.submission_id == stuck)
                    )
                ).first()

        first = await claim_row()

        async def renewed_past_ttl() -> bool:
            row = await claim_row()
            return bool(row is not None and (row.expires_at - first.expires_at).total_seconds() >= TTL_S)

        await poll(renewed_past_ttl, what="a's heartbeat to renew its claim past one lifetime")
        assert (await claim_row()).token == first.token
        assert stuck not in [s for s, *_ in b.rescored]

        # a dies mid-judgement: its worker is cancelled, its claim is left to expire
        await a.app.state.rescore_worker.stop()
        died = time.monotonic()

        async def done() -> bool:
            return (await progress(b, request.rescore_id)).get("status") == "done"

        await poll(done, what="the rescoring, finished by b")
        result = await progress(b, request.rescore_id)
        assert (result["rescored"], result["failed"], result["skipped"]) == (count, 0, 0)
        [(_, taken_over, _)] = [t for t in b.rescored if t[0] == stuck]
        # not before the claim ran out (renewed at most a third of a lifetime before the death)
        assert taken_over - died >= TTL_S * 2 / 3 - 0.1
        assert await announced(b) == {str(sid): 2 for sid in sids}
        assert watch.overlaps == []
        async with sessionmaker() as session:
            pending = await session.scalar(
                select(func.count()).select_from(rescore_items).where(rescore_items.c.status == "pending")
            )
        assert pending == 0


async def test_a_claim_is_a_lease_that_a_stale_holder_cannot_record_under(
    database_url: str, data_dir: Path
) -> None:
    async with replica("a", database_url, data_dir, LocalStorage(data_dir / "storage"), Watch()) as a:
        sessionmaker = a.app.state.runtime.sessionmaker
        mine, theirs = Claims(sessionmaker, ttl_s=0.3), Claims(sessionmaker, ttl_s=0.3)
        sid = uuid.uuid4()
        claim = await mine.take(sid)
        assert claim is not None
        assert await theirs.take(sid) is None  # live: not taken over
        # nobody renews the lease: it runs out, and then it can be taken over
        taken = await poll(lambda: theirs.take(sid), 5, what="the unrenewed lease taken over")
        with pytest.raises(ClaimLost):
            async with transaction(sessionmaker) as session:
                await claim.release(session)
        async with transaction(sessionmaker) as session:
            await taken.release(session)
        assert await mine.take(sid) is not None


async def test_a_finished_run_waits_while_its_submission_is_judged_elsewhere(
    pg_database: Any, data_dir: Path
) -> None:
    url = await pg_database("scorer")
    watch = Watch()
    async with replica("a", url, data_dir, LocalStorage(data_dir / "storage"), watch) as a:
        [sid] = await seed(a, 1)
        elsewhere = Claims(a.app.state.runtime.sessionmaker, ttl_s=60)
        held = await elsewhere.take(sid)
        assert held is not None
        judge = a.app.state.judge
        tries = 0
        take = judge.claims.take

        async def counted(submission_id: uuid.UUID) -> Any:
            nonlocal tries
            tries += 1
            return await take(submission_id)

        judge.claims.take = counted
        attempt2 = ExecutionFinished(
            submission_id=sid,
            competition_id=CID,
            team_id=uuid.UUID(int=1),
            team_name="team-0",
            submitted_at=datetime(2025, 5, 1, tzinfo=UTC),
            attempt=2,
            predictions_key=f"{sid}/1/predictions.csv",
            scoring=spec("v2"),
        )
        # a newer attempt of a scored submission is stale: make the row a failure first
        async with transaction(a.app.state.runtime.sessionmaker) as session:
            await session.execute(scores.update().values(status="failed"))
        judging = asyncio.create_task(judge.judge_run(attempt2))

        async def asked_twice() -> bool:
            return tries >= 2

        await poll(asked_twice, what="the consumer to find the claim held and ask again")
        assert not judging.done()
        assert watch.started == [str(sid)]  # its first scoring only: nothing read while held elsewhere
        async with transaction(a.app.state.runtime.sessionmaker) as session:
            await held.release(session)
        outcome = await asyncio.wait_for(judging, 30)
        assert isinstance(outcome, Scores)
        assert (await announced(a))[str(sid)] == 2


def finished(sid: uuid.UUID, attempt: int, scoring: ScoringSpec, team: int = 1) -> ExecutionFinished:
    return ExecutionFinished(
        submission_id=sid,
        competition_id=CID,
        team_id=uuid.UUID(int=team),
        team_name=f"team-{team - 1}",
        submitted_at=datetime(2025, 5, 1, tzinfo=UTC),
        attempt=attempt,
        predictions_key=f"{sid}/1/predictions.csv",
        scoring=scoring,
    )


async def make_failed(r: Replica) -> None:
    """A newer attempt of a scored submission is stale: make every row a failure first."""
    async with transaction(r.app.state.runtime.sessionmaker) as session:
        await session.execute(scores.update().values(status="failed"))


# --- a claim released in a transaction that rolls back ------------------------------------


async def test_a_claim_released_in_a_transaction_that_rolls_back_is_free_at_once(
    pg_database: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await pg_database("scorer")
    async with replica("a", url, data_dir, LocalStorage(data_dir / "storage"), Watch()) as a:
        [sid] = await seed(a, 1)
        await make_failed(a)

        async def failing(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("the scores table refused the write")

        # the recording transaction (which deleted the claim) rolls back
        monkeypatch.setattr("services.scorer.judging.record_outcome", failing)
        with pytest.raises(RuntimeError, match="refused"):
            await a.app.state.judge.judge_run(finished(sid, 2, spec("v1")))
        # free now, not once the lease (TTL_S) has run out
        assert await Claims(a.app.state.runtime.sessionmaker, ttl_s=60).take(sid) is not None


# --- renewal and the clock -----------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_failed_renewal_is_tried_again_at_the_next_round(
    backend: str, pg_database: Any, data_dir: Path
) -> None:
    url = await pg_database("scorer") if backend == "postgresql" else None
    async with replica("a", url, data_dir, LocalStorage(data_dir / "storage"), Watch()) as a:
        sessionmaker = a.app.state.runtime.sessionmaker
        claims = Claims(sessionmaker, ttl_s=60)
        sid = uuid.uuid4()
        claim = await claims.take(sid)
        assert claim is not None
        claim.renewed_at -= 30  # due for renewal

        async def expires_at() -> datetime:
            async with sessionmaker() as session:
                value = await session.scalar(
                    select(scoring_claims.c.expires_at).where(scoring_claims.c.submission_id == str(sid))
                )
            assert value is not None
            return value

        before = await expires_at()

        def unreachable() -> Any:
            raise ConnectionError("the database is unreachable")

        claims.sessionmaker = unreachable  # type: ignore[assignment]
        with pytest.raises(ConnectionError):
            await claims._renew(claim)
        claims.sessionmaker = sessionmaker
        await asyncio.sleep(0.01)
        await claims._renew(claim)  # the next round: renews, the failed one did not count
        assert await expires_at() > before


async def test_leases_are_measured_by_the_database_clock_not_the_hosts(
    pg_database: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await pg_database("scorer")
    async with replica("a", url, data_dir, LocalStorage(data_dir / "storage"), Watch()) as a:
        sessionmaker = a.app.state.runtime.sessionmaker
        here, there = Claims(sessionmaker, ttl_s=60), Claims(sessionmaker, ttl_s=60)
        live, late = uuid.uuid4(), uuid.uuid4()
        assert await here.take(live) is not None
        hour = timedelta(hours=1)
        # a host whose clock runs an hour ahead must not think the live claim expired
        monkeypatch.setattr("services.scorer.claims.utcnow", lambda: datetime.now(UTC) + hour)
        assert await there.take(live) is None
        # a host whose clock runs an hour behind must not give out a lease that has expired
        monkeypatch.setattr("services.scorer.claims.utcnow", lambda: datetime.now(UTC) - hour)
        assert await there.take(late) is not None
        monkeypatch.undo()
        assert await here.take(late) is None


# --- rescorings of one stage: which one wins ---------------------------------------------


async def add_rescores(r: Replica, *specs: ScoringSpec) -> list[uuid.UUID]:
    """Rescorings of the stage requested one second apart, with the worker loop stopped
    (the test drives ``step`` and ``process`` itself)."""
    await r.app.state.rescore_worker.stop()
    ids = [uuid.uuid4() for _ in specs]
    at = datetime.now(UTC)
    async with transaction(r.app.state.runtime.sessionmaker) as session:
        for n, (rid, s) in enumerate(zip(ids, specs, strict=True)):
            await repository.add_rescore(session, rid, CID, CID, s, at + timedelta(seconds=n))
    return ids


async def get_rescore(r: Replica, rescore_id: uuid.UUID) -> repository.Rescore:
    async with r.app.state.runtime.sessionmaker() as session:
        rescore = await repository.get_rescore(session, rescore_id)
    assert rescore is not None
    return rescore


async def test_a_later_rescoring_whose_labels_are_unusable_does_not_hold_back_an_earlier_one(
    pg_database: Any, data_dir: Path
) -> None:
    url = await pg_database("scorer")
    async with replica("a", url, data_dir, LocalStorage(data_dir / "storage"), Watch()) as a:
        sids = await seed(a, 3)
        r1, r2 = await add_rescores(a, spec("v2"), spec("missing"))
        await a.app.state.rescore_worker.step()  # R1 first (the older), then R2
        first, second = await get_rescore(a, r1), await get_rescore(a, r2)
        assert (second.status, first.status) == ("failed", "done")
        assert (first.rescored, first.skipped, first.failed) == (3, 0, 0)
        assert first.superseded == 0
        async with a.app.state.runtime.sessionmaker() as session:
            records = [await repository.get(session, sid) for sid in sids]
        # the board is R1's throughout, not R1's for some and the first scoring's for others
        assert [rec.rescore_id for rec in records if rec] == [r1] * 3


async def test_a_run_finishing_after_a_failed_rescoring_is_scored_with_the_one_before(
    pg_database: Any, data_dir: Path
) -> None:
    url = await pg_database("scorer")
    async with replica("a", url, data_dir, LocalStorage(data_dir / "storage"), Watch()) as a:
        [sid] = await seed(a, 1)
        r1, r2 = await add_rescores(a, spec("v2"), spec("missing"))
        await a.app.state.rescore_worker.step()
        assert ((await get_rescore(a, r1)).status, (await get_rescore(a, r2)).status) == ("done", "failed")
        await make_failed(a)
        outcome = await a.app.state.judge.judge_run(finished(sid, 2, spec("v1")))
        # R1's labels (v2: r0 flipped, one of the four public rows), not R2's (missing)
        assert isinstance(outcome, Scores), outcome
        assert outcome.public_score == 0.75


async def test_items_left_to_a_later_rescoring_count_as_superseded_not_skipped(
    pg_database: Any, data_dir: Path
) -> None:
    url = await pg_database("scorer")
    async with replica("a", url, data_dir, LocalStorage(data_dir / "storage"), Watch()) as a:
        sids = await seed(a, 3)
        await a.storage.delete("outputs", f"{sids[0]}/1/predictions.csv")  # nothing to rescore it with
        r1, r2 = await add_rescores(a, spec("v1"), spec("v2"))
        worker = a.app.state.rescore_worker
        await worker.process(await get_rescore(a, r2))  # the later one first: its labels check out
        await worker.process(await get_rescore(a, r1))
        first, second = await get_rescore(a, r1), await get_rescore(a, r2)
        assert (second.rescored, second.skipped, second.superseded) == (2, 1, 0)
        assert (first.rescored, first.skipped, first.superseded) == (0, 0, 3)
        assert first.status == second.status == "done"


# --- an item whose predictions cannot be read --------------------------------------------


class BrokenBlobStorage(LocalStorage):
    """Every read of one predictions blob fails (a corrupt or unreachable blob)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.broken: str | None = None

    async def get_bytes(self, container: str, key: str, *, max_bytes: int | None = None) -> bytes:
        if container == "outputs" and key == self.broken:
            raise StorageError(f"reading {key!r}: the blob service answered 500")
        return await super().get_bytes(container, key, max_bytes=max_bytes)


async def test_an_item_that_cannot_be_read_fails_after_its_tries_and_the_rescoring_ends(
    pg_database: Any, data_dir: Path
) -> None:
    url = await pg_database("scorer")
    storage = BrokenBlobStorage(data_dir / "storage")
    async with replica("a", url, data_dir, storage, Watch(), rescore_item_tries=3) as a:
        sids = await seed(a, 3)
        bad = sids[0]  # first by submission id: every round would take it first
        storage.broken = f"{bad}/1/predictions.csv"
        request = CompetitionRescoreRequested(competition_id=CID, rescore_id=uuid.uuid4(), scoring=spec("v2"))
        await a.bus.publish(request)

        async def ended() -> bool:
            return (await progress(a, request.rescore_id)).get("status") == "done"

        await poll(ended, what="the rescoring to end despite the unreadable blob")
        result = await progress(a, request.rescore_id)
        assert (result["rescored"], result["failed"], result["skipped"]) == (2, 1, 0)
        async with a.app.state.runtime.sessionmaker() as session:
            item = (
                await session.execute(
                    select(rescore_items).where(
                        rescore_items.c.rescore_id == str(request.rescore_id),
                        rescore_items.c.submission_id == str(bad),
                    )
                )
            ).one()
            record = await repository.get(session, bad)
        assert (item.status, item.tries) == ("failed", 3)
        assert "gave up after 3 tries" in item.detail and "500" in item.detail
        assert record is not None and (record.status, record.reason) == ("failed", "internal_error")
        assert "platform" in record.detail


# --- shutdown ------------------------------------------------------------------------------


async def test_a_replica_shutting_down_frees_its_claims_only_after_its_consumers_stopped(
    pg_database: Any, data_dir: Path
) -> None:
    url = await pg_database("scorer")
    watch = Watch()
    stalling = StallingStorage(data_dir / "storage")
    judging_at_release: list[set[str]] = []
    async with replica("a", url, data_dir, stalling, watch) as a:
        [sid] = await seed(a, 1)
        await make_failed(a)
        claims = a.app.state.judge.claims
        release_all = claims.release_all

        async def spied() -> None:
            judging_at_release.append(set(watch.in_flight))
            await release_all()

        claims.release_all = spied
        stalling.stall_at = 1  # the next predictions read never returns
        await a.bus.publish(finished(sid, 2, spec("v1")))
        await asyncio.wait_for(stalling.stalled.wait(), 20)
        assert watch.in_flight == {str(sid)}
    # the lifespan has ended: by the time the claims were freed nothing was judging
    assert judging_at_release == [set()]


# --- rolling upgrade -----------------------------------------------------------------------


async def test_the_rescores_cursor_column_survives_the_upgrade_for_the_pods_before(
    pg_database: Any, data_dir: Path
) -> None:
    url = await pg_database("scorer")
    async with replica("a", url, data_dir, LocalStorage(data_dir / "storage"), Watch()) as a:
        sessionmaker = a.app.state.runtime.sessionmaker
        async with sessionmaker() as session:
            # what the release before selects
            assert (await session.execute(text("SELECT rescore_id, cursor FROM rescores"))).all() == []
