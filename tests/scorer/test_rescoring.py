"""Rescoring through the scorer app: every scored submission is scored again against
the new spec and announced once; an interrupted rescoring resumes where it stopped;
a redelivered request changes nothing; a run finishing after the request uses the new
spec; predictions that no longer fit fail with a reason."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sklearn.metrics import accuracy_score, f1_score
from sqlalchemy import select

from services.scorer.app import create_app
from services.scorer.config import ScorerSettings
from services.scorer.models import outbox
from shared.bus import Subscription
from shared.bus.memory import InProcessBus
from shared.events import (
    CompetitionRescoreRequested,
    Event,
    ExecutionFinished,
    FailureReason,
    ScoringSpec,
    SubmissionScored,
    SubmissionScoringFailed,
    parse_event,
)
from shared.storage import LocalStorage
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN
from tests.support import eventually

CID = uuid.UUID(int=42)
IDS = [f"r{i}" for i in range(10)]
USAGE = ["Public", "Private"] * 5
TRUTH_V1 = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0]
TRUTH_V2 = [1, 1, 0, 0, 1, 1, 0, 1, 0, 0]  # the host fixed some labels
T0 = datetime(2025, 5, 1, tzinfo=UTC)


def labels_csv(truth: list[int]) -> bytes:
    return (
        "id,y,Usage\n" + "".join(f"{i},{t},{u}\n" for i, t, u in zip(IDS, truth, USAGE, strict=True))
    ).encode()


def predictions(n: int) -> list[int]:
    return [(k * (n + 3)) % 2 if k % (n + 2) else 1 - TRUTH_V1[k] for k in range(len(IDS))]


def spec(version: str, metric: str = "accuracy", **extra: Any) -> ScoringSpec:
    return ScoringSpec(
        metric=metric, id_column="id", target_columns=["y"], labels_key=f"{CID}/{version}.csv", **extra
    )


def finished(n: int, sid: uuid.UUID, submitted_at: datetime = T0) -> ExecutionFinished:
    return ExecutionFinished(
        submission_id=sid,
        competition_id=CID,
        team_id=uuid.UUID(int=100 + n),
        team_name=f"team-{n}",
        submitted_at=submitted_at,
        attempt=1,
        predictions_key=f"{sid}/1/predictions.csv",
        scoring=spec("v1"),
    )


class StallingStorage(LocalStorage):
    """Stalls forever on the n-th predictions read once armed (a scorer stuck, then killed)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.stall_at: int | None = None
        self.reads = 0
        self.stalled = asyncio.Event()

    async def get_bytes(self, container: str, key: str, *, max_bytes: int | None = None) -> bytes:
        if container == "outputs" and self.stall_at is not None:
            self.reads += 1
            if self.reads >= self.stall_at:
                self.stalled.set()
                await asyncio.Event().wait()
        return await super().get_bytes(container, key, max_bytes=max_bytes)


@dataclass
class Scorer:
    app: FastAPI
    bus: InProcessBus
    client: httpx.AsyncClient
    received: list[Event]

    async def rescore(self, rescore_id: uuid.UUID) -> dict[str, Any]:
        response = await self.client.get(f"/internal/v1/rescores/{rescore_id}")
        return response.json() if response.status_code == 200 else {}  # type: ignore[no-any-return]

    async def until(self, check: Any, what: str, timeout: float = 20) -> None:
        await eventually(check, timeout, what=what)

    async def staged(self) -> list[Event]:
        """Every event the scorer has put in its outbox, in order (relayed or not)."""
        async with self.app.state.runtime.sessionmaker() as session:
            rows = (await session.execute(select(outbox.c.body).order_by(outbox.c.id))).scalars().all()
        return [parse_event(body) for body in rows]

    async def announced(self) -> dict[str, int]:
        """submission id -> how many outcome events the scorer has staged for it."""
        counts: dict[str, int] = {}
        for event in await self.staged():
            assert isinstance(event, SubmissionScored | SubmissionScoringFailed)
            counts[str(event.submission_id)] = counts.get(str(event.submission_id), 0) + 1
        return counts


