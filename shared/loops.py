"""A supervised background loop: the one shape of every service's periodic work (outbox
relay, scheduler, reconcilers, heartbeats, rescore workers).

``step`` runs, then the loop sleeps until ``wake()`` or ``interval_s``; a failing step is
logged and retried after the retry policy's backoff (``shared/retry.backoff``), so a
database outage slows the loop down instead of ending it. The wake event is cleared
*before* the step runs, so a ``wake()`` that arrives while a step is under way is never
lost: the loop goes round again at once. A step that returns True has more to do and
runs again without waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from shared.aio import cancel_and_wait, wait_event
from shared.retry import backoff

log = structlog.get_logger(__name__)


class BackgroundLoop:
    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[bool | None]],
        *,
        interval_s: float,
        backoff_ceiling_s: float = 30.0,
    ) -> None:
        self.name = name
        self._step = step
        self.interval_s = interval_s
        self._ceiling = backoff_ceiling_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        failures = 0
        while True:
            self._wake.clear()
            try:
                more = await self._step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = backoff(failures, ceiling_s=self._ceiling)
                log.warning(
                    "loop.step_failed", loop=self.name, error=repr(exc), failures=failures, retry_in_s=delay
                )
                await asyncio.sleep(delay)
                continue
            failures = 0
            if more:
                await asyncio.sleep(0)  # let others run between batches
                continue
            await wait_event(self._wake, self.interval_s)
