"""The leaked-task guard (tests/taskguard.py) fails an async test that leaves a task
running, and only such a test: one that stops what it started, or whose task ends
within the grace period, passes. Run in a pytester sandbox so the failure is observed."""

from __future__ import annotations

import pytest

EXAMPLES = """
import asyncio

import pytest


async def test_leaks():
    asyncio.get_running_loop().create_task(asyncio.Event().wait(), name="forgotten")


async def test_stops_what_it_started():
    task = asyncio.get_running_loop().create_task(asyncio.Event().wait())
    task.cancel()


async def test_task_that_ends_soon_after():
    asyncio.get_running_loop().create_task(asyncio.sleep(0.05))


@pytest.fixture
async def server():
    task = asyncio.get_running_loop().create_task(asyncio.Event().wait(), name="server")
    yield
    task.cancel()  # the fixture's teardown stops it: no leak


async def test_fixture_cleans_up(server):
    pass


@pytest.mark.allow_leaked_tasks("exempt on purpose")
async def test_exempt():
    asyncio.get_running_loop().create_task(asyncio.Event().wait())


def test_sync():
    pass
"""


def test_the_guard_fails_exactly_the_test_that_leaks(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["tests.taskguard"]\n')
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "asyncio_default_test_loop_scope = function\n"
    )
    pytester.makepyfile(test_examples=EXAMPLES)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6, errors=1)
    result.stdout.fnmatch_lines(["*test_leaks left 1 asyncio task(s) pending*", "*forgotten*"])
