"""The scorer end to end inside its app: an ``execution.finished`` on the bus, predictions
and labels in storage, and the resulting event (through the outbox) on the bus."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sklearn.metrics import roc_auc_score
from sqlalchemy import func, select

from services.scorer.app import create_app
from services.scorer.config import ScorerSettings
from services.scorer.consumers import ExecutionFinishedConsumer
from services.scorer.models import outbox, scores
from shared.bus import Subscription
from shared.bus.memory import InProcessBus
from shared.events import (
    Event,
    ExecutionFinished,
    FailureReason,
    ScoringSpec,
    SubmissionScored,
    SubmissionScoringFailed,
)
from shared.storage import LocalStorage
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN
from tests.support import eventually

IDS = [f"r{i}" for i in range(12)]
TRUTH = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0]
USAGE = ["Public"] * 7 + ["Private"] * 5
PROBS = [0.2, 0.7, 0.4, 0.3, 0.9, 0.6, 0.1, 0.8, 0.35, 0.45, 0.55, 0.5]
LABELS_CSV = "id,target,Usage\n" + "".join(
    f"{i},{t},{u}\n" for i, t, u in zip(IDS, TRUTH, USAGE, strict=True)
)
# rows in reverse order: the scorer must align by id, not by position
PREDICTIONS_CSV = "id,target\n" + "".join(
    f"{i},{p}\n" for i, p in reversed(list(zip(IDS, PROBS, strict=True)))
)


@dataclass
class Harness:
    bus: InProcessBus
    storage: LocalStorage
    received: list[Event]
    client: httpx.AsyncClient
    app: FastAPI

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Event]:
        await eventually(
            lambda: len(self.received) >= count, timeout, what=lambda: f"{count} events (got {self.received})"
        )
        return self.received


def finished(submission_id: uuid.UUID, **overrides: object) -> ExecutionFinished:
    competition_id = uuid.UUID(int=7)
    fields: dict[str, object] = {
        "submission_id": submission_id,
        "competition_id": competition_id,
        "team_id": uuid.UUID(int=99),
        "team_name": "owls",
        "submitted_at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        "attempt": 1,
        "predictions_key": f"{submission_id}/1/predictions.csv",
        "scoring": ScoringSpec(
            metric="roc_auc", id_column="id", target_columns=["target"], labels_key=f"{competition_id}/v1.csv"
        ),
    }
    fields.update(overrides)
    return ExecutionFinished(**fields)  # type: ignore[arg-type]


HarnessFactory = Callable[[str | None], Awaitable[Harness]]


@pytest.fixture
async def harness(data_dir: Path) -> AsyncIterator[HarnessFactory]:
    stack: list[tuple[Any, httpx.AsyncClient, InProcessBus]] = []

    async def make(database_url: str | None = None) -> Harness:
        bus = InProcessBus()
        storage = LocalStorage(data_dir / "storage")
        received: list[Event] = []

        async def collect(event: Event) -> None:
            received.append(event)

        await bus.subscribe(
            Subscription(
                queue="probe",
                routing_keys=["submission.scored", "submission.scoring_failed"],
                handler=collect,
            )
        )
        settings = ScorerSettings(
            data_dir=data_dir, scorer_database_url=database_url, internal_token=INTERNAL_TOKEN
        )
        app = create_app(settings, bus=bus, storage=storage)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://scorer", headers=INTERNAL_HEADERS
        )
        stack.append((lifespan, client, bus))
        return Harness(bus, storage, received, client, app)

    yield make
    for lifespan, client, bus in stack:
        await client.aclose()
        await lifespan.__aexit__(None, None, None)
        await bus.close()


async def put_files(h: Harness, event: ExecutionFinished, predictions: str | None = PREDICTIONS_CSV) -> None:
    await h.storage.put_bytes("labels", event.scoring.labels_key, LABELS_CSV.encode())
    if predictions is not None and event.predictions_key:
        await h.storage.put_bytes("outputs", event.predictions_key, predictions.encode())


def expected_scores() -> tuple[float, float]:
    public = [i for i, u in enumerate(USAGE) if u == "Public"]
    private = [i for i, u in enumerate(USAGE) if u == "Private"]
    return (
        roc_auc_score([TRUTH[i] for i in public], [PROBS[i] for i in public]),
        roc_auc_score([TRUTH[i] for i in private], [PROBS[i] for i in private]),
    )


async def check_scores_once(h: Harness) -> None:
    event = finished(uuid.uuid4())
    await put_files(h, event)
    await h.bus.publish(event)
    await h.bus.publish(event)  # the same event delivered twice
    [scored] = await h.wait_for(1)
    assert isinstance(scored, SubmissionScored)
    public, private = expected_scores()
    assert scored.public_score == pytest.approx(public)
    assert scored.private_score == pytest.approx(private)
    assert (scored.metric, scored.higher_is_better) == ("roc_auc", True)
    assert (scored.submission_id, scored.competition_id, scored.team_id) == (
        event.submission_id,
        event.competition_id,
        event.team_id,
    )
    assert scored.team_name == "owls"
    assert scored.submitted_at == event.submitted_at

    response = await h.client.get(f"/internal/v1/scores/{event.submission_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "scored"
    assert body["public_score"] == pytest.approx(public)

    # handled directly so that "nothing happened" is known when the call returns: the
    # same event again, and a distinct event for the same run, change nothing
    rt = h.app.state.runtime
    consumer = ExecutionFinishedConsumer(h.app.state.judge, h.app.state.settings)
    await consumer.handle(event)
    await consumer.handle(finished(event.submission_id))
    async with rt.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(scores)) == 1
        assert await session.scalar(select(func.count()).select_from(outbox)) == 1

    # the background relay marks what it sent after sending it: a relay pass before that
    # mark would send the event again (at-least-once, absorbed by consumers' inboxes)
    async def all_marked_sent() -> bool:
        async with rt.sessionmaker() as session:
            return await session.scalar(select(func.count()).where(outbox.c.published_at.is_(None))) == 0

    await eventually(all_marked_sent, what="the relay marking the event sent")
    await rt.relay.relay_once()
    assert len(h.received) == 1


# database_url first: its database is dropped after the scorer has stopped, not under it
async def test_scores_public_and_private_rows_once(database_url: str, harness: HarnessFactory) -> None:
    await check_scores_once(await harness(database_url))


async def test_invalid_predictions_fail_with_the_validation_detail(harness: HarnessFactory) -> None:
    h = await harness(None)
    event = finished(uuid.uuid4())
    await put_files(h, event, predictions="id,target\nr0,0.5\nr0,0.5\n")
    await h.bus.publish(event)
    [failed] = await h.wait_for(1)
    assert isinstance(failed, SubmissionScoringFailed)
    assert failed.reason is FailureReason.INVALID_PREDICTIONS
    assert "1 id appears more than once, e.g. 'r0'" in failed.detail
    assert "11 ids of the test set have no prediction" in failed.detail

    response = await h.client.get(f"/internal/v1/scores/{event.submission_id}")
    assert response.json()["reason"] == "invalid_predictions"


async def test_missing_predictions_blob(harness: HarnessFactory) -> None:
    h = await harness(None)
    event = finished(uuid.uuid4())
    await put_files(h, event, predictions=None)
    await h.bus.publish(event)
    [failed] = await h.wait_for(1)
    assert isinstance(failed, SubmissionScoringFailed)
    assert failed.reason is FailureReason.MISSING_PREDICTIONS
    assert "wrote no predictions file" in failed.detail


async def test_missing_labels_is_an_internal_error(harness: HarnessFactory) -> None:
    h = await harness(None)
    event = finished(uuid.uuid4())
    await h.storage.put_bytes("outputs", event.predictions_key or "", PREDICTIONS_CSV.encode())
    await h.bus.publish(event)
    [failed] = await h.wait_for(1)
    assert isinstance(failed, SubmissionScoringFailed)
    assert failed.reason is FailureReason.INTERNAL_ERROR
    assert "labels are missing" in failed.detail


async def test_too_large_predictions_rejected(harness: HarnessFactory, data_dir: Path) -> None:
    h = await harness(None)
    # the limit comes from settings; rebuild an app with a tiny one
    bus = InProcessBus()
    received: list[Event] = []

    async def collect(event: Event) -> None:
        received.append(event)

    await bus.subscribe(Subscription(queue="probe", routing_keys=["submission.#"], handler=collect))
    settings = ScorerSettings(data_dir=data_dir / "small", max_predictions_bytes=64)
    app = create_app(settings, bus=bus, storage=h.storage)
    async with app.router.lifespan_context(app):
        event = finished(uuid.uuid4())
        await put_files(h, event)
        await bus.publish(event)
        small = Harness(bus, h.storage, received, h.client, app)
        [failed] = await small.wait_for(1)
    await bus.close()
    assert isinstance(failed, SubmissionScoringFailed)
    assert failed.reason is FailureReason.INVALID_PREDICTIONS
    assert "larger than the 64 bytes limit" in failed.detail


async def test_failed_runs_are_not_scored(harness: HarnessFactory) -> None:
    h = await harness(None)
    event = finished(uuid.uuid4(), failure_reason=FailureReason.RUNTIME_ERROR, predictions_key=None)
    await h.bus.publish(event)
    response = await h.client.get(f"/internal/v1/scores/{event.submission_id}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert h.received == []


async def test_readiness(harness: HarnessFactory) -> None:
    h = await harness(None)
    response = await h.client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "bus": True, "storage": True}


async def test_a_newer_attempt_is_scored_after_a_failed_one(harness: HarnessFactory) -> None:
    h = await harness(None)
    first = finished(uuid.uuid4())
    await put_files(h, first, predictions="id,target\n")
    await h.bus.publish(first)
    await h.wait_for(1)
    key = f"{first.submission_id}/2/predictions.csv"
    second = finished(first.submission_id, attempt=2, predictions_key=key)
    await put_files(h, second)
    await h.bus.publish(second)
    failed, scored = await h.wait_for(2)
    assert isinstance(failed, SubmissionScoringFailed)
    assert isinstance(scored, SubmissionScored)
    assert scored.public_score == pytest.approx(expected_scores()[0])
    body = (await h.client.get(f"/internal/v1/scores/{first.submission_id}")).json()
    assert (body["status"], body["attempt"]) == ("scored", 2)


async def test_the_labels_are_read_once_per_labels_key_not_once_per_run(harness: HarnessFactory) -> None:
    h = await harness(None)
    events = [finished(uuid.uuid4()) for _ in range(3)]
    for event in events:
        await put_files(h, event)
        await h.bus.publish(event)
    await h.wait_for(3)
    labels = h.app.state.judge.labels
    assert labels.reads == 1
    # a new labels version is a new key: read once, and the runs after it use it
    v2 = ScoringSpec(**{**events[0].scoring.model_dump(), "labels_key": f"{uuid.UUID(int=7)}/v2.csv"})
    later = [finished(uuid.uuid4(), scoring=v2) for _ in range(2)]
    for event in later:
        await put_files(h, event)
        await h.bus.publish(event)
    scored = await h.wait_for(5)
    assert all(isinstance(e, SubmissionScored) for e in scored)
    assert labels.reads == 2
