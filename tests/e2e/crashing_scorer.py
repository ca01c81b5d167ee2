"""The scorer, made to die like a killed process right after it committed a score
but before it acked the message (the worst moment for double scoring).

Used by ``test_delivery.py`` only; it wraps the real service without changing it.
"""

from __future__ import annotations

import dataclasses
import os
import sys

from shared.bus import Subscription
from shared.bus.rabbitmq import RabbitBus
from shared.events import Event

_subscribe = RabbitBus.subscribe


async def _crash_after_commit(self: RabbitBus, subscription: Subscription) -> None:
    handler = subscription.handler

    async def handle_then_die(event: Event) -> None:
        await handler(event)  # the score is committed (and its event is in the outbox)
        if event.type == "execution.finished":
            print(f"crashing after {event.event_id}", flush=True)
            os._exit(137)  # no ack, no clean shutdown

    await _subscribe(self, dataclasses.replace(subscription, handler=handle_then_die))


RabbitBus.subscribe = _crash_after_commit  # type: ignore[method-assign]

if __name__ == "__main__":
    from holdout.cli import main

    sys.argv = ["holdout", "serve", "scorer", *sys.argv[1:]]
    main()
