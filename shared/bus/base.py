"""The bus contract shared by both transports."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from prometheus_client import Counter

from shared.events import BaseEvent, Event

DELIVERIES = Counter(
    "holdout_bus_deliveries_total",
    "Messages handled by a consumer, by how the handling ended",
    ["queue", "type", "outcome"],  # outcome: acked | retried | dead_lettered
)

Handler = Callable[[Event], Awaitable[None]]
DeadLetterHandler = Callable[[bytes, str], Awaitable[None]]
"""Called with the raw body of a dead-lettered message and why it died."""


class TransientError(Exception):
    """A failure worth retrying (a dependency is down, a race lost): redeliver later."""


class PermanentError(Exception):
    """A message that can never succeed: dead-letter it at once."""


@dataclass(frozen=True)
class Subscription:
    """One consuming service: a durable queue bound to some event types."""

    queue: str
    routing_keys: Sequence[str]
    handler: Handler
    prefetch: int = 16
    max_deliveries: int = 5
    retry_base_seconds: float = 0.2
    retry_cap_seconds: float = 10.0
    extra: dict[str, str] = field(default_factory=dict)

    def backoff(self, delivery: int) -> float:
        """Seconds to wait before redelivering after the ``delivery``-th failure."""
        return float(min(self.retry_cap_seconds, self.retry_base_seconds * 2 ** (delivery - 1)))


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
    """Publish events, consume them through durable per-service subscriptions."""

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

    @abc.abstractmethod
    async def subscribe(self, subscription: Subscription) -> None: ...

    @abc.abstractmethod
    async def subscribe_dead_letters(self, queue: str, handler: DeadLetterHandler) -> None:
        """Consume every dead-lettered message (the gateway turns them into failures)."""

    @abc.abstractmethod
    async def ready(self) -> bool: ...
