"""The scorer's use case: judge a run. Called by thin adapters, the finished-run consumer
(``consumers``) and the rescore worker (``rescoring``), on every replica.

``Judge.evaluate`` fetches the predictions and the (cached, ``labels_cache``) labels,
validates and scores them (and runs the stage's scoring program, ``programs``), and is
the ONE place where what can go wrong becomes an outcome: a ``Failure`` with its
``Fault`` (the participant's, the spec's, the platform's, the program's), or, for what
another try may fix (storage unreachable), ``TransientError``, so the bus redelivers
the event or the rescore worker comes back to the submission.

``judge_run`` (an ``execution.finished``) and ``rescore`` (one item of a rescoring)
hold the submission's claim (``claims``) from before the first read to the transaction
that records the outcome and stages its event, so no submission is judged twice at
once across replicas; that transaction also checks the claim is still theirs.

A run submitted before its stage's latest rescoring was requested is scored with that
rescoring's spec, not with the (older) snapshot in its event, so a run that finishes
while a rescoring is under way cannot slip through with the old labels. A stage scored
by a program: the predictions are validated (and the registry's columns computed)
first, so a participant's mistake stays ``invalid_predictions``; the program's failure
is the host's (``internal_error`` with its log key, a detail that tells the participant
nothing of it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.scorer import repository
from services.scorer.claims import Claim, ClaimHeld, Claims
from services.scorer.config import ScorerSettings
from services.scorer.labels_cache import LabelsCache
from services.scorer.models import inbox
from services.scorer.outcomes import Failure, Fault, Submission, record_outcome
from services.scorer.programs import PARTICIPANT_DETAIL, ProgramFailed, ScoringPrograms
from services.scorer.repository import Rescore
from services.scorer.scoring import Prepared, Scores, score_prepared, with_program
from services.scorer.validation import InvalidPredictions, ScoringProblem
from shared.bus import TransientError
from shared.db import claim_event, transaction
from shared.events import ExecutionFinished, FailureReason, ScoringSpec, utcnow
from shared.retry import retrying
from shared.runtime import ServiceRuntime
from shared.scoring_runs import StorageRef
from shared.storage import BlobNotFound, ObjectTooLarge, StorageError

log = structlog.get_logger(__name__)

LABELS_CACHED = 3


class SpecUnusable(Exception):
    """The spec's labels cannot be read or parsed: every run scored with it fails alike."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.host_detail)
        self.failure = failure


