"""Ranged downloads for the storage backends (``azure.py``): an object fetched in
block-sized ranges, several at a time, and handed on in order as each arrives, so a
download can be written and hashed in one pass with memory bounded by the window."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Awaitable, Callable


async def in_order(
    fetch: Callable[[int, int], Awaitable[bytes]],
    size: int,
    block_size: int,
    concurrency: int,
    sink: Callable[[bytes], None],
) -> None:
    """``fetch(offset, length)`` for every block of ``size`` bytes, ``concurrency`` in
    flight; ``sink`` (run in a thread) gets each block in order. A failure cancels the rest."""
    offsets = iter(range(0, size, block_size))
    window: deque[asyncio.Task[bytes]] = deque()

    def start(offset: int) -> None:
        window.append(asyncio.ensure_future(fetch(offset, min(block_size, size - offset))))

    try:
        for first in itertools.islice(offsets, concurrency):
            start(first)
        while window:
            block = await window.popleft()
            if (following := next(offsets, None)) is not None:
                start(following)
            await asyncio.to_thread(sink, block)
    finally:
        for task in window:
            task.cancel()
        if window:
            await asyncio.gather(*window, return_exceptions=True)
