"""Board columns: every column of a spec scored by key, label metrics at a threshold,
mixed metrics in one spec, impossible specs as the platform's fault, and the stage of a
run carried from ``execution.finished`` (and a rescoring request) to its outcome."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sklearn import metrics as skm
from sqlalchemy import select

from services.scorer.app import create_app
from services.scorer.config import ScorerSettings
from services.scorer.models import scores
from services.scorer.scoring import SpecProblem, columns_of, score
from services.scorer.validation import InvalidLabels, InvalidPredictions
from shared.bus import Subscription
from shared.bus.memory import InProcessBus
from shared.events import (
    CompetitionRescoreRequested,
    Event,
    ExecutionFinished,
    FailureReason,
    ScoreColumn,
    ScoringProgram,
    ScoringSpec,
    SubmissionScored,
    SubmissionScoringFailed,
)
from shared.storage import LocalStorage
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN
from tests.support import eventually

IDS = [f"r{i}" for i in range(16)]
TRUTH = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0]
USAGE = ["Public", "Private"] * 8
# 0.3 and 0.7 themselves are there: a probability equal to the threshold is the positive class
PROBS = [0.2, 0.7, 0.4, 0.3, 0.9, 0.6, 0.1, 0.8, 0.35, 0.45, 0.55, 0.5, 0.65, 0.25, 0.75, 0.05]
LABELS = (
    "id,y,Usage\n" + "".join(f"{i},{t},{u}\n" for i, t, u in zip(IDS, TRUTH, USAGE, strict=True))
).encode()
PREDICTIONS = (
    "id,y\n" + "".join(f"{i},{p}\n" for i, p in reversed(list(zip(IDS, PROBS, strict=True))))
).encode()
CID = uuid.UUID(int=12)
STAGE_2 = uuid.UUID(int=1202)


def spec(columns: list[ScoreColumn], **fields: Any) -> ScoringSpec:
    return ScoringSpec(
        metric=columns[0].key,
        id_column="id",
        target_columns=["y"],
        labels_key=f"{CID}/v1.csv",
        columns=columns,
        **fields,
    )


def expected(fn: Callable[..., float], part: str, threshold: float | None = None, **kwargs: Any) -> float:
    rows = [k for k, u in enumerate(USAGE) if u == part]
    truth = [TRUTH[k] for k in rows]
    probs = [PROBS[k] for k in rows]
    predicted = probs if threshold is None else [1 if p >= threshold else 0 for p in probs]
    return float(fn(truth, predicted, **kwargs))


THRESHOLDED = [
    ("accuracy", skm.accuracy_score, {}),
    ("f1_macro", lambda t, p: skm.f1_score(t, p, average="macro"), {}),
    ("balanced_accuracy", skm.balanced_accuracy_score, {}),
]


def test_label_metrics_at_a_threshold_score_the_probabilities_as_classes() -> None:
    columns = [
        ScoreColumn(key=f"{name}_{int(t * 10)}", metric=name, threshold=t)
        for name, _, _ in THRESHOLDED
        for t in (0.3, 0.7)
    ]
    result = score(PREDICTIONS, LABELS, spec(columns))
    for name, fn, kwargs in THRESHOLDED:
        for t in (0.3, 0.7):
            key = f"{name}_{int(t * 10)}"
            assert result.public[key] == pytest.approx(expected(fn, "Public", t, **kwargs)), key
            assert result.private is not None
            assert result.private[key] == pytest.approx(expected(fn, "Private", t, **kwargs)), key
        # the threshold matters on these predictions: the two columns differ
        assert result.public[f"{name}_3"] != result.public[f"{name}_7"]
    assert result.metric == "accuracy_3"
    assert result.public_score == result.public["accuracy_3"]
    assert list(result.public) == [c.key for c in columns]


def test_a_threshold_needs_0_1_labels_and_probabilities_as_numbers() -> None:
    columns = [ScoreColumn(key="acc", metric="accuracy", threshold=0.5)]
    three_classes = LABELS.replace(b"r0,0,", b"r0,2,")
    with pytest.raises(InvalidLabels, match="must hold 0 or 1 for accuracy"):
        score(PREDICTIONS, three_classes, spec(columns))
    # a secondary thresholded column is held to the same labels
    with pytest.raises(InvalidLabels, match="must hold 0 or 1 for accuracy"):
        score(PREDICTIONS, three_classes, spec([ScoreColumn(key="mae", metric="mae"), *columns]))
    with pytest.raises(InvalidPredictions, match="not a finite number"):
        score(PREDICTIONS.replace(b"r3,0.3", b"r3,high"), LABELS, spec(columns))


@pytest.mark.parametrize(
    ("columns", "program", "message"),
    [
        ([ScoreColumn(key="auc", metric="roc_auc", threshold=0.5)], False, "does not compare classes"),
        ([ScoreColumn(key="custom")], False, "no scoring program to compute it"),
        ([ScoreColumn(key="custom", threshold=0.5)], True, "no metric to apply it to"),
        ([ScoreColumn(key="a", metric="roc_auc"), ScoreColumn(key="a", metric="accuracy")], False, "twice"),
        ([ScoreColumn(key="a", metric="no_such_metric")], False, "unknown metric"),
    ],
)
def test_impossible_specs_are_refused(columns: list[ScoreColumn], program: bool, message: str) -> None:
    extra = {"program": ScoringProgram(archive_key="p.zip")} if program else {}
    with pytest.raises(SpecProblem, match=message):
        columns_of(spec(columns, **extra))


def test_a_spec_without_columns_is_its_metric_then_its_extra_metrics() -> None:
    old = ScoringSpec(
        metric="roc_auc", id_column="id", target_columns=["y"], labels_key="x", extra_metrics=["log_loss"]
    )
    result = score(PREDICTIONS, LABELS, old)
    assert list(result.public) == ["roc_auc", "log_loss"]
    assert result.public_extra == {"log_loss": pytest.approx(expected(skm.log_loss, "Public"))}


# --- through the scorer app ---------------------------------------------------------------


@dataclass
class Scorer:
    app: FastAPI
    bus: InProcessBus
    storage: LocalStorage
    client: httpx.AsyncClient
    received: list[Event]

    async def outcome(self, count: int = 1, timeout: float = 10) -> list[Event]:
        await eventually(
            lambda: len(self.received) >= count, timeout, what=lambda: f"{count} events (got {self.received})"
        )
        return self.received


@contextlib.asynccontextmanager
async def scorer(data_dir: Path) -> AsyncIterator[Scorer]:
    bus = InProcessBus()
    storage = LocalStorage(data_dir / "storage")
    received: list[Event] = []

    async def collect(event: Event) -> None:
        received.append(event)

    await bus.subscribe(Subscription(queue="probe", routing_keys=["submission.#"], handler=collect))
    app = create_app(
        ScorerSettings(data_dir=data_dir, internal_token=INTERNAL_TOKEN), bus=bus, storage=storage
    )
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://scorer", headers=INTERNAL_HEADERS
            ) as client,
        ):
            yield Scorer(app, bus, storage, client, received)
    finally:
        await bus.close()


def finished(scoring: ScoringSpec, **fields: Any) -> ExecutionFinished:
    sid = fields.pop("submission_id", None) or uuid.uuid4()
    return ExecutionFinished(
        submission_id=sid,
        competition_id=CID,
        team_id=uuid.UUID(int=5),
        team_name="owls",
        submitted_at=datetime(2026, 1, 2, tzinfo=UTC),
        attempt=1,
        predictions_key=f"{sid}/1/predictions.csv",
        scoring=scoring,
        **fields,
    )


async def publish(s: Scorer, event: ExecutionFinished, predictions: bytes = PREDICTIONS) -> None:
    await s.storage.put_bytes("labels", event.scoring.labels_key, LABELS)
    await s.storage.put_bytes("outputs", event.predictions_key or "", predictions)
    await s.bus.publish(event)


MIXED = [
    ScoreColumn(key="auc", metric="roc_auc"),
    ScoreColumn(key="acc", metric="accuracy", threshold=0.5, precision=2),
    ScoreColumn(key="loss", metric="log_loss", higher_is_better=False),
]


async def test_three_columns_with_mixed_metrics_are_announced_by_key_in_the_stage(data_dir: Path) -> None:
    async with scorer(data_dir) as s:
        event = finished(spec(MIXED), stage_id=STAGE_2)
        await publish(s, event)
        [scored] = await s.outcome()
    assert isinstance(scored, SubmissionScored)
    public = {
        "auc": expected(skm.roc_auc_score, "Public"),
        "acc": expected(skm.accuracy_score, "Public", 0.5),
        "loss": expected(skm.log_loss, "Public"),
    }
    private = {
        "auc": expected(skm.roc_auc_score, "Private"),
        "acc": expected(skm.accuracy_score, "Private", 0.5),
        "loss": expected(skm.log_loss, "Private"),
    }
    assert scored.scores == pytest.approx(public)
    assert scored.private_scores == pytest.approx(private)
    assert (scored.metric, scored.higher_is_better) == ("auc", True)
    assert scored.public_score == pytest.approx(public["auc"])
    assert scored.private_score == pytest.approx(private["auc"])
    # older readers still find the other columns where they always were
    assert scored.public_extra_scores == pytest.approx({"acc": public["acc"], "loss": public["loss"]})
    assert scored.private_extra_scores == pytest.approx({"acc": private["acc"], "loss": private["loss"]})
    assert scored.stage_id == STAGE_2


async def test_the_primary_column_gives_the_direction_and_the_stage_passes_through_failures(
    data_dir: Path,
) -> None:
    lower_first = [MIXED[2], MIXED[0]]
    async with scorer(data_dir) as s:
        runs = [
            finished(spec(lower_first), stage_id=STAGE_2),
            finished(spec(MIXED), stage_id=STAGE_2),
            finished(spec([ScoreColumn(key="auc", metric="roc_auc", threshold=0.5)])),
        ]
        for run, predictions in zip(runs, [PREDICTIONS, b"id,y\nr0,0.5\n", PREDICTIONS], strict=True):
            await publish(s, run, predictions)
        by_submission = {e.submission_id: e for e in await s.outcome(3)}  # type: ignore[attr-defined]
        scored, invalid, impossible = (by_submission[run.submission_id] for run in runs)
    assert isinstance(scored, SubmissionScored)
    assert (scored.metric, scored.higher_is_better) == ("loss", False)
    assert isinstance(invalid, SubmissionScoringFailed)
    assert (invalid.reason, invalid.stage_id) == (FailureReason.INVALID_PREDICTIONS, STAGE_2)
    assert isinstance(impossible, SubmissionScoringFailed)
    assert impossible.reason is FailureReason.INTERNAL_ERROR
    assert "does not compare classes" in impossible.detail
    assert impossible.stage_id is None  # the first stage, as the event said


async def test_a_rescoring_of_one_stage_rescores_that_stage_only(data_dir: Path) -> None:
    async with scorer(data_dir) as s:
        first = finished(spec(MIXED))
        second = finished(spec(MIXED), stage_id=STAGE_2)
        await publish(s, first)
        await publish(s, second)
        await s.outcome(2)
        async with s.app.state.runtime.sessionmaker() as session:
            stages = dict((await session.execute(select(scores.c.submission_id, scores.c.stage_id))).all())
        # the first stage's id is the competition's
        assert stages == {str(first.submission_id): str(CID), str(second.submission_id): str(STAGE_2)}

        strict = [ScoreColumn(key="acc9", metric="accuracy", threshold=0.9), *MIXED]
        request = CompetitionRescoreRequested(
            competition_id=CID, rescore_id=uuid.uuid4(), scoring=spec(strict), stage_id=STAGE_2
        )
        await s.bus.publish(request)
        [rescored] = (await s.outcome(3))[2:]

        async def ended() -> dict[str, Any] | None:
            progress = (await s.client.get(f"/internal/v1/rescores/{request.rescore_id}")).json()
            return None if progress["status"] == "running" else progress

        progress = await eventually(ended, what="the rescoring's end")
    assert isinstance(rescored, SubmissionScored)
    assert (rescored.submission_id, rescored.stage_id) == (second.submission_id, STAGE_2)
    assert rescored.metric == "acc9"
    assert rescored.public_score == pytest.approx(expected(skm.accuracy_score, "Public", 0.9))
    assert set(rescored.scores) == {"acc9", "auc", "acc", "loss"}
    assert (progress["status"], progress["rescored"]) == ("done", 1)
