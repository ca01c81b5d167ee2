"""Rescoring a competition's stage: every submission of the stage ever scored, against a new spec.

``RescoreRequestedConsumer`` records a ``competition.rescore_requested`` (one
``rescores`` row per ``rescore_id``; a redelivered request finds it and only wakes the
worker). ``RescoreWorker``, a background task of the scorer, works through every
running rescoring: it parses the new labels once, then for each submission in id
order reads the run's predictions from storage, scores them, and in ONE transaction
saves the new outcome, stages ``submission.scored`` (or ``submission.scoring_failed``
when the predictions no longer fit the new labels) and advances the rescoring's
cursor. An interruption (a crash, a restart, a storage error) loses at most the
submission in flight, and the work resumes after the cursor: no submission is
announced twice for one rescoring, none is missed.

A stage scored by a program runs it again on each submission (``consumers.score_run``),
under run ids of their own (``<submission>-<attempt>-r<rescore>-<try>``) so the logs of
the run's first scoring are kept.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import structlog

from services.scorer import repository
from services.scorer.config import ScorerSettings
from services.scorer.consumers import Failure, outcome_event, outcome_record, score_run
from services.scorer.models import inbox, outbox
from services.scorer.programs import ScoringPrograms
from services.scorer.repository import Rescore, ScoreRecord
from services.scorer.scoring import Prepared, Scores, prepare
from services.scorer.validation import InvalidPredictions, ScoringProblem
from shared.aio import wait_event
from shared.db import add_event, claim_event, transaction
from shared.events import CompetitionRescoreRequested, Event, FailureReason, utcnow
from shared.runs import output_keys
from shared.runtime import ServiceRuntime
from shared.storage import BlobNotFound, ObjectTooLarge, StorageError

log = structlog.get_logger(__name__)

BATCH = 50


class RescoreRequestedConsumer:
    def __init__(self, runtime: ServiceRuntime, worker: RescoreWorker) -> None:
        self.rt = runtime
        self.worker = worker

    async def handle(self, event: Event) -> None:
        if not isinstance(event, CompetitionRescoreRequested):
            return
        async with transaction(self.rt.sessionmaker) as session:
            if (
                await claim_event(session, inbox, event)
                and await repository.get_rescore(session, event.rescore_id) is None
            ):
                await repository.add_rescore(
                    session,
                    event.rescore_id,
                    event.competition_id,
                    event.stage_id or event.competition_id,
                    event.scoring,
                    event.occurred_at,
                )
                log.info(
                    "rescore.requested",
                    rescore_id=str(event.rescore_id),
                    competition_id=str(event.competition_id),
                    stage_id=str(event.stage_id or event.competition_id),
                )
        self.worker.wake()


class RescoreWorker:
    def __init__(self, runtime: ServiceRuntime, settings: ScorerSettings, programs: ScoringPrograms) -> None:
        self.rt = runtime
        self.settings = settings
        self.programs = programs
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled: finish every running rescoring, then wait for a wake-up."""
        while True:
            self._wake.clear()
            try:
                async with self.rt.sessionmaker() as session:
                    running = await repository.running_rescores(session)
                for rescore_id in running:
                    await self.process(rescore_id)
            except (StorageError, OSError) as exc:
                log.warning("rescore.interrupted", error=str(exc))
            except Exception:
                log.exception("rescore.crashed")
            await wait_event(self._wake, self.settings.rescore_poll_seconds)

    async def process(self, rescore_id: uuid.UUID) -> None:
        async with self.rt.sessionmaker() as session:
            rescore = await repository.get_rescore(session, rescore_id)
        if rescore is None or rescore.status != "running":
            return
        prepared = await self._prepare(rescore)
        if prepared is None:
            return
        cursor = rescore.cursor
        while True:
            async with self.rt.sessionmaker() as session:
                batch = await repository.rescorable(
                    session, rescore.competition_id, rescore.stage_id, cursor, BATCH
                )
            if not batch:
                break
            for record in batch:
                await self._rescore_one(rescore, prepared, record)
                cursor = str(record.submission_id)
        async with transaction(self.rt.sessionmaker) as session:
            await repository.finish_rescore(session, rescore_id, "done", utcnow())
            done = await repository.get_rescore(session, rescore_id)
        log.info(
            "rescore.done",
            rescore_id=str(rescore_id),
            rescored=done.rescored if done else None,
            failed=done.failed if done else None,
            skipped=done.skipped if done else None,
        )

    async def _prepare(self, rescore: Rescore) -> Prepared | None:
        try:
            labels = await self.rt.storage.get_bytes("labels", rescore.spec.labels_key)
            return await asyncio.to_thread(prepare, labels, rescore.spec)
        except (BlobNotFound, ScoringProblem) as exc:
            # the new spec itself is unusable: nothing is rescored, the old scores stand
            detail = (
                f"labels {rescore.spec.labels_key!r} not found"
                if isinstance(exc, BlobNotFound)
                else exc.detail
            )
            async with transaction(self.rt.sessionmaker) as session:
                await repository.finish_rescore(session, rescore.rescore_id, "failed", utcnow(), detail)
            log.error("rescore.unusable_spec", rescore_id=str(rescore.rescore_id), detail=detail)
            return None

    async def _rescore_one(self, rescore: Rescore, prepared: Prepared, record: ScoreRecord) -> None:
        sid = str(record.submission_id)
        if record.team_id is None or record.team_name is None or record.submitted_at is None:
            async with transaction(self.rt.sessionmaker) as session:
                await repository.advance_rescore(session, rescore.rescore_id, sid, "skipped")
            log.warning("rescore.skipped_without_team", submission_id=sid)
            return
        key = record.predictions_key or output_keys(record.submission_id, record.attempt).predictions
        outcome: Scores | Failure | None
        try:
            predictions = await self.rt.storage.get_bytes(
                "outputs", key, max_bytes=self.settings.max_predictions_bytes
            )
            run_prefix = f"{record.submission_id}-{record.attempt}-r{rescore.rescore_id.hex[:12]}"
            outcome = await score_run(predictions, prepared, self.programs, run_prefix, key, record.is_smoke)
        except (BlobNotFound, ObjectTooLarge):
            outcome = None  # the old score stands; nothing to score it with
        except InvalidPredictions as exc:
            outcome = Failure(FailureReason.INVALID_PREDICTIONS, f"after rescoring: {exc.detail}")
        except ScoringProblem as exc:
            outcome = Failure(FailureReason.INTERNAL_ERROR, f"after rescoring: {exc.detail}")
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            if outcome is None:
                await repository.advance_rescore(session, rescore.rescore_id, sid, "skipped")
                log.warning("rescore.predictions_missing", submission_id=sid, key=key)
                return
            base: dict[str, Any] = {
                "submission_id": record.submission_id,
                "competition_id": record.competition_id,
                "attempt": record.attempt,
                "team_id": record.team_id,
                "team_name": record.team_name,
                "submitted_at": record.submitted_at,
                "is_smoke": record.is_smoke,
                "predictions_key": record.predictions_key,
                "stage_id": rescore.stage_id,
                "purpose": record.purpose,
            }
            new = outcome_record(base, outcome, rescore.spec.metric, rescore.rescore_id)
            await repository.save(session, new, replace=True)
            failure = None if isinstance(outcome, Scores) else outcome
            announced = outcome_event(
                new,
                record.team_id,
                record.team_name,
                record.submitted_at,
                failure.reason if failure else None,
                rescore.stage_id,
                failure.scoring_log_key if failure else None,
            )
            await add_event(session, outbox, announced)
            await repository.advance_rescore(
                session, rescore.rescore_id, sid, "rescored" if isinstance(outcome, Scores) else "failed"
            )