class Judge:
    def __init__(
        self, runtime: ServiceRuntime, settings: ScorerSettings, programs: ScoringPrograms, claims: Claims
    ) -> None:
        self.rt = runtime
        self.settings = settings
        self.programs = programs
        self.claims = claims
        self.labels = LabelsCache(runtime.storage, LABELS_CACHED)

    # --- the one mapping from what went wrong to an outcome ----------------------------

    async def prepared(self, spec: ScoringSpec) -> Prepared:
        """The spec's parsed labels; raises ``SpecUnusable`` or ``TransientError``."""
        try:
            return await self.labels.prepared(spec)
        except BlobNotFound:
            raise SpecUnusable(
                Failure(
                    FailureReason.INTERNAL_ERROR,
                    "the competition's hidden labels are missing from storage, so the run could not be "
                    "scored; this is the platform's fault, not your submission's",
                    Fault.SPEC,
                    host_detail=f"labels {spec.labels_key!r} not found",
                )
            ) from None
        except ScoringProblem as exc:
            raise SpecUnusable(_platform_failure(exc, Fault.SPEC)) from None
        except StorageError as exc:
            raise TransientError(f"reading the labels {spec.labels_key!r} failed: {exc}") from exc

    async def evaluate(self, submission: Submission, spec: ScoringSpec, run_prefix: str) -> Scores | Failure:
        """Every column of the spec for the submission's predictions, or why there are none.
        ``run_prefix``: what the scoring program's run ids start with."""
        key = submission.predictions_key
        if not key:
            return Failure(
                FailureReason.MISSING_PREDICTIONS,
                "the run finished without writing a predictions file",
                Fault.NO_PREDICTIONS,
            )
        limit = self.settings.max_predictions_bytes
        try:
            predictions = await self.rt.storage.get_bytes("outputs", key, max_bytes=limit)
        except BlobNotFound:
            return Failure(
                FailureReason.MISSING_PREDICTIONS,
                "the run finished but wrote no predictions file; write it to /code_execution/submission/",
                Fault.NO_PREDICTIONS,
            )
        except ObjectTooLarge:
            return Failure(
                FailureReason.INVALID_PREDICTIONS,
                f"the predictions file is larger than the {_human_bytes(limit)} limit",
                Fault.NO_PREDICTIONS,
            )
        except StorageError as exc:
            raise TransientError(f"reading the predictions {key!r} failed: {exc}") from exc
        try:
            prepared = await self.prepared(spec)
            scores = await asyncio.to_thread(score_prepared, predictions, prepared)
        except SpecUnusable as exc:
            log.error("scoring.spec_unusable", labels_key=spec.labels_key, detail=exc.failure.host_detail)
            return exc.failure
        except InvalidPredictions as exc:
            return Failure(FailureReason.INVALID_PREDICTIONS, exc.detail, Fault.PREDICTIONS)
        except ScoringProblem as exc:
            log.error(
                "scoring.platform_problem", submission_id=str(submission.submission_id), detail=exc.detail
            )
            return _platform_failure(exc, Fault.PLATFORM)
        if spec.program is None:
            return scores
        outcome = await self.programs.run(
            spec.program,
            run_prefix,
            StorageRef(container="outputs", key=key),
            StorageRef(container="labels", key=spec.labels_key),
            prepared.program_keys,
            is_smoke=submission.is_smoke,
            private_rows=scores.private is not None,
        )
        if isinstance(outcome, ProgramFailed):
            log.error(
                "scoring.program_gave_up",
                run_prefix=run_prefix,
                detail=outcome.detail,
                log_key=outcome.log_key,
            )
            return Failure(
                FailureReason.INTERNAL_ERROR,
                PARTICIPANT_DETAIL,
                Fault.PROGRAM,
                scoring_log_key=outcome.log_key,
                host_detail=outcome.detail,
            )
        return with_program(scores, prepared, outcome.public, outcome.private)

    # --- a finished run ---------------------------------------------------------------

    async def judge_run(self, event: ExecutionFinished) -> Scores | Failure | None:
        """Judge the run, record its outcome and stage its event; None: nothing to do (a
        duplicate, or an attempt no newer than the one already judged)."""
        # no look before the claim: a duplicate (rare) costs a claim taken and dropped,
        # while every run saves a session; under the claim one read decides both
        # whether there is anything to do and which spec applies
        claim = await self._wait_for_claim(event.submission_id)
        async with self.claims.holding(claim):
            async with self.rt.sessionmaker() as session:
                if await _already_judged(session, event):  # by another holder, or a duplicate
                    return None
                spec, rescore_id = await _applicable_spec(session, event)
            submission = Submission.of_run(event)
            outcome = await self.evaluate(submission, spec, f"{event.submission_id}-{event.attempt}")
            async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
                await claim.release(session)
                await repository.stage_lock(session, submission.stage, exclusive=False)
                if (await _applicable_spec(session, event))[1] != rescore_id:
                    raise TransientError(
                        "a rescoring was requested while this run was being scored; scoring it again"
                    )
                if not await claim_event(session, inbox, event):
                    return None
                existing = await repository.get(session, event.submission_id)
                if existing is not None and existing.supersedes(event.attempt):
                    return None
                await record_outcome(session, submission, outcome, spec.metric, replace=existing is not None)
        return outcome

    async def _wait_for_claim(self, submission_id: uuid.UUID) -> Claim:
        """The submission's claim, waiting a while for a holder elsewhere to finish; then
        ``ClaimHeld`` (transient: the bus redelivers the event later)."""
        async for attempt in retrying(ClaimHeld, attempts=8, timeout_s=2 * self.claims.ttl.total_seconds()):
            with attempt:
                claim = await self.claims.take(submission_id)
                if claim is None:
                    raise ClaimHeld(f"submission {submission_id} is being judged elsewhere")
                return claim
        raise AssertionError("retrying() re-raises its last error")  # pragma: no cover

    # --- one submission of a rescoring ------------------------------------------------

    async def rescore(self, rescore: Rescore, claim: Claim) -> str:
        """Rescore the claimed item, record it, stage its event and mark it done; returns
        how it counts ("rescored" | "failed" | "skipped": nothing to score it with |
        "superseded": a later rescoring of the stage rescores it). Raises ``SpecUnusable``
        when the new spec fails every submission alike (the caller ends the rescoring), and
        ``TransientError`` when what it needs cannot be read yet (under
        ``rescore_item_tries`` tries; after that the item fails)."""
        sid = claim.submission_id
        async with self.claims.holding(claim):
            submission, outcome, counted = await self._rescored(rescore, sid)
            detail = (outcome.host_detail or outcome.detail) if isinstance(outcome, Failure) else ""
            async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
                await claim.release(session)
                # the item first: one already done (it cannot be, under the claim) announces nothing
                if (
                    await repository.finish_item(session, rescore.rescore_id, sid, counted, utcnow(), detail)
                    and outcome is not None
                    and submission is not None
                ):
                    await record_outcome(
                        session,
                        submission,
                        outcome,
                        rescore.spec.metric,
                        replace=True,
                        rescore_id=rescore.rescore_id,
                    )
        return counted

    async def _rescored(
        self, rescore: Rescore, sid: uuid.UUID
    ) -> tuple[Submission | None, Scores | Failure | None, str]:
        """The submission, its new outcome (None: its old outcome stands) and how the item
        counts."""
        async with self.rt.sessionmaker() as session:
            record = await repository.get(session, sid)
            later = await repository.overtaking_rescore(session, rescore)
        if later is not None:
            # a later rescoring of the stage, whose labels were found usable, has this
            # submission too: its spec wins
            log.info(
                "rescore.superseded",
                rescore_id=str(rescore.rescore_id),
                by=str(later.rescore_id),
                submission_id=str(sid),
            )
            return None, None, "superseded"
        submission = Submission.of_record(record, rescore.stage_id) if record else None
        if record is None or submission is None:
            log.warning("rescore.skipped_without_team", submission_id=str(sid))
            return None, None, "skipped"
        run_prefix = f"{sid}-{record.attempt}-r{rescore.rescore_id.hex[:12]}"
        try:
            outcome = await self.evaluate(submission, rescore.spec, run_prefix)
        except TransientError as exc:
            outcome = await self._tried(rescore, sid, exc)
        if isinstance(outcome, Scores):
            return submission, outcome, "rescored"
        if outcome.fault is Fault.SPEC:
            raise SpecUnusable(outcome)
        if outcome.fault is Fault.NO_PREDICTIONS:
            # nothing to score it with
            log.warning("rescore.predictions_missing", submission_id=str(sid), detail=outcome.detail)
            return submission, None, "skipped"
        if outcome.fault in (Fault.PREDICTIONS, Fault.PLATFORM):
            outcome = dataclasses.replace(outcome, detail=f"after rescoring: {outcome.detail}")
        return submission, outcome, "failed"

    async def _tried(self, rescore: Rescore, sid: uuid.UUID, exc: TransientError) -> Failure:
        """Count a failed try of the item (in a transaction of its own: the caller's error
        rolls everything else back); re-raise ``exc`` until the tries are used up, then the
        platform's failure that the item ends with."""
        async with transaction(self.rt.sessionmaker) as session:
            tries = await repository.count_try(session, rescore.rescore_id, sid)
        limit = self.settings.rescore_item_tries
        if tries < limit:
            log.warning(
                "rescore.item_retry", rescore_id=str(rescore.rescore_id), submission_id=str(sid), tries=tries
            )
            raise exc
        log.error(
            "rescore.item_given_up",
            rescore_id=str(rescore.rescore_id),
            submission_id=str(sid),
            tries=tries,
            error=str(exc),
        )
        return Failure(
            FailureReason.INTERNAL_ERROR,
            "the run could not be scored again because the platform could not read its predictions "
            "or the new labels from storage; this is the platform's fault, not your submission's",
            Fault.PLATFORM,
            host_detail=f"gave up after {tries} tries (rescore_item_tries): {exc}",
        )


async def _already_judged(session: AsyncSession, event: ExecutionFinished) -> bool:
    """Whether ``event`` was handled (the inbox) or a run no older than it was judged."""
    seen = await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == str(event.event_id)))
    if seen is not None:
        return True
    existing = await repository.get(session, event.submission_id)
    return existing is not None and existing.supersedes(event.attempt)


async def _applicable_spec(
    session: AsyncSession, event: ExecutionFinished
) -> tuple[ScoringSpec, uuid.UUID | None]:
    """The spec to score ``event`` with, and the rescoring it comes from (None: the event's)."""
    if event.is_smoke:
        return event.scoring, None
    latest = await repository.latest_rescore(
        session, event.competition_id, event.stage_id or event.competition_id
    )
    if latest is None or latest.requested_at <= event.submitted_at:
        return event.scoring, None
    return latest.spec, latest.rescore_id


def _platform_failure(exc: ScoringProblem, fault: Fault) -> Failure:
    return Failure(
        FailureReason.INTERNAL_ERROR,
        f"the run could not be scored because of a problem on the platform's side: {exc.detail}",
        fault,
        host_detail=exc.detail,
    )


def _human_bytes(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n} bytes"
