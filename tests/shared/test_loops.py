"""The supervised background loop (shared/loops.py): a wake during a step is not lost,
a failing step is retried, stop ends it."""

from __future__ import annotations

import asyncio

from shared.loops import BackgroundLoop
from shared.retry import backoff, retrying


async def test_a_wake_that_arrives_during_a_step_runs_the_step_again() -> None:
    calls = 0
    second = asyncio.Event()

    async def step() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            loop.wake()  # work recorded while this step runs
        else:
            second.set()

    loop = BackgroundLoop("t", step, interval_s=3600)
    loop.start()
    await asyncio.wait_for(second.wait(), 5)  # not an hour: the wake was kept
    await loop.stop()
    assert calls == 2
    assert not loop.running


async def test_a_failing_step_is_retried_with_backoff_and_the_loop_goes_on(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("shared.loops.backoff", lambda failures, ceiling_s: 0.01)
    calls = 0
    done = asyncio.Event()

    async def step() -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConnectionError("database away")
        done.set()

    loop = BackgroundLoop("t", step, interval_s=3600)
    loop.start()
    await asyncio.wait_for(done.wait(), 5)
    await loop.stop()
    assert calls == 3


def test_backoff_grows_has_a_ceiling_and_jitter() -> None:
    assert all(0.25 <= backoff(1) <= 0.5 for _ in range(50))
    assert all(backoff(20, ceiling_s=4) <= 4 for _ in range(50))
    assert len({backoff(5) for _ in range(20)}) > 1


async def test_retrying_retries_the_named_errors_then_gives_up() -> None:
    import stamina

    stamina.set_testing(True, attempts=3)
    try:
        tries = 0
        try:
            async for attempt in retrying(ConnectionError, attempts=3):
                with attempt:
                    tries += 1
                    raise ConnectionError("down")
        except ConnectionError:
            pass
        assert tries == 3
        tries = 0
        async for attempt in retrying(ConnectionError):
            with attempt:
                tries += 1
                if tries < 2:
                    raise ConnectionError("down once")
        assert tries == 2
    finally:
        stamina.set_testing(False)
