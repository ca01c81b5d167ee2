"""The suite's guard against leaked asyncio tasks (a pytest plugin that tests/conftest.py
loads): an async test fails if tasks created on its event loop are still pending once
the test and all its fixtures are done -- a background loop never stopped, a consumer
never cancelled, a fire-and-forget task nobody awaits. Without it the event loop's end
cancels them silently, and a service that leaks the same way in production goes unseen.

``@pytest.mark.allow_leaked_tasks("why")`` exempts a test that cannot help it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from pytest_asyncio import is_async_test

# how long a task the test (or its fixtures' teardown) set going may take to end on its
# own -- a cancelled task running its cleanup, a close handshake -- before it is a leak
LEAK_GRACE_S = 1.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_leaked_tasks(why): exempt an async test from the leaked-task check"
    )


@pytest.fixture(autouse=True)
def no_leaked_tasks(request: pytest.FixtureRequest) -> None:
    """Autouse: every async test (not marked ``allow_leaked_tasks``) gets the guard."""
    if is_async_test(request.node) and request.node.get_closest_marker("allow_leaked_tasks") is None:
        request.getfixturevalue("_asyncio_task_guard")


@pytest.fixture
async def _asyncio_task_guard(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    # requested by an autouse fixture, so set up before the test's other function-scoped
    # fixtures and torn down after them: their cleanup is over when this looks. It runs on
    # the test's own event loop, so all_tasks() is that loop's tasks and nothing else.
    before = asyncio.all_tasks()
    yield
    me = asyncio.current_task()
    pending = {t for t in asyncio.all_tasks() - before if t is not me and not t.done()}
    if pending:
        await asyncio.wait(pending, timeout=LEAK_GRACE_S)
    leaked = sorted((t for t in pending if not t.done()), key=lambda t: t.get_name())
    if not leaked:
        return
    for task in leaked:
        task.cancel()
    await asyncio.wait(leaked, timeout=LEAK_GRACE_S)
    described = "\n".join(f"  {t.get_name()}: {t.get_coro()!r}" for t in leaked)
    pytest.fail(
        f"{request.node.nodeid} left {len(leaked)} asyncio task(s) pending after it and its "
        f"fixtures ended (waited {LEAK_GRACE_S:g} s for them); stop what started them:\n{described}",
        pytrace=False,
    )
