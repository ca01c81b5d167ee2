"""Live board updates: wake the server-sent-event streams when a board changes.

The consumers call ``changed(competition_id)`` after each commit; a stream waits on
``wait``. Changes committed by another replica arrive through ``fanout.py`` (PostgreSQL
``NOTIFY``), which calls ``changed`` too, or ``changed_all`` when it may have missed
some. As a last resort a stream also re-reads the board's version every
``poll_seconds``, so a change is seen even when no notification arrived.

A stream takes ``mark(competition_id)`` *before* it reads the version, and passes it to
``wait``: a change that lands between the read and the wait (while the stream sends
its event, say) has moved the mark, and ``wait`` returns at once instead of sleeping
through it until the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable


class BoardNotifier:
    def __init__(
        self,
        on_change: Callable[[uuid.UUID], None] | None = None,
        on_reset: Callable[[], None] | None = None,
    ) -> None:
        self._events: dict[uuid.UUID, asyncio.Event] = {}
        # changes seen so far: per competition, and every-board resets; they only grow,
        # so their sum moves whenever either does
        self._changes: dict[uuid.UUID, int] = {}
        self._resets = 0
        self._on_change = on_change
        self._on_reset = on_reset
        self.closing = asyncio.Event()

    def changed(self, competition_id: uuid.UUID) -> None:
        if self._on_change is not None:
            self._on_change(competition_id)
        self._changes[competition_id] = self._changes.get(competition_id, 0) + 1
        event = self._events.pop(competition_id, None)
        if event is not None:
            event.set()

    def changed_all(self) -> None:
        """Every board may have changed (notifications were missed): drop and wake all."""
        if self._on_reset is not None:
            self._on_reset()
        self._resets += 1
        events, self._events = self._events, {}
        for event in events.values():
            event.set()

    def mark(self, competition_id: uuid.UUID) -> int:
        """Where the competition's changes stand now: take it before reading the board."""
        return self._resets + self._changes.get(competition_id, 0)

    async def wait(self, competition_id: uuid.UUID, seen: int, timeout: float) -> None:
        """Return on a change since ``seen`` (a ``mark``; at once if one already came),
        on shutdown, or after ``timeout`` seconds."""
        # no await between this check and registering the event: nothing can slip between
        if self.mark(competition_id) != seen:
            return
        event = self._events.setdefault(competition_id, asyncio.Event())
        closing = asyncio.ensure_future(self.closing.wait())
        changed = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({closing, changed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (closing, changed):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def close(self) -> None:
        self.closing.set()
