"""Rescoring a competition's stage: every submission of the stage ever scored, against a
new spec, split between every scorer replica.

``RescoreRequestedConsumer`` records a ``competition.rescore_requested``: one ``rescores``
row per ``rescore_id`` and one ``rescore_items`` row per submission to rescore, in one
transaction (a redelivered request finds the row and only wakes the worker).

``RescoreWorker``, a background loop of every replica (``shared.loops``), works through
every running rescoring: it checks the new labels once (an unusable spec fails the
rescoring, the old scores stand; a usable one is recorded, and only from then on do
earlier rescorings leave their items to this one, counted ``superseded``), then takes
the claim on the next item nobody holds (``claims.take_next``) and has
``judging.Judge.rescore`` score it, save the new outcome, stage ``submission.scored``
(or ``submission.scoring_failed`` when the predictions no longer fit the new labels)
and mark the item done, in ONE transaction. Replicas take
different items; one that dies leaves at most the item in flight, whose claim expires
and is taken over by another; no submission is announced twice for one rescoring, none
is missed. The replica that sees no item left pending ends the rescoring.

An item whose predictions (or labels) cannot be read (``TransientError``) is tried again
at a later round, after the others (the least tried go first), and given up after
``rescore_item_tries`` tries: it fails with the platform's ``internal_error``, so one
unreadable blob cannot keep a rescoring from ending.

A stage scored by a program runs it again on each submission under run ids of their own
(``<submission>-<attempt>-r<rescore>-<try>``), so the logs of the run's first scoring are
kept.
"""

from __future__ import annotations

import structlog

from services.scorer import repository
from services.scorer.claims import ClaimLost
from services.scorer.config import ScorerSettings
from services.scorer.judging import Judge, SpecUnusable
from services.scorer.models import inbox
from services.scorer.repository import Rescore
from shared.bus import TransientError
from shared.db import claim_event, transaction
from shared.events import CompetitionRescoreRequested, Event, utcnow
from shared.loops import BackgroundLoop
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

# items one rescoring gets in a row before the worker looks at the others again
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
                items = await repository.add_rescore(
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
                    items=items,
                )
        self.worker.wake()


class RescoreWorker:
    def __init__(self, runtime: ServiceRuntime, settings: ScorerSettings, judge: Judge) -> None:
        self.rt = runtime
        self.judge = judge
        # an item held by a replica that died is free once its claim expires: look again
        # by then, not only at the (longer) poll
        interval = min(settings.rescore_poll_seconds, settings.scoring_claim_ttl_s)
        self.loop = BackgroundLoop("scorer-rescore-worker", self.step, interval_s=interval)

    def start(self) -> None:
        """Also resumes any rescoring an earlier process left unfinished."""
        self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    def wake(self) -> None:
        self.loop.wake()

    async def step(self) -> bool:
        """One pass over the running rescorings; True when it rescored something (the loop
        then goes round again at once)."""
        async with self.rt.sessionmaker() as session:
            running = await repository.running_rescores(session)
        worked = False
        for rescore in running:
            worked = await self.process(rescore) or worked
        return worked

    async def process(self, rescore: Rescore) -> bool:
        """Up to ``BATCH`` of the rescoring's items; True if it did any."""
        done = 0
        try:
            await self.judge.prepared(rescore.spec)
            if rescore.spec_checked_at is None:
                async with transaction(self.rt.sessionmaker) as session:
                    await repository.mark_spec_checked(session, rescore.rescore_id, utcnow())
            while done < BATCH and (claim := await self.judge.claims.take_next(rescore.rescore_id)):
                try:
                    await self.judge.rescore(rescore, claim)
                except TransientError as exc:
                    # its try is counted (``Judge.rescore``); the others go first, and this
                    # one comes back at a later round
                    log.warning(
                        "rescore.item_deferred",
                        rescore_id=str(rescore.rescore_id),
                        submission_id=str(claim.submission_id),
                        lost=isinstance(exc, ClaimLost),
                        error=str(exc),
                    )
                    return done > 0
                done += 1
        except SpecUnusable as exc:
            await self._fail(rescore, exc.failure.host_detail or exc.failure.detail)
            return False
        if done < BATCH:
            await self._finish(rescore)
        return done > 0

    async def _finish(self, rescore: Rescore) -> None:
        async with transaction(self.rt.sessionmaker) as session:
            # only once no item is pending (others may still be held by other replicas)
            if not await repository.finish_rescore(session, rescore.rescore_id, "done", utcnow()):
                return
            ended = await repository.get_rescore(session, rescore.rescore_id)
        log.info(
            "rescore.done",
            rescore_id=str(rescore.rescore_id),
            rescored=ended.rescored if ended else None,
            failed=ended.failed if ended else None,
            skipped=ended.skipped if ended else None,
            superseded=ended.superseded if ended else None,
        )

    async def _fail(self, rescore: Rescore, detail: str) -> None:
        # the new spec itself is unusable: nothing more is rescored, the old scores stand
        async with transaction(self.rt.sessionmaker) as session:
            failed = await repository.finish_rescore(session, rescore.rescore_id, "failed", utcnow(), detail)
        if failed:
            log.error("rescore.unusable_spec", rescore_id=str(rescore.rescore_id), detail=detail)
