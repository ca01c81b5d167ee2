"""Stages scored by a host's program: the scorer validates the predictions, then asks the
orchestrator to run the program (``POST /internal/v1/scoring-runs``) and reads its columns.

The orchestrator here is a real HTTP server on a loopback port (``tests.servers``,
uvicorn as ``holdout up`` serves), behind the real service-credential middleware,
that speaks the scoring-runs contract: its "program" reads the predictions and
labels the request points to from storage and computes a Brier score, or fails the way
a test tells it to. Only the sandbox is left out (the orchestrator's own tests cover it).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import stamina
from fastapi import FastAPI, Request, Response
from pydantic import SecretStr
from sklearn import metrics as skm

from holdout.processes import free_port
from services.scorer.app import create_app
from services.scorer.config import ScorerSettings
from services.scorer.programs import PARTICIPANT_DETAIL
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
from shared.internal_auth import InternalAuthMiddleware
from shared.scoring_runs import (
    SCORING_RUNS_PATH,
    ScoringRunRequest,
    ScoringRunResult,
    ScoringRunStatus,
    StorageRef,
    log_key,
)
from shared.settings import CommonSettings
from shared.storage import LocalStorage
from tests.conftest import INTERNAL_TOKEN
from tests.servers import serving
from tests.support import eventually

CID = uuid.UUID(int=31)
IDS = [f"r{i}" for i in range(10)]
TRUTH = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0]
USAGE = ["Public", "Private"] * 5
PROBS = [0.2, 0.7, 0.4, 0.3, 0.9, 0.6, 0.1, 0.8, 0.35, 0.45]
LABELS = (
    "id,y,Usage\n" + "".join(f"{i},{t},{u}\n" for i, t, u in zip(IDS, TRUTH, USAGE, strict=True))
).encode()
PREDICTIONS = ("id,y\n" + "".join(f"{i},{p}\n" for i, p in zip(IDS, PROBS, strict=True))).encode()
PROGRAM = ScoringProgram(archive_key=f"{CID}/1.zip", time_limit_s=30)
COLUMNS = [ScoreColumn(key="brier", higher_is_better=False), ScoreColumn(key="auc", metric="roc_auc")]
SPEC = ScoringSpec(
    metric="brier",
    id_column="id",
    target_columns=["y"],
    labels_key=f"{CID}/v1.csv",
    columns=COLUMNS,
    program=PROGRAM,
)
# what a failing program printed: never shown to the participant
SECRET_LOG = "Traceback: KeyError 'y' at labels.csv line 3 (value 1)"


def brier(part: str) -> float:
    rows = [k for k, u in enumerate(USAGE) if u == part]
    return float(skm.brier_score_loss([TRUTH[k] for k in rows], [PROBS[k] for k in rows]))


def auc(part: str) -> float:
    rows = [k for k, u in enumerate(USAGE) if u == part]
    return float(skm.roc_auc_score([TRUTH[k] for k in rows], [PROBS[k] for k in rows]))


@pytest.fixture(autouse=True)
def no_retry_waits() -> Any:
    """The orchestrator is asked again at once: the retry policy's pauses are not under test."""
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


