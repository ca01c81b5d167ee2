"""RabbitMQ transport (aio-pika): the production bus.

Topology (``ns`` is the namespace, ``holdout`` by default):
- ``{ns}.events``: one durable topic exchange; routing key = event type.
- ``{ns}.{queue}``: one durable quorum queue per consuming service, with
  ``x-delivery-limit`` and ``x-dead-letter-exchange`` so a message that keeps failing
  is dead-lettered by the broker itself, even if a consumer crashes mid-handling.
- ``{ns}.dead-letter``: fanout exchange feeding ``{ns}.dead-letters``.

Messages are persistent and published with publisher confirms; consumers ack by hand
after the handler returned, with a bounded prefetch.

A handler that raises is nacked back to the queue after a backoff, and the broker counts
that delivery toward ``x-delivery-limit``. A ``TransientError`` must not count (see
``Subscription``), so it is not nacked: after the backoff a copy of the message goes to
the same queue only (the default exchange, confirmed), carrying in its headers the
transient retries so far and the failures that did count, then the original is acked.
A crash between the two leaves both copies: one delivery more, which consumers absorb.
A shutdown (``close``, or the handling task cancelled) during that backoff hands the
copy over at once instead of waiting it out: left unacked, the original would go back
to the queue counted when the channel closes, and rolling restarts during an outage of
a dependency would push a healthy message toward the dead letters.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from shared.aio import wait_event
from shared.bus.base import (
    DELIVERIES,
    Bus,
    DeadLetterHandler,
    PermanentError,
    Subscription,
    TransientError,
)
from shared.context import set_correlation_id
from shared.events import BaseEvent, dump_event, parse_event
from shared.retry import backoff

log = structlog.get_logger(__name__)

PUBLISH_TIMEOUT_S = 10.0
# headers of a message re-queued after a TransientError: the broker's delivery count
# starts again with the copy, so the copy carries what the original had counted
TRANSIENT_RETRIES_HEADER = "holdout-transient-retries"
COUNTED_FAILURES_HEADER = "holdout-counted-failures"


def _header_int(headers: dict[str, Any], name: str) -> int:
    value = headers.get(name, 0)
    try:
        return int(value) if isinstance(value, int | str | bytes) else 0
    except ValueError:
        return 0


class RabbitBus(Bus):
    def __init__(self, url: str, namespace: str = "holdout") -> None:
        self._url = url
        self.namespace = namespace
        self._conn: AbstractRobustConnection | None = None
        self._pub_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._consumer_channels: list[AbstractChannel] = []
        self._consumers: list[tuple[AbstractQueue, str]] = []  # (queue, consumer tag)
        # set by close(): transient backoffs end, and hand their copies over, before the
        # channels close; close() waits for those hand-overs (each one resolves its future)
        self._closing = asyncio.Event()
        self._handovers: set[asyncio.Future[None]] = set()
        self._dead_letter_failures = 0  # in a row, to pace the retries of a failing handler

    @property
    def exchange_name(self) -> str:
        return f"{self.namespace}.events"

    @property
    def dead_letter_exchange_name(self) -> str:
        return f"{self.namespace}.dead-letter"

    def queue_name(self, queue: str) -> str:
        return f"{self.namespace}.{queue}"

    async def start(self) -> None:
        self._closing.clear()
        self._conn = await aio_pika.connect_robust(self._url, timeout=10)
        self._pub_channel = await self._conn.channel(publisher_confirms=True)
        self._exchange = await self._declare_exchanges(self._pub_channel)

    async def _declare_exchanges(self, channel: AbstractChannel) -> AbstractExchange:
        await channel.declare_exchange(
            self.dead_letter_exchange_name, aio_pika.ExchangeType.FANOUT, durable=True
        )
        return await channel.declare_exchange(self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)

    async def close(self) -> None:
        # no new deliveries (a copy handed over below would come straight back), then
        # the transient backoffs under way hand their copies over, then the channels close
        for queue, tag in self._consumers:
            if not queue.channel.is_closed:
                with contextlib.suppress(Exception):  # closing anyway: unacked ones go back
                    await queue.cancel(tag, timeout=PUBLISH_TIMEOUT_S)
        self._consumers.clear()
        self._closing.set()
        if self._handovers:
            await asyncio.wait(set(self._handovers), timeout=PUBLISH_TIMEOUT_S)
        for channel in self._consumer_channels:
            if not channel.is_closed:
                await channel.close()
        self._consumer_channels.clear()
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def ready(self) -> bool:
        return self._conn is not None and not self._conn.is_closed

    async def publish(self, event: BaseEvent) -> None:
        await self.publish_raw(event.type, dump_event(event), str(event.event_id))  # type: ignore[attr-defined]

    async def publish_raw(self, routing_key: str, body: bytes, message_id: str) -> None:
        if self._exchange is None:
            raise RuntimeError("bus not started")
        message = aio_pika.Message(
            body,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            type=routing_key,
        )
        # publisher confirms: returns once the broker has the message on disk
        await self._exchange.publish(message, routing_key=routing_key, timeout=PUBLISH_TIMEOUT_S)

    async def _channel(self, prefetch: int) -> AbstractChannel:
        if self._conn is None:
            raise RuntimeError("bus not started")
        channel = await self._conn.channel()
        await channel.set_qos(prefetch_count=prefetch)
        self._consumer_channels.append(channel)
        return channel

    async def subscribe(self, subscription: Subscription) -> None:
        channel = await self._channel(subscription.prefetch)
        exchange = await self._declare_exchanges(channel)
        arguments: dict[str, Any] = {
            "x-queue-type": "quorum",
            # the broker dead-letters after this many redeliveries, crash or not
            "x-delivery-limit": max(0, subscription.max_deliveries - 1),
            "x-dead-letter-exchange": self.dead_letter_exchange_name,
        }
        queue = await channel.declare_queue(
            self.queue_name(subscription.queue), durable=True, arguments=arguments
        )
        for key in subscription.routing_keys:
            await queue.bind(exchange, routing_key=key)

        async def on_message(message: AbstractIncomingMessage) -> None:
            await self._handle(subscription, message)

        self._consumers.append((queue, await queue.consume(on_message, no_ack=False)))

    async def _handle(self, sub: Subscription, message: AbstractIncomingMessage) -> None:
        headers = message.headers or {}
        # deliveries that failed before this one and count toward max_deliveries
        counted = _header_int(headers, "x-delivery-count") + _header_int(headers, COUNTED_FAILURES_HEADER)
        delivery = counted + 1
        try:
            event = parse_event(message.body)
        except Exception as exc:
            log.error("bus.unparseable", queue=sub.queue, error=str(exc))
            await message.reject(requeue=False)
            return
        set_correlation_id(event.correlation_id)
        try:
            await sub.handler(event)
        except asyncio.CancelledError:
            raise
        except PermanentError as exc:
            log.warning("bus.rejected", queue=sub.queue, type=event.type, error=str(exc))
            await message.reject(requeue=False)
            DELIVERIES.labels(sub.queue, event.type, "dead_lettered").inc()
        except TransientError as exc:
            await self._retry_transient(sub, message, event.type, counted, exc)
        except Exception as exc:
            log.warning(
                "bus.handler_failed",
                queue=sub.queue,
                type=event.type,
                delivery=delivery,
                error=repr(exc),
            )
            if delivery >= sub.max_deliveries:
                await message.reject(requeue=False)
                DELIVERIES.labels(sub.queue, event.type, "dead_lettered").inc()
            else:
                await asyncio.sleep(sub.backoff(delivery))
                await message.nack(requeue=True)
                DELIVERIES.labels(sub.queue, event.type, "retried").inc()
        else:
            await message.ack()
            DELIVERIES.labels(sub.queue, event.type, "acked").inc()
        finally:
            set_correlation_id(None)

    async def _retry_transient(
        self, sub: Subscription, message: AbstractIncomingMessage, type_: str, counted: int, exc: Exception
    ) -> None:
        headers = dict(message.headers or {})
        retry = _header_int(headers, TRANSIENT_RETRIES_HEADER) + 1
        log.warning(
            "bus.handler_failed_transiently", queue=sub.queue, type=type_, retry=retry, error=str(exc)
        )
        if retry > sub.transient_retries:
            await message.reject(requeue=False)
            DELIVERIES.labels(sub.queue, type_, "dead_lettered").inc()
            return
        handed_over: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._handovers.add(handed_over)

        def settle(requeue: asyncio.Future[None] | None = None) -> None:
            if requeue is not None and not requeue.cancelled():
                requeue.exception()  # logged by _requeue_transient; retrieved so asyncio is quiet
            self._handovers.discard(handed_over)
            if not handed_over.done():
                handed_over.set_result(None)

        try:
            # the backoff, cut short by close(): the copy goes back now, uncounted
            await wait_event(self._closing, sub.transient_backoff(retry))
        except asyncio.CancelledError:
            # cancelled (the consumer stops): hand the copy over all the same, then stop
            requeue = asyncio.ensure_future(
                self._requeue_transient(sub, message, type_, headers, retry, counted)
            )
            requeue.add_done_callback(settle)
            await asyncio.shield(requeue)
            raise
        try:
            await self._requeue_transient(sub, message, type_, headers, retry, counted)
        finally:
            settle()

    async def _requeue_transient(
        self,
        sub: Subscription,
        message: AbstractIncomingMessage,
        type_: str,
        headers: dict[str, Any],
        retry: int,
        counted: int,
    ) -> None:
        """The copy to the queue (uncounted), then the original acked."""
        copy = aio_pika.Message(
            message.body,
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message.message_id,
            type=message.type,
            headers={
                **{k: v for k, v in headers.items() if not k.startswith("x-")},  # the broker's own
                TRANSIENT_RETRIES_HEADER: retry,
                COUNTED_FAILURES_HEADER: counted,
            },
        )
        try:
            if self._pub_channel is None:
                raise RuntimeError("bus not started")
            await self._pub_channel.default_exchange.publish(
                copy, routing_key=self.queue_name(sub.queue), timeout=PUBLISH_TIMEOUT_S
            )
        except Exception as publish_exc:
            # nothing is lost: back to the queue the counted way
            log.warning("bus.transient_requeue_failed", queue=sub.queue, error=repr(publish_exc))
            await message.nack(requeue=True)
            DELIVERIES.labels(sub.queue, type_, "retried").inc()
            return
        await message.ack()
        DELIVERIES.labels(sub.queue, type_, "transient").inc()

    async def subscribe_dead_letters(self, queue: str, handler: DeadLetterHandler) -> None:
        channel = await self._channel(8)
        await self._declare_exchanges(channel)
        dlx = await channel.get_exchange(self.dead_letter_exchange_name)
        dl_queue: AbstractQueue = await channel.declare_queue(self.queue_name(queue), durable=True)
        await dl_queue.bind(dlx)

        async def on_message(message: AbstractIncomingMessage) -> None:
            headers = message.headers or {}
            why = str(headers.get("x-first-death-reason", "dead-lettered"))
            origin = str(headers.get("x-first-death-queue", ""))
            try:
                await handler(message.body, f"{why} in {origin}".strip())
            except Exception as exc:
                # the dead-letter queue has no delivery limit: pace the retries instead
                self._dead_letter_failures += 1
                delay = backoff(self._dead_letter_failures)
                log.error("bus.dead_letter_handler_failed", error=repr(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                await message.nack(requeue=True)
            else:
                self._dead_letter_failures = 0
                await message.ack()

        await dl_queue.consume(on_message, no_ack=False)

    async def delete_topology(self, queues: list[str]) -> None:
        """Remove this namespace's queues and exchanges (tests use throwaway namespaces)."""
        if self._conn is None:
            return
        channel = await self._conn.channel()
        for q in queues:
            await channel.queue_delete(self.queue_name(q))
        await channel.exchange_delete(self.exchange_name)
        await channel.exchange_delete(self.dead_letter_exchange_name)
        await channel.close()
