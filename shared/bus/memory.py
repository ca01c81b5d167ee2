"""In-process bus for the embedded ``holdout up``: same contract as RabbitMQ.

Each subscription is a queue with its own consumer tasks (``prefetch`` of them), so a
slow handler in one service does not hold up another. A handler that raises gets the
message again after a backoff, up to ``max_deliveries``; then, or at once for a
``PermanentError``, the message goes to the dead-letter handlers. A ``TransientError``
is redelivered after the retry policy's backoff without counting toward
``max_deliveries``, up to ``transient_retries`` times (see ``Subscription``).

Messages live in memory only (the bus is not ``durable``), so the durable copy of each
one stays its publisher's outbox row: the outbox relay hands rows over with
``publish_tracked``, and the bus reports a message settled once every subscription it
was routed to has acked it (its handler returned, after its transaction committed) or
dead-lettered it; only then does the relay mark the row sent. What a crash of the
process leaves unsettled is handed over again by the relay at the next start, and the
consumers' inboxes absorb what had been handled already.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import structlog

from shared.bus.base import (
    DELIVERIES,
    Bus,
    DeadLetterHandler,
    PermanentError,
    Settled,
    Subscription,
    TransientError,
    topic_matches,
)
from shared.context import set_correlation_id
from shared.events import BaseEvent, dump_event, parse_event

log = structlog.get_logger(__name__)


@dataclass
class _Publication:
    """One published message, shared by the queues it was routed to: settled when the
    last of them has acked or dead-lettered it."""

    settled: Settled | None
    unsettled: int = 0

    def settle_one(self) -> None:
        self.unsettled -= 1
        if self.unsettled == 0 and self.settled is not None:
            self.settled()


@dataclass
class _Message:
    routing_key: str
    body: bytes
    message_id: str
    publication: _Publication
    delivery: int = 1  # counts the deliveries that failed for any reason but a transient one
    transient: int = 0  # redeliveries so far after a TransientError


class InProcessBus(Bus):
    durable = False

    def __init__(self, *, hold_until_released: bool = False) -> None:
        # ``holdout up`` holds publications until every service has subscribed, as a
        # broker with durable queues would have kept them.
        self._held: list[tuple[str, bytes, str, Settled | None]] | None = [] if hold_until_released else None
        self._subs: list[tuple[Subscription, asyncio.Queue[_Message]]] = []
        self._dead: list[DeadLetterHandler] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.dead_letters: list[tuple[bytes, str]] = []

    async def start(self) -> None:
        self._closed = False

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    async def ready(self) -> bool:
        return not self._closed

    async def publish(self, event: BaseEvent) -> None:
        await self.publish_raw(event.type, dump_event(event), str(event.event_id))  # type: ignore[attr-defined]

    def release(self) -> None:
        held, self._held = self._held or [], None
        for routing_key, body, message_id, settled in held:
            self._route(routing_key, body, message_id, settled)

    async def publish_raw(self, routing_key: str, body: bytes, message_id: str) -> None:
        self._accept(routing_key, body, message_id, None)

    async def publish_tracked(self, routing_key: str, body: bytes, message_id: str, settled: Settled) -> None:
        self._accept(routing_key, body, message_id, settled)

    def _accept(self, routing_key: str, body: bytes, message_id: str, settled: Settled | None) -> None:
        if self._held is not None:
            self._held.append((routing_key, body, message_id, settled))
            return
        self._route(routing_key, body, message_id, settled)

    def _route(self, routing_key: str, body: bytes, message_id: str, settled: Settled | None) -> None:
        queues = [q for sub, q in self._subs if any(topic_matches(p, routing_key) for p in sub.routing_keys)]
        if not queues:  # nobody consumes it: nothing to wait for
            if settled is not None:
                settled()
            return
        publication = _Publication(settled, unsettled=len(queues))
        for queue in queues:
            queue.put_nowait(_Message(routing_key, body, message_id, publication))

    async def subscribe(self, subscription: Subscription) -> None:
        queue: asyncio.Queue[_Message] = asyncio.Queue()
        self._subs.append((subscription, queue))
        for _ in range(max(1, subscription.prefetch)):
            self._spawn(self._consume(subscription, queue))

    async def subscribe_dead_letters(self, queue: str, handler: DeadLetterHandler) -> None:
        self._dead.append(handler)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _consume(self, sub: Subscription, queue: asyncio.Queue[_Message]) -> None:
        while True:
            msg = await queue.get()
            try:
                event = parse_event(msg.body)
            except Exception as exc:  # a body that is not an event can never succeed
                await self._dead_letter(msg, f"unparseable: {exc}")
                continue
            set_correlation_id(event.correlation_id)
            try:
                await sub.handler(event)
            except asyncio.CancelledError:
                raise
            except PermanentError as exc:
                log.warning("bus.rejected", queue=sub.queue, type=msg.routing_key, error=str(exc))
                DELIVERIES.labels(sub.queue, msg.routing_key, "dead_lettered").inc()
                await self._dead_letter(msg, f"rejected by {sub.queue}: {exc}")
            except TransientError as exc:
                await self._retry_transient(sub, queue, msg, exc)
            except Exception as exc:
                log.warning(
                    "bus.handler_failed",
                    queue=sub.queue,
                    type=msg.routing_key,
                    delivery=msg.delivery,
                    error=repr(exc),
                )
                if msg.delivery >= sub.max_deliveries:
                    DELIVERIES.labels(sub.queue, msg.routing_key, "dead_lettered").inc()
                    await self._dead_letter(
                        msg, f"{sub.queue} failed {msg.delivery} times; last error: {exc!r}"
                    )
                else:
                    DELIVERIES.labels(sub.queue, msg.routing_key, "retried").inc()
                    self._spawn(self._redeliver(queue, msg, sub.backoff(msg.delivery), counted=True))
            else:
                DELIVERIES.labels(sub.queue, msg.routing_key, "acked").inc()
                msg.publication.settle_one()  # the handler's transaction has committed
            finally:
                set_correlation_id(None)

    async def _retry_transient(
        self, sub: Subscription, queue: asyncio.Queue[_Message], msg: _Message, exc: TransientError
    ) -> None:
        """Redeliver after a backoff, not counted toward ``max_deliveries``; dead-letter
        once ``transient_retries`` are spent."""
        msg.transient += 1
        log.warning(
            "bus.handler_failed_transiently",
            queue=sub.queue,
            type=msg.routing_key,
            retry=msg.transient,
            error=str(exc),
        )
        if msg.transient > sub.transient_retries:
            DELIVERIES.labels(sub.queue, msg.routing_key, "dead_lettered").inc()
            await self._dead_letter(
                msg, f"{sub.queue} failed transiently {msg.transient} times; last error: {exc}"
            )
            return
        DELIVERIES.labels(sub.queue, msg.routing_key, "transient").inc()
        self._spawn(self._redeliver(queue, msg, sub.transient_backoff(msg.transient), counted=False))

    async def _redeliver(
        self, queue: asyncio.Queue[_Message], msg: _Message, delay: float, *, counted: bool
    ) -> None:
        await asyncio.sleep(delay)
        if counted:
            msg.delivery += 1
        queue.put_nowait(msg)

    async def _dead_letter(self, msg: _Message, why: str) -> None:
        self.dead_letters.append((msg.body, why))
        for handler in self._dead:
            try:
                await handler(msg.body, why)
            except Exception as exc:
                log.error("bus.dead_letter_handler_failed", error=repr(exc))
        msg.publication.settle_one()