@dataclass
class FakeOrchestrator:
    """``answers[n]`` answers the n-th request (the last one answers any after it)."""

    storage: LocalStorage
    answers: list[str] = field(default_factory=lambda: ["ok"])
    requests: list[ScoringRunRequest] = field(default_factory=list)

    async def brier_scores(self, run: ScoringRunRequest) -> str:
        """The "program": reads what the request points to, as the sandbox would mount it."""
        predictions = await self.storage.get_bytes(run.predictions.container, run.predictions.key)
        labels = await self.storage.get_bytes(run.labels.container, run.labels.key)
        probs = {row["id"]: float(row["y"]) for row in csv.DictReader(io.StringIO(predictions.decode()))}
        parts: dict[str, list[float]] = {"Public": [], "Private": []}
        for row in csv.DictReader(io.StringIO(labels.decode())):
            parts[row["Usage"]].append((probs[row["id"]] - float(row["y"])) ** 2)
        return json.dumps(
            {
                "public": {"brier": sum(parts["Public"]) / len(parts["Public"])},
                "private": {"brier": sum(parts["Private"]) / len(parts["Private"])},
            }
        )

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post(SCORING_RUNS_PATH)
        async def scoring_run(request: Request) -> Response:
            run = ScoringRunRequest.model_validate_json(await request.body())
            self.requests.append(run)
            how = self.answers[min(len(self.requests), len(self.answers)) - 1]
            if how == "503":
                return Response(status_code=503)
            result = ScoringRunResult(status=ScoringRunStatus.OK, log_key=log_key(run.run_id))
            if how == "ok":
                result = result.model_copy(update={"scores_json": await self.brier_scores(run)})
            elif how == "bad_scores":
                result = result.model_copy(update={"scores_json": '{"public": {"brie": 0.1}}'})
            elif how == "program_failed":
                result = result.model_copy(
                    update={"status": ScoringRunStatus.PROGRAM_FAILED, "exit_code": 1, "log_tail": SECRET_LOG}
                )
            return Response(result.model_dump_json(), media_type="application/json")

        # the orchestrator answers only a caller with the service credential
        app.add_middleware(InternalAuthMiddleware, token=SecretStr(INTERNAL_TOKEN), service="orchestrator")
        return app


@dataclass
class Scorer:
    app: FastAPI
    bus: InProcessBus
    storage: LocalStorage
    received: list[Event]
    orchestrator: FakeOrchestrator

    async def outcomes(self, count: int = 1, timeout: float = 20) -> list[Event]:
        await eventually(
            lambda: len(self.received) >= count, timeout, what=lambda: f"{count} events (got {self.received})"
        )
        return self.received

    async def run(self, predictions: bytes = PREDICTIONS, **fields: Any) -> ExecutionFinished:
        sid = uuid.uuid4()
        event = ExecutionFinished(
            submission_id=sid,
            competition_id=CID,
            team_id=uuid.UUID(int=3),
            team_name="owls",
            submitted_at=datetime(2026, 2, 1, tzinfo=UTC),
            attempt=2,
            predictions_key=f"{sid}/2/predictions.csv",
            scoring=SPEC,
            **fields,
        )
        await self.storage.put_bytes("labels", SPEC.labels_key, LABELS)
        await self.storage.put_bytes("outputs", f"{sid}/2/predictions.csv", predictions)
        await self.bus.publish(event)
        return event


@contextlib.asynccontextmanager
async def scorer(data_dir: Path, *, reachable: bool = True) -> AsyncIterator[Scorer]:
    storage = LocalStorage(data_dir / "storage")
    orchestrator = FakeOrchestrator(storage)
    async with serving(orchestrator.app(), CommonSettings(data_dir=data_dir)) as served:
        # unreachable: a port nobody listens on
        url = served.url if reachable else f"http://127.0.0.1:{free_port()}"
        bus = InProcessBus()
        received: list[Event] = []

        async def collect(event: Event) -> None:
            received.append(event)

        await bus.subscribe(Subscription(queue="probe", routing_keys=["submission.#"], handler=collect))
        settings = ScorerSettings(
            data_dir=data_dir,
            internal_token=INTERNAL_TOKEN,
            orchestrator_url=url,
            rescore_poll_seconds=60,
        )
        app = create_app(settings, bus=bus, storage=storage)
        try:
            async with app.router.lifespan_context(app):
                yield Scorer(app, bus, storage, received, orchestrator)
        finally:
            await bus.close()


async def test_the_programs_columns_join_the_registrys(data_dir: Path) -> None:
    async with scorer(data_dir) as s:
        event = await s.run(stage_id=uuid.UUID(int=77))
        [scored] = await s.outcomes()
        [run] = s.orchestrator.requests
    assert isinstance(scored, SubmissionScored)
    assert scored.scores == pytest.approx({"brier": brier("Public"), "auc": auc("Public")})
    assert scored.private_scores == pytest.approx({"brier": brier("Private"), "auc": auc("Private")})
    assert (scored.metric, scored.higher_is_better) == ("brier", False)
    assert scored.public_score == pytest.approx(brier("Public"))
    assert scored.public_extra_scores == pytest.approx({"auc": auc("Public")})
    assert scored.stage_id == uuid.UUID(int=77)
    assert run == ScoringRunRequest(
        run_id=f"{event.submission_id}-2-1",
        program=PROGRAM,
        predictions=StorageRef(container="outputs", key=f"{event.submission_id}/2/predictions.csv"),
        labels=StorageRef(container="labels", key=SPEC.labels_key),
        is_smoke=False,
    )


