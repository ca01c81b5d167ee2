"""The gateway's consumers (queue "gateway") and its dead-letter handler.

Each event is handled in ONE transaction: claim it in the inbox (a duplicate stops
there), lock the submission, apply the lifecycle. Dead letters from any service end
the submission they name as ``failed``/``internal_error``, so nothing waits forever.
"""

from __future__ import annotations

import json
import uuid

import structlog
from sqlalchemy.exc import OperationalError

from services.gateway.models import inbox
from services.gateway.submissions import lifecycle
from services.gateway.submissions import repository as submissions
from services.gateway.webhooks.enqueue import enqueue as enqueue_webhooks
from shared.bus.base import Subscription, TransientError
from shared.db import claim_event, transaction
from shared.events import (
    Event,
    ExecutionFinished,
    ExecutionStarted,
    SubmissionScored,
    SubmissionScoringFailed,
    parse_event,
)
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

QUEUE = "gateway"
DEAD_LETTER_QUEUE = "dead-letters"
ROUTING_KEYS = ("execution.started", "execution.finished", "submission.scored", "submission.scoring_failed")


class GatewayConsumers:
    def __init__(self, rt: ServiceRuntime) -> None:
        self.rt = rt

    def subscription(self) -> Subscription:
        return Subscription(queue=QUEUE, routing_keys=list(ROUTING_KEYS), handler=self.handle)

    async def handle(self, event: Event) -> None:
        if not isinstance(
            event, ExecutionStarted | ExecutionFinished | SubmissionScored | SubmissionScoringFailed
        ):
            log.info("consumer.ignored", type=event.type)
            return
        try:
            async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
                if not await claim_event(session, inbox, event):
                    log.info("consumer.duplicate", event_id=str(event.event_id), type=event.type)
                    return
                submission = await submissions.get(session, event.submission_id, for_update=True)
                if submission is None:
                    log.warning(
                        "consumer.unknown_submission", submission_id=str(event.submission_id), type=event.type
                    )
                    return
                # a host's reproduction is no competition news: no webhook
                if (
                    lifecycle.apply(submission, event)
                    and isinstance(event, SubmissionScored | SubmissionScoringFailed)
                    and submission.purpose != "reproduce"
                ):
                    await enqueue_webhooks(session, event)
        except OperationalError as exc:
            # a lost race for SQLite's write lock, a dropped connection: try again later
            raise TransientError(repr(exc)) from exc

    async def on_dead_letter(self, body: bytes, why: str) -> None:
        submission_id, event_type = _identify(body)
        log.error("consumer.dead_letter", submission_id=str(submission_id), type=event_type, why=why)
        if submission_id is None:
            return
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            submission = await submissions.get(session, submission_id, for_update=True)
            if submission is None:
                return
            if lifecycle.fail_internal(submission, f"{event_type or 'a message'} could not be processed"):
                log.warning("submission.internal_error", submission_id=str(submission_id), why=why)


def _identify(body: bytes) -> tuple[uuid.UUID | None, str | None]:
    """The submission a dead message is about (even when it is not a valid event)."""
    try:
        event = parse_event(body)
    except Exception:
        try:
            raw = json.loads(body)
        except ValueError:
            return None, None
        if not isinstance(raw, dict):
            return None, None
        try:
            sid = uuid.UUID(str(raw.get("submission_id")))
        except ValueError:
            sid = None
        kind = raw.get("type")
        return sid, kind if isinstance(kind, str) else None
    return getattr(event, "submission_id", None), event.type
