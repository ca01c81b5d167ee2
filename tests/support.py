"""Helpers the whole test suite shares.

``eventually`` is the one way a test waits for something to happen (an event consumed,
a row written, a pod created): it polls a probe until the probe returns something
truthy, and fails the test with what was awaited and the last answer when the deadline
passes; ``patient(seconds)`` is the same with a longer default wait. Never a fixed
sleep to wait for something; to show that something does *not* happen, drain what
could make it happen first, then assert. ``eventually_sync`` is the same for the
synchronous tests (the browser tests: Playwright's sync API owns the thread, so no event
loop can run there).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")


@overload
async def eventually(
    probe: Callable[[], Awaitable[T]],
    timeout: float = ...,
    *,
    interval: float = ...,
    what: str | Callable[[], str] | None = ...,
) -> T: ...


@overload
async def eventually(
    probe: Callable[[], T],
    timeout: float = ...,
    *,
    interval: float = ...,
    what: str | Callable[[], str] | None = ...,
) -> T: ...


async def eventually(
    probe: Callable[[], object],
    timeout: float = 10.0,
    *,
    interval: float = 0.02,
    what: str | Callable[[], str] | None = None,
) -> object:
    """Call ``probe`` (sync or async) every ``interval`` seconds until it returns
    something truthy, and return that; raise AssertionError after ``timeout`` seconds.

    ``what`` names the condition in the failure (a callable is asked only then, so it
    can describe the state at the deadline)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise _expired(what, timeout, value)
        await asyncio.sleep(interval)


def eventually_sync(
    probe: Callable[[], T],
    timeout: float = 10.0,
    *,
    interval: float = 0.02,
    what: str | Callable[[], str] | None = None,
) -> T:
    """``eventually`` for a synchronous test: ``probe`` is a plain function, the waits
    block the thread."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise _expired(what, timeout, value)
        time.sleep(interval)


def _expired(what: str | Callable[[], str] | None, timeout: float, last: object) -> AssertionError:
    described = what() if callable(what) else (what or "condition")
    return AssertionError(f"{described} not met within {timeout:g} s (last: {last!r})")


def patient(default_timeout: float, *, interval: float = 0.02) -> Callable[..., Awaitable[Any]]:
    """``eventually`` with another default timeout (and interval), for a file whose waits
    are all long (whole services, sandboxed runs): ``poll = patient(60.0)``."""

    async def poll(
        probe: Callable[[], object],
        timeout: float = default_timeout,
        *,
        interval: float = interval,
        what: str | Callable[[], str] | None = None,
    ) -> Any:
        return await eventually(probe, timeout, interval=interval, what=what)

    return poll