async def test_a_program_that_fails_twice_is_the_hosts_fault(data_dir: Path) -> None:
    async with scorer(data_dir) as s:
        s.orchestrator.answers = ["program_failed"]
        event = await s.run(stage_id=uuid.UUID(int=78))
        [failed] = await s.outcomes()
        runs = [r.run_id for r in s.orchestrator.requests]
    assert isinstance(failed, SubmissionScoringFailed)
    assert failed.reason is FailureReason.INTERNAL_ERROR
    assert failed.detail == PARTICIPANT_DETAIL
    assert "KeyError" not in failed.model_dump_json()
    # tried once more, under a run id of its own; the host is pointed at the last run's log
    assert runs == [f"{event.submission_id}-2-1", f"{event.submission_id}-2-2"]
    assert failed.scoring_log_key == log_key(f"{event.submission_id}-2-2")
    assert failed.stage_id == uuid.UUID(int=78)


async def test_a_bad_scores_file_is_the_hosts_fault_and_a_good_second_try_scores(data_dir: Path) -> None:
    async with scorer(data_dir) as s:
        s.orchestrator.answers = ["bad_scores"]
        bad = await s.run()
        [failed] = await s.outcomes()
        s.orchestrator.answers = ["bad_scores", "bad_scores", "bad_scores", "ok"]
        await s.run()
        [_, scored] = await s.outcomes(2)
    assert isinstance(failed, SubmissionScoringFailed)
    assert (failed.reason, failed.detail) == (FailureReason.INTERNAL_ERROR, PARTICIPANT_DETAIL)
    assert failed.scoring_log_key == log_key(f"{bad.submission_id}-2-2")
    assert isinstance(scored, SubmissionScored)
    assert scored.public_score == pytest.approx(brier("Public"))


async def test_invalid_predictions_never_reach_the_program(data_dir: Path) -> None:
    async with scorer(data_dir) as s:
        await s.run(predictions=b"id,y\nr0,0.5\nr1,x\n")
        [failed] = await s.outcomes()
        assert s.orchestrator.requests == []
    assert isinstance(failed, SubmissionScoringFailed)
    assert failed.reason is FailureReason.INVALID_PREDICTIONS
    assert "8 ids of the test set have no prediction" in failed.detail
    assert failed.scoring_log_key is None


async def test_an_orchestrator_that_cannot_take_the_run_is_asked_again(data_dir: Path) -> None:
    async with scorer(data_dir) as s:
        s.orchestrator.answers = ["503", "503", "ok"]
        event = await s.run()
        [scored] = await s.outcomes()
        runs = [r.run_id for r in s.orchestrator.requests]
    assert isinstance(scored, SubmissionScored)
    # the same run asked again: the orchestrator never ran it
    assert runs == [f"{event.submission_id}-2-1"] * 3


async def test_an_unreachable_orchestrator_fails_the_run_as_internal_error(data_dir: Path) -> None:
    async with scorer(data_dir, reachable=False) as s:
        await s.run()
        [failed] = await s.outcomes()
    assert isinstance(failed, SubmissionScoringFailed)
    assert (failed.reason, failed.detail, failed.scoring_log_key) == (
        FailureReason.INTERNAL_ERROR,
        PARTICIPANT_DETAIL,
        None,
    )


async def test_a_rescoring_runs_the_program_again_under_its_own_run_ids(data_dir: Path) -> None:
    async with scorer(data_dir) as s:
        event = await s.run()
        await s.outcomes()
        request = CompetitionRescoreRequested(competition_id=CID, rescore_id=uuid.uuid4(), scoring=SPEC)
        await s.bus.publish(request)
        [_, rescored] = await s.outcomes(2)
        runs = [r.run_id for r in s.orchestrator.requests]
    assert isinstance(rescored, SubmissionScored)
    assert rescored.scores == pytest.approx({"brier": brier("Public"), "auc": auc("Public")})
    assert runs == [f"{event.submission_id}-2-1", f"{event.submission_id}-2-r{request.rescore_id.hex[:12]}-1"]