@contextlib.asynccontextmanager
async def running(data_dir: Path, storage: LocalStorage) -> AsyncIterator[Scorer]:
    bus = InProcessBus()
    received: list[Event] = []

    async def collect(event: Event) -> None:
        received.append(event)

    await bus.subscribe(Subscription(queue="probe", routing_keys=["submission.#"], handler=collect))
    app = create_app(
        ScorerSettings(data_dir=data_dir, rescore_poll_seconds=60, internal_token=INTERNAL_TOKEN),
        bus=bus,
        storage=storage,
    )
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://scorer", headers=INTERNAL_HEADERS
            ) as client,
        ):
            yield Scorer(app, bus, client, received)
    finally:
        await bus.close()


async def score_submissions(s: Scorer, storage: LocalStorage, count: int) -> list[uuid.UUID]:
    await storage.put_bytes("labels", spec("v1").labels_key, labels_csv(TRUTH_V1))
    await storage.put_bytes("labels", spec("v2").labels_key, labels_csv(TRUTH_V2))
    sids = sorted(uuid.uuid4() for _ in range(count))
    for n, sid in enumerate(sids):
        body = "id,y\n" + "".join(f"{i},{p}\n" for i, p in zip(IDS, predictions(n), strict=True))
        await storage.put_bytes("outputs", f"{sid}/1/predictions.csv", body.encode())
        await s.bus.publish(finished(n, sid))

    async def all_scored() -> bool:
        return len(s.received) >= count

    await s.until(all_scored, "the first scores")
    return sids


def expected(n: int, truth: list[int], part: str, fn: Any = accuracy_score) -> float:
    rows = [k for k, u in enumerate(USAGE) if u == part]
    return float(fn([truth[k] for k in rows], [predictions(n)[k] for k in rows]))


async def test_interrupted_rescoring_resumes_and_announces_each_submission_once(data_dir: Path) -> None:
    storage = StallingStorage(data_dir / "storage")
    request = CompetitionRescoreRequested(
        competition_id=CID, rescore_id=uuid.uuid4(), scoring=spec("v2", extra_metrics=["f1_macro"])
    )
    async with running(data_dir, storage) as first:
        sids = await score_submissions(first, storage, 5)
        storage.stall_at = 3  # the third submission's predictions never arrive: the process dies there
        await first.bus.publish(request)
        await asyncio.wait_for(storage.stalled.wait(), 20)
        progress = await first.rescore(request.rescore_id)
        assert (progress["status"], progress["rescored"]) == ("running", 2)

    storage.stall_at = None
    async with running(data_dir, storage) as second:
        # nothing re-sent: the restarted scorer finds the unfinished rescoring itself

        async def done() -> bool:
            return (await second.rescore(request.rescore_id)).get("status") == "done"

        await second.until(done, "the resumed rescoring")
        progress = await second.rescore(request.rescore_id)
        assert (progress["rescored"], progress["failed"], progress["skipped"]) == (5, 0, 0)
        # each submission: its first score, then exactly one rescore, none twice
        assert await second.announced() == {str(sid): 2 for sid in sids}

        for n, sid in enumerate(sids):
            body = (await second.client.get(f"/internal/v1/scores/{sid}")).json()
            assert body["public_score"] == pytest.approx(expected(n, TRUTH_V2, "Public"))
            assert body["private_score"] == pytest.approx(expected(n, TRUTH_V2, "Private"))

        rescored = [
            e for e in await second.staged() if isinstance(e, SubmissionScored) and e.submission_id == sids[0]
        ]
        assert rescored[-1].public_extra_scores["f1_macro"] == pytest.approx(
            expected(0, TRUTH_V2, "Public", lambda t, p: f1_score(t, p, average="macro"))
        )

        # the same request delivered again changes nothing
        await second.bus.publish(request)
        await second.app.state.runtime.relay.relay_once()
        assert await second.announced() == {str(sid): 2 for sid in sids}
        assert (await second.rescore(request.rescore_id))["rescored"] == 5

        # a run submitted before the rescoring but finishing after it is scored with the new labels
        late = uuid.uuid4()
        body = "id,y\n" + "".join(f"{i},{p}\n" for i, p in zip(IDS, predictions(0), strict=True))
        await storage.put_bytes("outputs", f"{late}/1/predictions.csv", body.encode())
        await second.bus.publish(finished(0, late, submitted_at=T0 + timedelta(minutes=1)))

        async def late_scored() -> bool:
            return (await second.client.get(f"/internal/v1/scores/{late}")).status_code == 200

        await second.until(late_scored, "the late run")
        body_late = (await second.client.get(f"/internal/v1/scores/{late}")).json()
        assert body_late["public_score"] == pytest.approx(expected(0, TRUTH_V2, "Public"))


