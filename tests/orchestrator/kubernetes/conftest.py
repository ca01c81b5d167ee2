"""Fixtures: the fake Kubernetes API (``fakekube``), a KubernetesExecutor on it with the
real kubernetes_asyncio client, and a run request."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.orchestrator.executors.base import RunRequest
from services.orchestrator.executors.kubernetes.config import KubernetesSettings
from services.orchestrator.executors.kubernetes.executor import KubernetesExecutor, make_api_client
from shared.events import ExecutionSpec
from shared.storage import LocalStorage
from tests.orchestrator.kubernetes.fakekube import FakeKube
from tests.support import eventually


class FakeUrls:
    """Stands in for SAS signing where no pod really runs."""

    def read_url(self, container: str, key: str, ttl: timedelta) -> str:
        return f"https://storage.invalid/{container}/{key}?sp=r"

    def write_url(self, container: str, key: str, ttl: timedelta) -> str:
        return f"https://storage.invalid/{container}/{key}?sp=cw"


@pytest.fixture
async def kube() -> AsyncIterator[FakeKube]:
    fake = FakeKube()
    runner = await fake.start()
    yield fake
    await runner.cleanup()


@pytest.fixture
def k8s_settings(kube: FakeKube) -> KubernetesSettings:
    return KubernetesSettings(
        api_url=kube.url,
        runtime_images={"default": "holdout-runtime-default:1"},
        api_timeout_seconds=5,
        watch_timeout_seconds=2,
        relist_seconds=60,
        backoff_initial_seconds=0.05,
        backoff_max_seconds=0.2,
        pending_timeout_seconds=60,
    )


MakeExecutor = Callable[..., Awaitable[KubernetesExecutor]]


@pytest.fixture
async def make_executor(k8s_settings: KubernetesSettings, tmp_path: Path) -> AsyncIterator[MakeExecutor]:
    made: list[KubernetesExecutor] = []

    async def make(**kwargs: Any) -> KubernetesExecutor:
        storage = kwargs.pop("storage", None) or LocalStorage(tmp_path / "storage")
        urls = kwargs.pop("urls", None) or FakeUrls()
        # poll_seconds is long: a test passes only if the watch delivered the change
        executor = KubernetesExecutor(
            storage, urls, k8s_settings, await make_api_client(k8s_settings), **{"poll_seconds": 60, **kwargs}
        )
        made.append(executor)
        return executor

    yield make
    for executor in made:
        await executor.close()


def make_request(attempt: int = 1, **execution: Any) -> RunRequest:
    competition_id = uuid.uuid4()
    spec = dict(
        time_limit_s=60, memory_mb=512, cpus=1.0, data_prefix=f"{competition_id}/v1/", data_files=["x.csv"]
    )
    return RunRequest(
        submission_id=uuid.uuid4(),
        competition_id=competition_id,
        attempt=attempt,
        archive_key=f"{competition_id}/sub.zip",
        execution=ExecutionSpec(**{**spec, **execution}),
    )


until = eventually  # the suite's one polling helper (tests/support.py)
