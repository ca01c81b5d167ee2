"""Consumers of ``submission.queued`` and ``submission.cancelled``.

A handler only records what to do, in one transaction with the inbox claim, and acks
at once; the scheduler runs the submission. Running it inside the handler would hold a
bus delivery for the whole run and redeliver (run again) on any hiccup.

With several replicas, any of them may receive a cancellation: the flag it writes
(``cancel_requested``) reaches the replica that holds the run through the database
(that replica's scheduler round or lease renewal, ``leases.py``); a run held here is
stopped at once.
"""

from __future__ import annotations

import structlog

from services.orchestrator import repository
from services.orchestrator.models import ExecutionStatus, inbox
from services.orchestrator.scheduler import Scheduler
from shared.bus.base import Subscription
from shared.db import claim_event, transaction
from shared.events import Event, SubmissionCancelled, SubmissionQueued
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

QUEUE = "orchestrator"


class SubmissionConsumer:
    def __init__(self, rt: ServiceRuntime, scheduler: Scheduler) -> None:
        self.rt = rt
        self.scheduler = scheduler

    def subscription(self) -> Subscription:
        return Subscription(
            queue=QUEUE,
            routing_keys=["submission.queued", "submission.cancelled"],
            handler=self.handle,
        )

    async def handle(self, event: Event) -> None:
        if isinstance(event, SubmissionQueued):
            await self.on_queued(event)
        elif isinstance(event, SubmissionCancelled):
            await self.on_cancelled(event)

    async def on_queued(self, event: SubmissionQueued) -> None:
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            if not await claim_event(session, inbox, event):
                return
            added = await repository.insert_queued(session, event)
        if added:
            log.info("execution.queued", submission_id=str(event.submission_id))
            self.scheduler.wake()

    async def on_cancelled(self, event: SubmissionCancelled) -> None:
        sid = str(event.submission_id)
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            if not await claim_event(session, inbox, event):
                return
            previous = await repository.request_cancel(session, sid)
        log.info("execution.cancel_requested", submission_id=sid, status=previous)
        if previous == ExecutionStatus.RUNNING and not self.scheduler.cancel(sid):
            log.info("execution.cancel_left_to_holder", submission_id=sid)
