"""Collected pods and the API client's session, against a fake Kubernetes API server.

Kubernetes is faked because no cluster can run on the development or CI machines: the
real ``kubernetes_asyncio`` client talks HTTP to ``fakekube.FakeKube`` and each test
scripts the statuses a kubelet would write. What is checked: an ended pod keeps its
outcome until it is released (or a grace passes), a restarted orchestrator adopting it
gets that outcome back without making a pod (or, stopped before the pod was marked, the
same outcome classified again), a release drops a mark not yet sent, the collector's
background work stays bounded, detaching keeps collected pods, and the client's HTTP
session ignores proxy variables.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter

import pytest

from services.orchestrator.executors.base import RunOutcome, RunRequest
from services.orchestrator.executors.kubernetes.classify import classify
from services.orchestrator.executors.kubernetes.client import make_api_client
from services.orchestrator.executors.kubernetes.collect import Collector, collected
from services.orchestrator.executors.kubernetes.config import KubernetesSettings
from services.orchestrator.executors.kubernetes.executor import KubernetesExecutor
from services.orchestrator.executors.kubernetes.objects import make_run_pod, pod_name
from shared.events import FailureReason, Resources
from shared.runs import output_keys
from tests.orchestrator.kubernetes import statuses
from tests.orchestrator.kubernetes.conftest import MakeExecutor, make_request, until
from tests.orchestrator.kubernetes.fakekube import FakeKube
from tests.orchestrator.kubernetes.test_executor import calls, scenario


def test_an_outcome_survives_its_json() -> None:
    outcome = RunOutcome(
        FailureReason.RUNTIME_ERROR,
        "exited with code 1; last lines of the log:\nValueError",
        exit_code=1,
        resources=Resources(wall_seconds=1.5, cpu_seconds=1.25, peak_memory_mb=10.0),
        log_key="s/1/log.txt",
        runtime="default",
        runtime_digest="rt@sha256:00",
        machine="node-1",
    )
    assert RunOutcome.from_json(outcome.to_json()) == outcome
    assert RunOutcome.from_json(RunOutcome(None, predictions_key="p").to_json()).failure_reason is None
    with pytest.raises(ValueError, match="failure_reason"):
        RunOutcome.from_json('{"detail": "no reason"}')


async def restarted_run(
    make_executor: MakeExecutor, before: KubernetesExecutor, request: RunRequest
) -> tuple[KubernetesExecutor, RunOutcome]:
    """Stop ``before`` as the service stops (detach, close), start the next orchestrator
    and run the same attempt there, as the scheduler does for a run still active."""
    before.detach()
    await before.close()
    after = await make_executor()
    await after.resume([(str(request.submission_id), request.attempt)])
    return after, await asyncio.wait_for(after.run(request), timeout=10)


async def test_a_restarted_orchestrator_gets_the_collected_outcome_back(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    before = await make_executor()
    request = make_request()
    name = pod_name(request.submission_id, 1)
    outcome = await scenario(kube, before, request, (statuses.finished(0, statuses.report()), b"ok\n"))
    assert outcome.failure_reason is None and name in kube.pods  # handed back, not yet recorded
    # stopped before the outcome was recorded: closing, it still sends the queued mark
    after, again = await restarted_run(make_executor, before, request)
    assert again == outcome and collected(kube.pods[name]) == outcome
    assert len(kube.created[name]) == 1  # met 409: no pod made twice, nothing run again
    assert calls(kube, name).count("GET log") == 1  # the kept outcome, not a second collection
    await after.release(request)
    assert name not in kube.pods


async def test_a_pod_ended_but_not_yet_marked_is_classified_again_to_the_same_outcome(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    kube.refuse_patches = True  # the mark never lands: as if stopped before it went out
    before = await make_executor()
    request = make_request()
    name = pod_name(request.submission_id, 1)
    log = b"loading\nTraceback (most recent call last):\nValueError: bad shape\n"
    outcome = await scenario(
        kube, before, request, (statuses.finished(1, statuses.report(1, "skipped")), log)
    )
    assert outcome.failure_reason == FailureReason.RUNTIME_ERROR and "ValueError: bad shape" in outcome.detail
    await until(lambda: "PATCH " + name in calls(kube, name))
    after, again = await restarted_run(make_executor, before, request)
    assert collected(kube.pods[name]) is None
    assert again == outcome  # the same verdict, detail (the log's last lines) and record
    assert len(kube.created[name]) == 1  # adopted (409): nothing run again
    assert calls(kube, name).count("GET log") == 2  # the log read again, with the same bounds
    assert outcome.log_key is not None
    assert await after.storage.get_bytes("outputs", outcome.log_key) == log


async def test_a_release_before_the_mark_drops_it(kube: FakeKube, make_executor: MakeExecutor) -> None:
    executor = await make_executor()
    request = make_request()
    name = pod_name(request.submission_id, 1)

    async def record() -> RunOutcome:
        # the scheduler records the outcome and releases the pod before the mark goes out
        outcome = await executor.run(request)
        await executor.release(request)
        return outcome

    task = asyncio.create_task(record())
    await until(lambda: name in kube.pods)
    await kube.set_status(name, statuses.finished(0, statuses.report()), log=b"")
    outcome = await asyncio.wait_for(task, timeout=10)
    assert outcome.failure_reason is None and name not in kube.pods
    assert f"PATCH {name}" not in calls(kube, name) and executor.collector.unmarked == 0


async def test_the_collectors_background_work_is_bounded() -> None:
    in_flight, most = Counter[str](), Counter[str]()
    marked: list[str] = []
    go = asyncio.Event()

    async def work(kind: str) -> None:
        in_flight[kind] += 1
        most[kind] = max(most[kind], in_flight[kind])
        await go.wait()
        in_flight[kind] -= 1

    async def mark(name: str, outcome: RunOutcome) -> None:
        marked.append(name)
        await work("mark")

    async def delete(name: str) -> None:
        await work("delete")

    collector = Collector(mark, delete, grace_seconds=60, mark_concurrency=2, delete_concurrency=3)
    names = [f"pod-{i}" for i in range(10)]
    for name in names:
        collector.collected(name, RunOutcome(None))
    await until(lambda: in_flight["mark"] == 2)
    releases = [asyncio.create_task(collector.release(name)) for name in names]
    await until(lambda: in_flight["delete"] == 3)
    go.set()
    await asyncio.gather(*releases)
    assert most == {"mark": 2, "delete": 3}
    # the two marks in flight went out, oldest first; released, the others were dropped
    assert marked == names[:2] and collector.unmarked == 0 and collector.pending == 0
    await collector.close()


async def test_a_collected_pod_goes_after_the_grace_unless_detached(
    kube: FakeKube, k8s_settings: KubernetesSettings, make_executor: MakeExecutor
) -> None:
    k8s_settings.collected_grace_seconds = 0.3
    executor = await make_executor()
    first, second = make_request(), make_request()
    await scenario(kube, executor, first, (statuses.finished(0, statuses.report()), b""))
    assert pod_name(first.submission_id, 1) in kube.pods
    # never released (the scheduler did not say): deleted after the grace all the same
    await until(lambda: pod_name(first.submission_id, 1) not in kube.pods, timeout=5)

    await scenario(kube, executor, second, (statuses.finished(0, statuses.report()), b""))
    executor.detach()  # shutting down: the outcome may be unrecorded, the pod stays
    await asyncio.sleep(0.6)
    assert collected(kube.pods[pod_name(second.submission_id, 1)]) is not None
    assert executor.collector.pending == 0


async def test_a_verdict_on_a_pod_not_over_deletes_it_at_once(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    # the image cannot be pulled: the program never ran, and the pod must not start later
    executor = await make_executor()
    request = make_request()
    outcome = await scenario(kube, executor, request, (statuses.image_pull_backoff(), None))
    assert outcome.failure_reason == FailureReason.INTERNAL_ERROR
    assert pod_name(request.submission_id, 1) not in kube.pods and not kube.collected_at


async def test_the_client_session_ignores_proxy_variables(
    kube: FakeKube, k8s_settings: KubernetesSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a proxy that is not there: a session that trusted the environment could not connect
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    api_client = await make_api_client(k8s_settings)
    try:
        assert api_client.rest_client.pool_manager.trust_env is False
        response = await api_client.rest_client.pool_manager.get(f"{kube.url}/api/v1/namespaces/x/pods")
        assert response.status == 200
        response.release()
    finally:
        await api_client.close()
    assert api_client.rest_client.pool_manager.closed


def test_classify_names_the_predictions_of_the_pods_attempt(k8s_settings: KubernetesSettings) -> None:
    request = make_request(attempt=2)
    pod = make_run_pod(request, k8s_settings, image="rt:1", archive_url="u", predictions_url="u")
    pod["status"] = statuses.finished(0, statuses.report())
    outcome = classify(pod, request.execution)
    assert outcome is not None and outcome.failure_reason is None
    assert outcome.predictions_key == output_keys(request.submission_id, 2).predictions
    assert classify({"status": pod["status"]}, request.execution, predictions_key="k") == dataclasses.replace(
        outcome, predictions_key="k"
    )
