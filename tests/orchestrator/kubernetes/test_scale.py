"""The Kubernetes executor with 2,000 pods at once, and an orchestrator stopped
mid-burst and restarted.

Kubernetes is faked because no cluster can run on the development or CI machines: the
real ``KubernetesExecutor`` and ``kubernetes_asyncio`` client talk HTTP to
``fakekube.FakeKube``, and ``idlekubelet.IdleKubelet`` writes the statuses of pods that
run nothing for a fraction of a second (shortened from the 1-5 s of real no-op runs to
keep each test bounded). ``Recorder`` stands in for the scheduler: it awaits
``run``, then "records" the outcome after a short pause (its database commit), then
calls ``release``; a stopped orchestrator is ``detach()`` and the cancellation of every
recorder task, as the service's shutdown does.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from services.orchestrator.executors.base import RunOutcome, RunRequest
from services.orchestrator.executors.kubernetes.config import KubernetesSettings
from services.orchestrator.executors.kubernetes.executor import KubernetesExecutor
from services.orchestrator.executors.kubernetes.objects import pod_name
from tests.orchestrator.kubernetes.conftest import MakeExecutor, make_request, until
from tests.orchestrator.kubernetes.fakekube import FakeKube
from tests.orchestrator.kubernetes.idlekubelet import IdleKubelet

Key = tuple[str, int]


def key(request: RunRequest) -> Key:
    return str(request.submission_id), request.attempt


@dataclass
class Recorder:
    """The scheduler's side: an outcome counts once it is recorded, after a commit pause."""

    commit_seconds: tuple[float, float] = (0.0, 0.0)
    recorded: list[tuple[Key, RunOutcome]] = field(default_factory=list)
    handed_back: dict[Key, float] = field(default_factory=dict)  # when (time.time())
    _random: random.Random = field(default_factory=lambda: random.Random(1))

    async def execute(self, executor: KubernetesExecutor, request: RunRequest) -> None:
        outcome = await executor.run(request)
        self.handed_back[key(request)] = time.time()
        await asyncio.sleep(self._random.uniform(*self.commit_seconds))
        self.recorded.append((key(request), outcome))
        await executor.release(request)

    @property
    def keys(self) -> set[Key]:
        return {k for k, _ in self.recorded}


@pytest.fixture
def k8s_settings(k8s_settings: KubernetesSettings) -> KubernetesSettings:
    """The production read timeout, not the unit tests' 5 s: the fake API server shares this
    process, and a burst of 2,000 beside other work can hold a reply past 5 s."""
    return k8s_settings.model_copy(update={"api_timeout_seconds": 30.0})


def api_calls(kube: FakeKube) -> Counter[str]:
    """Requests other than the watcher's lists and watches, by method."""
    return Counter(m for m, p, _ in kube.requests if not (m == "GET" and p.endswith("/pods")))


@pytest.mark.e2e
@pytest.mark.timeout(240)
async def test_two_thousand_pods_at_once_each_get_one_outcome(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    runs = int(os.environ.get("K8S_RUNS", "2000"))
    kubelet = IdleKubelet(kube, seconds=(0.5, 2.0)).attach()
    executor = await make_executor()
    recorder = Recorder()
    requests = [make_request() for _ in range(runs)]
    try:
        # generous bounds: 22-45 s alone on 2 cores, much longer beside other work
        everything = asyncio.gather(*(recorder.execute(executor, r) for r in requests))
        await asyncio.wait_for(everything, timeout=200)
    finally:
        await kubelet.close()
    assert len(recorder.recorded) == runs and recorder.keys == {key(r) for r in requests}
    assert all(o.failure_reason is None and o.predictions_key for _, o in recorder.recorded)
    assert all(len(kube.created[pod_name(r.submission_id, 1)]) == 1 for r in requests)
    assert not kube.pods  # every collected pod was released
    # each run is woken by its own pod's few changes (and the odd re-list), never by the
    # others': all-wake would be ~runs x events, here millions
    assert executor.watcher.wakeups <= runs * 6
    calls = api_calls(kube)
    # PATCH: the collected marks that went out before their release (the others were dropped)
    assert calls.pop("PATCH", 0) <= runs
    assert calls == {"POST": runs, "DELETE": runs, "GET": runs}  # GET: the log


@pytest.mark.e2e
@pytest.mark.timeout(240)
async def test_an_orchestrator_stopped_mid_burst_runs_no_attempt_twice(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    runs = 1000
    kubelet = IdleKubelet(kube, seconds=(0.3, 2.5)).attach()
    requests = [make_request() for _ in range(runs)]
    # a slow commit leaves many runs between "outcome handed back" and "recorded" when
    # the stop lands: exactly where the verdict used to be lost with the deleted pod
    first = Recorder(commit_seconds=(0.05, 0.4))
    before = await make_executor()
    tasks = [asyncio.create_task(first.execute(before, r)) for r in requests]
    try:
        # mid-burst, and at a moment when some outcomes are handed back but not recorded
        await until(
            lambda: len(first.recorded) >= runs // 4 and len(first.handed_back.keys() - first.keys) >= 3,
            timeout=120,
        )
        # the stop, as the service does it: detach, cancel every run task, close (the
        # collected marks still queued get a few seconds; a pod not marked is classified
        # again by the next orchestrator)
        before.detach()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await before.close()
        in_window = first.handed_back.keys() - first.keys
        assert in_window, "the stop should land while some outcomes were handed back but not recorded"

        # the next orchestrator: the runs not recorded are still active, same attempt
        active = [r for r in requests if key(r) not in first.keys]
        second = Recorder()
        after = await make_executor()
        found = await after.resume([key(r) for r in active])
        assert found
        await asyncio.wait_for(asyncio.gather(*(second.execute(after, r) for r in active)), timeout=90)
    finally:
        await kubelet.close()

    every = [k for k, _ in first.recorded + second.recorded]
    assert sorted(every) == sorted(key(r) for r in requests)  # each attempt recorded once
    assert all(o.failure_reason is None for _, o in first.recorded + second.recorded)
    for request in requests:
        name = pod_name(request.submission_id, 1)
        created = kube.created[name]
        assert len(created) == 1, f"{name} was created {len(created)} times"
        # and never after its outcome existed (handed back before the stop, or marked)
        existed = min(first.handed_back.get(key(request), math.inf), kube.collected_at.get(name, math.inf))
        assert created[0] <= existed
    assert len(kubelet.ended_at) == runs  # each pod's program ran once
    assert not kube.pods  # released, or deleted by the restart's recovery once recorded
