"""The event bus: one contract, two transports (in-process and RabbitMQ).

Both honour the same delivery rules: at-least-once, manual ack after the handler
returns, redelivery with backoff when it raises, dead-lettering after a bounded number
of deliveries or at once for a ``PermanentError``.
"""

from shared.bus.base import (
    Bus,
    DeadLetterHandler,
    Handler,
    PermanentError,
    Settled,
    Subscription,
    TransientError,
    topic_matches,
)

__all__ = [
    "Bus",
    "DeadLetterHandler",
    "Handler",
    "PermanentError",
    "Settled",
    "Subscription",
    "TransientError",
    "topic_matches",
]
