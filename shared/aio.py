"""Small asyncio helpers every background loop uses (relay, scheduler, reconcilers)."""

from __future__ import annotations

import asyncio
import contextlib


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; True if it was set.

    ``asyncio.timeout``, not ``wait_for``: on Python 3.11 ``wait_for`` swallows a
    cancellation that lands as the event is set, and the loop's ``stop()`` then waits
    forever.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
            return True
    return False


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has really ended."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
