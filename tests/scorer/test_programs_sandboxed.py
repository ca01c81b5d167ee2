"""The scorer against the real orchestrator: a stage's scoring program run in the local
sandbox (bubblewrap) through ``POST /internal/v1/scoring-runs`` on a served orchestrator,
its column on the scorer's announcement; a crashing program is ``internal_error`` to the
participant, with the log (kept in storage) for the host only."""

from __future__ import annotations

import io
import os
import shutil
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sklearn import metrics as skm

from services.orchestrator.app import create_app as create_orchestrator
from services.orchestrator.config import OrchestratorSettings
from services.scorer.app import create_app as create_scorer
from services.scorer.config import ScorerSettings
from services.scorer.programs import PARTICIPANT_DETAIL
from shared.bus import Subscription
from shared.bus.memory import InProcessBus
from shared.events import (
    Event,
    ExecutionFinished,
    FailureReason,
    ScoreColumn,
    ScoringProgram,
    ScoringSpec,
    SubmissionScored,
    SubmissionScoringFailed,
)
from shared.scoring_runs import PROGRAMS_CONTAINER
from shared.storage import LocalStorage
from tests.conftest import INTERNAL_TOKEN
from tests.servers import serving
from tests.support import eventually

CID = uuid.UUID(int=41)
IDS = [f"r{i}" for i in range(8)]
TRUTH = [0, 1, 1, 0, 1, 0, 0, 1]
USAGE = ["Public", "Private"] * 4
PROBS = [0.2, 0.7, 0.4, 0.3, 0.9, 0.6, 0.1, 0.8]
LABELS = (
    "id,y,Usage\n" + "".join(f"{i},{t},{u}\n" for i, t, u in zip(IDS, TRUTH, USAGE, strict=True))
).encode()
PREDICTIONS = ("id,y\n" + "".join(f"{i},{p}\n" for i, p in zip(IDS, PROBS, strict=True))).encode()
BRIER = """
import csv, json
data = "/code_execution/data/"
probs = {r["id"]: float(r["y"]) for r in csv.DictReader(open(data + "predictions.csv"))}
parts = {"Public": [], "Private": []}
for r in csv.DictReader(open(data + "labels.csv")):
    parts[r["Usage"]].append((probs[r["id"]] - float(r["y"])) ** 2)
scores = {p.lower(): {"brier": sum(v) / len(v)} for p, v in parts.items()}
json.dump(scores, open("/code_execution/submission/scores.json", "w"))
"""
CRASHES = 'raise SystemExit("scoring program bug: the labels have no column z")\n'


def program(body: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("score.py", body)
    return buf.getvalue()


def brier(part: str) -> float:
    rows = [k for k, u in enumerate(USAGE) if u == part]
    return float(skm.brier_score_loss([TRUTH[k] for k in rows], [PROBS[k] for k in rows]))


async def test_a_sandboxed_program_scores_and_its_crash_is_the_hosts(
    data_dir: Path, runtimes_dir: Path
) -> None:
    if shutil.which("bwrap") is None or os.geteuid() != 0:
        pytest.fail("the sandbox needs bubblewrap and root: run `make test`, which installs it")
    storage = LocalStorage(data_dir / "storage")
    orchestrator_settings = OrchestratorSettings(
        data_dir=data_dir / "orchestrator",
        runtimes_dir=runtimes_dir,
        build_missing_runtimes=False,
        internal_token=INTERNAL_TOKEN,
    )
    orchestrator_bus = InProcessBus()
    orchestrator = create_orchestrator(orchestrator_settings, bus=orchestrator_bus, storage=storage)
    async with serving(orchestrator, orchestrator_settings) as served:
        bus = InProcessBus()
        received: list[Event] = []

        async def collect(event: Event) -> None:
            received.append(event)

        await bus.subscribe(Subscription(queue="probe", routing_keys=["submission.#"], handler=collect))
        settings = ScorerSettings(
            data_dir=data_dir / "scorer", internal_token=INTERNAL_TOKEN, orchestrator_url=served.url
        )
        scorer = create_scorer(settings, bus=bus, storage=storage)
        await storage.put_bytes("labels", f"{CID}/v1.csv", LABELS)
        await storage.put_bytes(PROGRAMS_CONTAINER, f"{CID}/1.zip", program(BRIER))
        await storage.put_bytes(PROGRAMS_CONTAINER, f"{CID}/2.zip", program(CRASHES))
        async with scorer.router.lifespan_context(scorer):
            runs = []
            for version in (1, 2):
                sid = uuid.uuid4()
                await storage.put_bytes("outputs", f"{sid}/1/predictions.csv", PREDICTIONS)
                spec = ScoringSpec(
                    metric="brier",
                    id_column="id",
                    target_columns=["y"],
                    labels_key=f"{CID}/v1.csv",
                    columns=[
                        ScoreColumn(key="brier", higher_is_better=False),
                        ScoreColumn(key="auc", metric="roc_auc"),
                    ],
                    program=ScoringProgram(
                        archive_key=f"{CID}/{version}.zip", time_limit_s=60, memory_mb=512
                    ),
                )
                run = ExecutionFinished(
                    submission_id=sid,
                    competition_id=CID,
                    team_id=uuid.UUID(int=1),
                    team_name="owls",
                    submitted_at=datetime(2026, 3, 1, tzinfo=UTC),
                    attempt=1,
                    predictions_key=f"{sid}/1/predictions.csv",
                    scoring=spec,
                )
                runs.append(run)
                await bus.publish(run)
            await eventually(
                lambda: len(received) >= 2, 120, interval=0.05, what=lambda: f"both outcomes ({received})"
            )
        await bus.close()
    await orchestrator_bus.close()
    by_submission = {e.submission_id: e for e in received}  # type: ignore[attr-defined]
    scored, failed = (by_submission[r.submission_id] for r in runs)
    assert isinstance(scored, SubmissionScored)
    assert scored.scores["brier"] == pytest.approx(brier("Public"))
    assert scored.private_scores["brier"] == pytest.approx(brier("Private"))
    assert (scored.metric, scored.higher_is_better) == ("brier", False)
    assert isinstance(failed, SubmissionScoringFailed)
    assert (failed.reason, failed.detail) == (FailureReason.INTERNAL_ERROR, PARTICIPANT_DETAIL)
    assert failed.scoring_log_key is not None
    assert b"scoring program bug" in await storage.get_bytes("outputs", failed.scoring_log_key)
