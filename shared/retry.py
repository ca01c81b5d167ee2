"""The one retry policy of every service: exponential backoff with jitter, from
``stamina`` (a maintained wrapper over tenacity), with the same numbers everywhere.

Two shapes use it:
- ``retrying(...)``: a bounded retry of one operation (write a run's end to the
  database, publish an event), ``async for attempt in retrying(...): with attempt: ...``;
  it re-raises the last error once the attempts or the time budget are spent.
- ``backoff(failures)``: the pause of something that keeps going for ever after its
  ``failures``-th failure in a row: a background loop (``shared/loops.py``), a bus
  redelivery (``shared/bus``).

Tests switch the waiting off with ``stamina.set_testing(True)`` where they need to.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import stamina

# the policy, once: the first pause, its growth, its ceiling
WAIT_INITIAL_S = 0.5
WAIT_EXP_BASE = 2.0
WAIT_MAX_S = 30.0


def retrying(
    on: type[Exception] | tuple[type[Exception], ...] = Exception,
    *,
    attempts: int = 5,
    timeout_s: float | None = 60.0,
    wait_initial_s: float = WAIT_INITIAL_S,
    wait_max_s: float = WAIT_MAX_S,
) -> AsyncIterator[stamina.Attempt]:
    """Attempts of one operation, retried on ``on`` with the policy's backoff.

    ``wait_initial_s`` is for callers configured with a shorter first pause (the local
    runner's ``storage_retry_seconds``); the jitter scales with it."""
    return stamina.retry_context(
        on=on,
        attempts=attempts,
        timeout=timeout_s,
        wait_initial=wait_initial_s,
        wait_exp_base=WAIT_EXP_BASE,
        wait_max=wait_max_s,
        wait_jitter=wait_initial_s,
    ).__aiter__()


def backoff(failures: int, *, initial_s: float = WAIT_INITIAL_S, ceiling_s: float = WAIT_MAX_S) -> float:
    """Seconds to pause after ``failures`` (>= 1) failures in a row: the policy's
    exponential delay from ``initial_s`` up to ``ceiling_s``, jittered down to as little
    as half of it so replicas that failed together do not retry together.

    ``initial_s`` is for callers whose first pause must be shorter than the policy's (a
    bus redelivery: a lost race is retried in a fifth of a second, not half a second)."""
    exp = initial_s * WAIT_EXP_BASE ** max(0, failures - 1)
    return random.uniform(0.5, 1.0) * min(ceiling_s, exp)  # noqa: S311 - jitter, not a secret
