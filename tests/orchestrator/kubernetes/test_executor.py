"""KubernetesExecutor scenarios, scripted against a fake Kubernetes API server.

Kubernetes is faked because no cluster can run on the development or CI machines: the
real ``kubernetes_asyncio`` client talks HTTP to ``fakekube.FakeKube`` (see its
docstring for why not kmock), and each test scripts the pod statuses a kubelet would
write. The executor's ``poll_seconds`` is 60 s, so an outcome within the test's few
seconds proves the watch (not the fallback read) delivered it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.orchestrator.executors.base import RunOutcome, RunRequest
from services.orchestrator.executors.kubernetes.collect import collected
from services.orchestrator.executors.kubernetes.objects import make_run_pod, pod_name
from shared.events import FailureReason
from tests.orchestrator.kubernetes import statuses
from tests.orchestrator.kubernetes.conftest import FakeUrls, MakeExecutor, make_request, until
from tests.orchestrator.kubernetes.fakekube import FakeKube


async def scenario(
    kube: FakeKube, executor: Any, request: RunRequest, *steps: tuple[dict[str, Any], bytes | None]
) -> RunOutcome:
    name = pod_name(request.submission_id, request.attempt)
    task = asyncio.create_task(executor.run(request))
    await until(lambda: name in kube.pods or task.done())
    for status, log in steps:
        await kube.set_status(name, status, log=log)
    return await asyncio.wait_for(task, timeout=10)


def calls(kube: FakeKube, name: str) -> list[str]:
    return [f"{m} {p.rsplit('/', 1)[-1]}" for m, p, _ in kube.requests if name in p]


async def test_success_reads_the_log_and_keeps_the_pod_collected_until_released(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    executor = await make_executor()
    request = make_request()
    name = pod_name(request.submission_id, request.attempt)
    done = statuses.finished(0, statuses.report())
    pulled = "registry.example/holdout-runtime@sha256:" + "ab" * 32
    done["containerStatuses"][0]["imageID"] = pulled
    outcome = await scenario(
        kube,
        executor,
        request,
        (statuses.running(), None),
        (done, b"loading model\npredicting\n"),
    )
    assert outcome.failure_reason is None
    # the execution record names the image digest the kubelet ran
    assert outcome.runtime == request.execution.runtime and outcome.runtime_digest == pulled
    assert outcome.gpu_used is False
    assert outcome.predictions_key == f"{request.submission_id}/1/predictions.csv"
    assert outcome.resources.wall_seconds == 6.5 and outcome.resources.cpu_seconds == 5.25
    assert outcome.log_key is not None
    assert await executor.storage.get_bytes("outputs", outcome.log_key) == b"loading model\npredicting\n"
    # the ended pod is kept until the scheduler has recorded it, marked with the outcome
    # in the background (after the outcome was handed back)
    await until(lambda: collected(kube.pods[name]) == outcome)
    assert calls(kube, name)[-2:] == ["GET log", f"PATCH {name}"]
    log_query = next(q for m, p, q in kube.requests if p.endswith("/log"))
    assert log_query["limitBytes"] == str(64 * 1024 * 4) and log_query["container"] == "run"
    await executor.release(request)
    assert calls(kube, name)[-1] == f"DELETE {name}" and name not in kube.pods


async def test_non_zero_exit_is_a_runtime_error_with_the_log_tail(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    executor = await make_executor()
    log = b"Traceback (most recent call last):\nValueError: bad shape\n"
    request = make_request()
    outcome = await scenario(
        kube, executor, request, (statuses.finished(1, statuses.report(1, "skipped")), log)
    )
    assert outcome.failure_reason == FailureReason.RUNTIME_ERROR
    assert outcome.exit_code == 1
    # no imageID in the status: the record names the image reference it asked for
    assert outcome.runtime_digest == executor.settings.image_for(request.execution.runtime)
    assert "exited with code 1" in outcome.detail and "ValueError: bad shape" in outcome.detail
    assert not outcome.retryable and outcome.predictions_key is None


async def test_oom_killed_is_memory_limit_exceeded(kube: FakeKube, make_executor: MakeExecutor) -> None:
    executor = await make_executor()
    outcome = await scenario(
        kube, executor, make_request(), (statuses.finished(137, reason="OOMKilled"), b"")
    )
    assert outcome.failure_reason == FailureReason.MEMORY_LIMIT_EXCEEDED
    assert "512 MiB memory limit" in outcome.detail


async def test_image_pull_backoff_fails_fast_for_the_host(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    executor = await make_executor()
    request = make_request()
    outcome = await scenario(kube, executor, request, (statuses.image_pull_backoff(), None))
    assert outcome.failure_reason == FailureReason.INTERNAL_ERROR
    assert not outcome.retryable  # another attempt would meet the same image
    assert "could not be pulled" in outcome.detail and "does not count against your quota" in outcome.detail
    name = pod_name(request.submission_id, 1)
    assert name not in kube.pods and "GET log" not in calls(kube, name)


async def test_eviction_is_retried_as_a_platform_fault(kube: FakeKube, make_executor: MakeExecutor) -> None:
    executor = await make_executor()
    first = make_request()
    outcome = await scenario(kube, executor, first, (statuses.running(), None), (statuses.evicted(), b""))
    assert outcome.failure_reason == FailureReason.INTERNAL_ERROR and outcome.retryable
    assert "evicted" in outcome.detail
    # the scheduler's retry: the next attempt is a pod of its own, which succeeds
    second = RunRequest(**{**first.__dict__, "attempt": 2})
    outcome = await scenario(kube, executor, second, (statuses.finished(0, statuses.report()), b""))
    assert outcome.failure_reason is None
    assert outcome.predictions_key == f"{first.submission_id}/2/predictions.csv"


async def test_ephemeral_storage_eviction_is_output_limit_exceeded(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    executor = await make_executor()
    status = statuses.evicted('Usage of EmptyDir volume "submission" exceeds the limit "100Mi". ')
    outcome = await scenario(kube, executor, make_request(), (status, b""))
    assert outcome.failure_reason == FailureReason.OUTPUT_LIMIT_EXCEEDED and not outcome.retryable


async def test_deadline_exceeded_is_time_limit_exceeded(kube: FakeKube, make_executor: MakeExecutor) -> None:
    executor = await make_executor()
    outcome = await scenario(
        kube,
        executor,
        make_request(),
        (statuses.running(), None),
        (statuses.deadline_exceeded(), b"epoch 1\n"),
    )
    assert outcome.failure_reason == FailureReason.TIME_LIMIT_EXCEEDED
    assert "60 s time limit" in outcome.detail


async def test_watch_ending_with_410_gone_relists_and_sees_the_end(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    executor = await make_executor()
    request = make_request()
    name = pod_name(request.submission_id, request.attempt)
    task = asyncio.create_task(executor.run(request))
    await until(lambda: name in kube.pods)
    await until(lambda: executor.watcher.relists >= 1)
    kube.compact()  # the version the watch holds is gone from the server's window
    kube.watch_faults.append("gone")  # the renewed watch (every 2 s) ends with 410
    await until(lambda: executor.watcher.relists >= 2)
    await kube.set_status(name, statuses.finished(0, statuses.report()), log=b"")
    outcome = await asyncio.wait_for(task, timeout=10)
    assert outcome.failure_reason is None
    watches = kube.watch_requests()
    assert all(q["allowWatchBookmarks"].lower() == "true" and q["resourceVersion"] for q in watches)


async def test_dropped_watch_connection_is_survived(kube: FakeKube, make_executor: MakeExecutor) -> None:
    kube.watch_faults.extend(["drop", "drop"])
    executor = await make_executor()
    request = make_request()
    name = pod_name(request.submission_id, request.attempt)
    task = asyncio.create_task(executor.run(request))
    await until(lambda: name in kube.pods)
    # both connections are cut mid-stream, each followed by a fresh list after a backoff;
    # only then does the pod move, so the end can only reach the executor through the
    # third watch (poll_seconds is 60 s: no direct read within the test's time)
    await until(lambda: not kube.watch_faults and executor.watcher.relists >= 3)
    await until(lambda: len(kube.watch_requests()) >= 3)
    await kube.set_status(name, statuses.running())
    await kube.set_status(name, statuses.finished(0, statuses.report()), log=b"")
    outcome = await asyncio.wait_for(task, timeout=10)
    assert outcome.failure_reason is None
    assert executor.watcher.relists == 3  # nothing but the two cuts made it list again


async def test_restart_adopts_running_collects_finished_deletes_orphans(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    executor = await make_executor()
    running, finished, orphan = make_request(), make_request(), make_request()
    for request in (running, finished, orphan):
        pod = make_run_pod(request, executor.settings, image="rt:1", archive_url="u", predictions_url="u")
        await kube.add_pod(pod)
    await kube.set_status(pod_name(running.submission_id, 1), statuses.running())
    await kube.set_status(
        pod_name(finished.submission_id, 1), statuses.finished(0, statuses.report()), log=b"done\n"
    )
    await kube.set_status(pod_name(orphan.submission_id, 1), statuses.running())
    uid = kube.pods[pod_name(running.submission_id, 1)]["metadata"]["uid"]

    found = await executor.recover([(running.submission_id, 1), (str(finished.submission_id), 1)])
    assert found.running == [pod_name(running.submission_id, 1)]
    assert found.finished == [pod_name(finished.submission_id, 1)]
    assert found.deleted == [pod_name(orphan.submission_id, 1)]
    assert pod_name(orphan.submission_id, 1) not in kube.pods

    collected = await asyncio.wait_for(executor.run(finished), timeout=10)
    assert collected.failure_reason is None and collected.log_key is not None
    assert await executor.storage.get_bytes("outputs", collected.log_key) == b"done\n"

    outcome = await scenario(kube, executor, running, (statuses.finished(0, statuses.report()), b""))
    assert outcome.failure_reason is None
    creates = [p for m, p, _ in kube.requests if m == "POST"]
    assert len(creates) == 2  # both runs met 409 and adopted; nothing was made twice
    assert all(
        e[2]["metadata"]["uid"] == uid
        for e in kube.history
        if e[2]["metadata"]["name"] == pod_name(running.submission_id, 1)
    )


async def test_cancel_deletes_the_pod_unless_detached(kube: FakeKube, make_executor: MakeExecutor) -> None:
    executor = await make_executor()
    request = make_request()
    name = pod_name(request.submission_id, 1)
    task = asyncio.create_task(executor.run(request))
    await until(lambda: name in kube.pods)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert name not in kube.pods

    other = make_request()
    task = asyncio.create_task(executor.run(other))
    await until(lambda: pod_name(other.submission_id, 1) in kube.pods)
    executor.detach()  # shutting down: the pod keeps running for the next orchestrator
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert pod_name(other.submission_id, 1) in kube.pods


async def test_an_abandoned_run_leaves_its_pod_for_the_replica_that_took_it_over(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    """Two orchestrator replicas' executors on one (fake) namespace: the first one's run
    was taken over by the second (its lease ran out), so its cancel leaves the pod, and
    the second adopts that pod and gets its outcome without making another."""
    first, second = await make_executor(), await make_executor()
    request, other = make_request(), make_request()
    name, other_name = pod_name(request.submission_id, 1), pod_name(other.submission_id, 1)
    tasks = [asyncio.create_task(first.run(r)) for r in (request, other)]
    await until(lambda: name in kube.pods and other_name in kube.pods)
    await kube.set_status(name, statuses.running())
    uid = kube.pods[name]["metadata"]["uid"]
    first.abandon(str(request.submission_id), 1)  # what the scheduler does before the cancel
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert name in kube.pods and f"DELETE {name}" not in calls(kube, name)
    assert other_name not in kube.pods, "a run that was not abandoned is still deleted on cancel"

    outcome = await scenario(kube, second, request, (statuses.finished(0, statuses.report()), b"done\n"))
    assert outcome.failure_reason is None and outcome.log_key is not None
    assert await second.storage.get_bytes("outputs", outcome.log_key) == b"done\n"
    assert len(kube.created[name]) == 1, "adopted, not made again"
    assert kube.pods[name]["metadata"]["uid"] == uid
    assert collected(kube.pods[name]) == outcome
    await second.release(request)
    assert name not in kube.pods
    # the mark lasts for that one run: were the same attempt run here again, its cancel deletes
    assert first._abandoned == set()


async def test_unknown_runtime_fails_without_a_pod(kube: FakeKube, make_executor: MakeExecutor) -> None:
    executor = await make_executor(urls=FakeUrls())
    outcome = await executor.run(make_request(runtime="nope"))
    assert outcome.failure_reason == FailureReason.INTERNAL_ERROR and not outcome.retryable
    assert "runtime 'nope'" in outcome.detail and not kube.pods
