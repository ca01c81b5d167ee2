"""The bus contract shared by both transports."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from prometheus_client import Counter

from shared.events import BaseEvent, Event
from shared.retry import WAIT_MAX_S, backoff

DELIVERIES = Counter(
    "holdout_bus_deliveries_total",
    "Messages handled by a consumer, by how the handling ended",
    ["queue", "type", "outcome"],  # outcome: acked | retried | transient | dead_lettered
)

Handler = Callable[[Event], Awaitable[None]]
DeadLetterHandler = Callable[[bytes, str], Awaitable[None]]
"""Called with the raw body of a dead-lettered message and why it died."""
Settled = Callable[[], None]
"""Called once a published message needs its publisher's copy no more (``publish_tracked``)."""


class TransientError(Exception):
    """A failure worth retrying (a dependency is down, a race lost): redeliver later.

    Both buses redeliver it after the retry policy's backoff without counting it toward
    ``max_deliveries``: a dependency that is away for minutes must not dead-letter good
    messages (the poison limit is for messages that fail *because of what they are*).
    It has its own, larger bound, ``transient_retries``, so a handler that calls a
    lasting failure transient still ends in the dead letters, not in a loop for ever."""


class PermanentError(Exception):
    """A message that can never succeed: dead-letter it at once."""


@dataclass(frozen=True)
class Subscription:
    """One consuming service: a durable queue bound to some event types.

    ``max_deliveries`` bounds the deliveries of a message whose handler keeps failing
    (any exception but the two above): then it is dead-lettered. ``transient_retries``
    bounds the redeliveries after a ``TransientError``, counted apart: 40, with pauses
    growing from ``retry_base_seconds`` to ``transient_cap_seconds`` (30 s), outlast an
    outage of about a quarter of an hour (8 to 16 minutes with the jitter) -- a
    database failover, a storage blip -- before the message is given up.
    """

    queue: str
    routing_keys: Sequence[str]
    handler: Handler
    prefetch: int = 16
    max_deliveries: int = 5
    retry_base_seconds: float = 0.2
    retry_cap_seconds: float = 10.0
    transient_retries: int = 40
    transient_cap_seconds: float = WAIT_MAX_S
    extra: dict[str, str] = field(default_factory=dict)

    def backoff(self, delivery: int) -> float:
        """Seconds to wait before redelivering after the ``delivery``-th failure."""
        return backoff(delivery, initial_s=self.retry_base_seconds, ceiling_s=self.retry_cap_seconds)

    def transient_backoff(self, retry: int) -> float:
        """Seconds to wait before the ``retry``-th redelivery after a ``TransientError``."""
        return backoff(retry, initial_s=self.retry_base_seconds, ceiling_s=self.transient_cap_seconds)


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: ``*`` is one word, ``#`` is zero or more."""
    p_words, k_words = pattern.split("."), key.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(p_words):
            return j == len(k_words)
        if p_words[i] == "#":
            return any(match(i + 1, jj) for jj in range(j, len(k_words) + 1))
        if j == len(k_words):
            return False
        return (p_words[i] in ("*", k_words[j])) and match(i + 1, j + 1)

    return match(0, 0)


class Bus(abc.ABC):
    """Publish events, consume them through durable per-service subscriptions.

    ``durable``: whether what the bus has taken survives the process that published it
    (a broker's persistent queues). A bus that is not (the in-process one) keeps messages
    in memory only: the publisher's outbox row stays the durable copy until every
    consumer has settled the message (``publish_tracked``), and the relay hands it over
    again after a crash.
    """

    durable: bool = True

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def publish(self, event: BaseEvent) -> None:
        """Return only once the broker has taken responsibility for the event."""

    @abc.abstractmethod
    async def publish_raw(self, routing_key: str, body: bytes, message_id: str) -> None:
        """Publish an already-serialised event (used by the outbox relay)."""

    async def publish_tracked(self, routing_key: str, body: bytes, message_id: str, settled: Settled) -> None:
        """``publish_raw``, then call ``settled`` once the publisher may forget the message.

        A durable bus holds it from its confirm on: at once. A bus that is not calls it
        when every subscription has acked the message or dead-lettered it."""
        await self.publish_raw(routing_key, body, message_id)
        settled()

    @abc.abstractmethod
    async def subscribe(self, subscription: Subscription) -> None: ...

    @abc.abstractmethod
    async def subscribe_dead_letters(self, queue: str, handler: DeadLetterHandler) -> None:
        """Consume every dead-lettered message (the gateway turns them into failures)."""

    @abc.abstractmethod
    async def ready(self) -> bool: ...