async def test_predictions_that_no_longer_fit_fail_and_a_broken_spec_changes_nothing(data_dir: Path) -> None:
    storage = LocalStorage(data_dir / "storage")
    async with running(data_dir, storage) as s:
        sids = await score_submissions(s, storage, 2)
        fewer_ids = b"id,y,Usage\n" + b"".join(b"%s,1,Public\n" % i.encode() for i in IDS[:8])
        await storage.put_bytes("labels", f"{CID}/v3.csv", fewer_ids)
        shrink = CompetitionRescoreRequested(competition_id=CID, rescore_id=uuid.uuid4(), scoring=spec("v3"))
        broken = CompetitionRescoreRequested(
            competition_id=CID, rescore_id=uuid.uuid4(), scoring=spec("missing")
        )
        await s.bus.publish(shrink)

        async def finished_rescore() -> bool:
            return (await s.rescore(shrink.rescore_id)).get("status") == "done"

        await s.until(finished_rescore, "the rescoring")
        assert (await s.rescore(shrink.rescore_id))["failed"] == 2
        body = (await s.client.get(f"/internal/v1/scores/{sids[0]}")).json()
        assert (body["status"], body["reason"]) == ("failed", "invalid_predictions")
        assert "after rescoring: 2 ids are not in the test set, e.g. 'r8', 'r9'" in body["detail"]

        await s.bus.publish(broken)

        async def failed_rescore() -> bool:
            return (await s.rescore(broken.rescore_id)).get("status") == "failed"

        await s.until(failed_rescore, "the broken rescoring")
        assert "not found" in (await s.rescore(broken.rescore_id))["detail"]
        missing = await s.client.get(f"/internal/v1/rescores/{uuid.uuid4()}")
        assert missing.status_code == 404

        async def relayed() -> bool:
            return sum(isinstance(e, SubmissionScoringFailed) for e in s.received) >= 2

        await s.until(relayed, "the failures on the bus")
        failures = [e for e in s.received if isinstance(e, SubmissionScoringFailed)]
        assert {e.reason for e in failures} == {FailureReason.INVALID_PREDICTIONS}


async def test_a_reproduction_stays_a_reproduction_when_scored_and_rescored(data_dir: Path) -> None:
    storage = LocalStorage(data_dir / "storage")
    async with running(data_dir, storage) as s:
        await storage.put_bytes("labels", spec("v1").labels_key, labels_csv(TRUTH_V1))
        await storage.put_bytes("labels", spec("v2").labels_key, labels_csv(TRUTH_V2))
        competing, reproduction = uuid.uuid4(), uuid.uuid4()
        body = "id,y\n" + "".join(f"{i},{p}\n" for i, p in zip(IDS, predictions(0), strict=True))
        for sid in (competing, reproduction):
            await storage.put_bytes("outputs", f"{sid}/1/predictions.csv", body.encode())
        await s.bus.publish(finished(0, competing))
        await s.bus.publish(finished(0, reproduction).model_copy(update={"purpose": "reproduce"}))

        async def scored(count: int) -> Any:
            async def check() -> bool:
                return len([e for e in s.received if isinstance(e, SubmissionScored)]) >= count

            return check

        await s.until(await scored(2), "both scores")
        rescore = CompetitionRescoreRequested(competition_id=CID, rescore_id=uuid.uuid4(), scoring=spec("v2"))
        await s.bus.publish(rescore)
        await s.until(await scored(4), "both rescores")
    purposes = [(e.submission_id, e.purpose) for e in s.received if isinstance(e, SubmissionScored)]
    assert sorted(purposes, key=str) == sorted(
        [(competing, "compete"), (reproduction, "reproduce")] * 2, key=str
    )
