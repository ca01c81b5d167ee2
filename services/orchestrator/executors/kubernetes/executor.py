"""``KubernetesExecutor``: the orchestrator's ``Executor`` seam, one pod per attempt.

``run``: build the pod (``objects``), create it (409: a pod of this attempt exists
already, from before a restart: adopt it), wait until ``classify`` says it is over
(through the ``PodWatcher``, woken only by changes of this pod, with a direct read now
and then in case the watch is behind), read the main container's log with a byte cap,
store the log, and return the same ``RunOutcome`` the local sandbox returns. The
predictions were uploaded by the pod itself (``runner.py``) to
``outputs/<submission>/<attempt>/predictions.csv``.

An ended pod is not deleted before its outcome is safe: ``run`` returns the outcome
once the log is stored, and the pod is marked collected (the outcome in an annotation)
in the background, behind the runs still ending; the pod goes when the scheduler calls
``release`` after recording the outcome (a mark not yet sent is then dropped), or after
a grace (``collect.py`` says why this means no attempt is ever run twice, however a
restart interleaves, marked or not). A verdict
reached while the pod is *not* over (its image cannot be pulled, it cannot be
configured, it never started) comes before the participant's program ran: that pod is
deleted at once, since keeping it could still let it start.

Cancelling ``run`` deletes the pod, unless ``detach()`` was called first: an
orchestrator shutting down (a rolling update) leaves its pods running, and after the
restart ``recover`` sorts the namespace out and ``run`` of the same attempt adopts.
Nor after ``abandon(submission, attempt)``: another replica took the run over (its
lease ran out here), and its ``run`` of the same attempt adopts the pod (409), which a
delete would only make it retry as a new attempt.
Every API call has a timeout (``client.py``); at most ``create_concurrency`` creations
are in flight, so a burst of starts leaves the API to the runs that are ending.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog
from kubernetes_asyncio.client import ApiClient, ApiException, CoreV1Api

from services.orchestrator.executors.base import Executor, RunOutcome, RunRequest, output_keys
from services.orchestrator.executors.kubernetes.classify import classify, is_started, ran_on
from services.orchestrator.executors.kubernetes.client import api_timeout, make_api_client
from services.orchestrator.executors.kubernetes.collect import Collector, collected, is_over, mark
from services.orchestrator.executors.kubernetes.config import KubernetesSettings
from services.orchestrator.executors.kubernetes.logs import last_lines, read_log, store_log
from services.orchestrator.executors.kubernetes.objects import (
    ATTEMPT_LABEL,
    SUBMISSION_LABEL,
    active_deadline_seconds,
    make_run_pod,
    pod_name,
)
from services.orchestrator.executors.kubernetes.urls import BlobUrls
from services.orchestrator.executors.kubernetes.watcher import PodWatcher, read_json, read_ok
from shared.aio import wait_event
from shared.events import ExecutionSpec, FailureReason
from shared.storage import Storage

__all__ = ["KubernetesExecutor", "Recovery", "make_api_client"]

log = structlog.get_logger(__name__)

RECOVER_CONCURRENCY = 32
MERGE_PATCH = "application/merge-patch+json"


@dataclass
class Recovery:
    """What ``recover`` found: pods of runs still active (their ``run`` adopts them) and
    pods of no active run (deleted)."""

    running: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


class KubernetesExecutor(Executor):
    def __init__(
        self,
        storage: Storage,
        urls: BlobUrls,
        settings: KubernetesSettings,
        api_client: ApiClient,
        *,
        poll_seconds: float = 30.0,
        storage_attempts: int = 3,
        machine: str = "",
    ) -> None:
        self.storage = storage
        self.urls = urls
        self.settings = settings
        self.api_client = api_client
        self.api = CoreV1Api(api_client)
        self.watcher = PodWatcher(self.api, settings)
        self.collector = Collector(self._mark, self._delete, grace_seconds=settings.collected_grace_seconds)
        self.poll_seconds = poll_seconds
        self.storage_attempts = storage_attempts
        # the execution record's machine (HOLDOUT_MACHINE_KIND), else the pod's node
        self.machine = machine
        self._detached = False
        self._abandoned: set[tuple[str, int]] = set()  # (submission, attempt): another replica's now
        self._containers_ready = False
        self._timeout = api_timeout(settings)
        # else 2,000 creates hold the pool and the API while ended runs wait to be collected
        self._creating = asyncio.Semaphore(max(1, settings.create_concurrency))

    # -- the seam -------------------------------------------------------------------------

    async def run(self, request: RunRequest) -> RunOutcome:
        name = pod_name(request.submission_id, request.attempt)
        key = (str(request.submission_id), request.attempt)
        try:
            return await self._run(request, name)
        except asyncio.CancelledError:
            if not self._detached and key not in self._abandoned:
                await asyncio.shield(self._delete(name))
            raise
        except Exception as exc:
            log.exception("k8s.run_failed", submission_id=key[0], error=repr(exc)[:300])
            if key not in self._abandoned:
                with contextlib.suppress(Exception):
                    await self._delete(name)
            return RunOutcome.internal("the Kubernetes executor failed")
        finally:
            self._abandoned.discard(key)

    def abandon(self, submission_id: str, attempt: int) -> None:
        """Another replica holds this run now: cancelling it here leaves its pod running
        for the holder's ``run`` of the same attempt to adopt."""
        self._abandoned.add((str(submission_id), int(attempt)))

    async def release(self, request: RunRequest) -> None:
        """The outcome of ``request`` is recorded: delete its collected pod."""
        await self.collector.release(pod_name(request.submission_id, request.attempt))

    def detach(self) -> None:
        """From now on, cancelling a run leaves its pod running and collected pods stay
        for the next orchestrator (call before shutting down)."""
        self._detached = True
        self.collector.stop()

    async def resume(self, runs: Collection[tuple[str, int]]) -> bool:
        """After a restart the runs' pods may still be going: delete the orphans, and let
        ``run`` of the same attempts adopt (409) or collect the others. An API outage here
        only leaves orphans for the next start; the runs carry on either way."""
        try:
            await self.recover(runs)
        except Exception as exc:
            log.warning("k8s.recover_failed", error=repr(exc)[:300])
        return True

    async def close(self) -> None:
        await self.collector.close()
        await self.watcher.stop()
        await self.api_client.close()

    async def recover(self, active: Collection[tuple[uuid.UUID | str, int]]) -> Recovery:
        """After a restart: keep the pods of ``active`` runs (submission id, attempt), which
        ``run`` will adopt (running) or collect (finished), and delete every other run pod."""
        wanted = {(str(sid), int(attempt)) for sid, attempt in active}
        pods, _ = await self.watcher.list_pods()
        found = Recovery()
        for pod in pods:
            meta = pod.get("metadata") or {}
            labels = meta.get("labels") or {}
            key = (labels.get(SUBMISSION_LABEL, ""), _int(labels.get(ATTEMPT_LABEL)))
            name = meta["name"]
            if key not in wanted:  # an orphan, or a collected pod whose outcome is recorded
                found.deleted.append(name)
            elif is_over(pod):
                found.finished.append(name)
            else:
                found.running.append(name)
        limit = asyncio.Semaphore(RECOVER_CONCURRENCY)

        async def delete(name: str) -> None:
            async with limit:
                await self._delete(name)

        await asyncio.gather(*(delete(name) for name in found.deleted))
        log.info("k8s.recovered", running=found.running, finished=found.finished, deleted=found.deleted)
        return found

    # -- one run --------------------------------------------------------------------------

    async def _run(self, request: RunRequest, name: str) -> RunOutcome:
        spec = request.execution
        image = self.settings.image_for(spec.runtime)
        if image is None:
            return RunOutcome.internal(
                f"no container image is configured for runtime {spec.runtime!r}", retryable=False
            )
        self.watcher.start()
        predictions_key, log_key, model_key = output_keys(request.submission_id, request.attempt)
        ttl = timedelta(
            seconds=active_deadline_seconds(request, self.settings)
            + self.settings.pending_timeout_seconds
            + self.settings.url_slack_seconds
        )
        trains = spec.kind == "training"
        # a training run's output is its model's zip; an inference run may read one
        output_key = model_key if trains else predictions_key
        pod = make_run_pod(
            request,
            self.settings,
            image=image,
            archive_url=self.urls.read_url("submissions", request.archive_key, ttl),
            predictions_url=self.urls.write_url("outputs", output_key, ttl),
            model_url=(
                self.urls.read_url("outputs", spec.model_key, ttl) if spec.model_key and not trains else None
            ),
        )
        if not self._containers_ready:
            # the pod uploads its predictions with a SAS URL, which cannot create a container
            await self.storage.ensure_containers()
            self._containers_ready = True
        async with self._creating:
            await self._create(pod, str(request.submission_id))
        verdict, started, last_seen = await self._wait(name, spec, output_key)
        if (kept := collected(last_seen)) is not None:
            # collected before a restart: the outcome that was handed back, once more
            log.info("k8s.collected_adopted", pod=name, submission_id=str(request.submission_id))
            self.collector.collected(name)
            return kept
        image_digest, node = ran_on(last_seen, image)
        text = await read_log(self.api, self.settings, name, spec, timeout=self._timeout) if started else ""
        stored_log = await store_log(self.storage, log_key, text, attempts=self.storage_attempts)
        if not stored_log:
            outcome = RunOutcome.internal("could not store the run's log")
        else:
            detail = verdict.detail
            if verdict.failure_reason == FailureReason.RUNTIME_ERROR and (tail := last_lines(text)):
                detail = f"{detail}; last lines of the log:\n{tail}"
            outcome = dataclasses.replace(
                verdict,
                detail=detail,
                log_key=log_key,
                runtime=spec.runtime,
                runtime_digest=image_digest if started else "",
                machine=self.machine or node,
                gpu_used=spec.gpu and started,
            )
        log.info(
            "k8s.run_finished",
            submission_id=str(request.submission_id),
            attempt=request.attempt,
            failure_reason=outcome.failure_reason,
            retryable=outcome.retryable,
        )
        if is_over(last_seen):
            # kept until the outcome is recorded; marked with it in the background
            self.collector.collected(name, outcome)
        else:
            # its program never ran, and must not start now
            await self._delete(name)
        return outcome

    async def _mark(self, name: str, outcome: RunOutcome) -> None:
        """Mark an ended pod collected with ``outcome`` (the ``Collector`` calls this)."""
        try:
            response = await self.api.patch_namespaced_pod(  # type: ignore[call-arg]  # _content_type: in its kwargs
                name,
                self.settings.namespace,
                mark(outcome),
                _content_type=MERGE_PATCH,
                _preload_content=False,
                _request_timeout=self._timeout,
            )
            await read_ok(response)
        except ApiException as exc:
            if exc.status != 404:  # 404: released meanwhile, or deleted outside Holdout
                raise

    async def _create(self, pod: dict[str, Any], submission_id: str) -> None:
        name = pod["metadata"]["name"]
        try:
            response = await self.api.create_namespaced_pod(
                self.settings.namespace,
                pod,  # type: ignore[arg-type]  # the client sends a dict as it is
                _preload_content=False,
                _request_timeout=self._timeout,
            )
            await read_ok(response)
            log.info("k8s.pod_created", pod=name, submission_id=submission_id)
        except ApiException as exc:
            if exc.status != 409:
                raise
            log.info("k8s.pod_adopted", pod=name, submission_id=submission_id)

    async def _read(self, name: str) -> dict[str, Any] | None:
        try:
            response = await self.api.read_namespaced_pod(
                name,
                self.settings.namespace,
                _preload_content=False,
                _request_timeout=self._timeout,
            )
            return await read_json(response)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    async def _wait(
        self, name: str, spec: ExecutionSpec, predictions_key: str
    ) -> tuple[RunOutcome, bool, dict[str, Any] | None]:
        """Until the pod's run is over: (what its status says, whether the main container
        ever started, the pod as last seen); a collected pod is over at once."""
        loop = asyncio.get_running_loop()
        since = loop.time()
        started = False
        read: dict[str, Any] | None = None
        seen: dict[str, Any] | None = None
        while True:
            # take the tick before looking, so a change in between wakes the wait below
            tick = self.watcher.tick(name)
            pod, read = read or self.watcher.get(name), None
            if pod is not None:
                started = started or is_started(pod)
                seen = pod
                if (kept := collected(pod)) is not None:
                    return kept, started, seen
                if (verdict := classify(pod, spec, predictions_key=predictions_key)) is not None:
                    return verdict, started, seen
                if not started and loop.time() - since > self.settings.pending_timeout_seconds:
                    reason = (pod.get("status") or {}).get("message") or "no node could take it"
                    return _internal(f"the run could not start in time: {reason}"), False, seen
            if await wait_event(tick, self.poll_seconds):
                continue
            # the watch may be behind (reconnecting): ask directly
            try:
                read = await self._read(name)
            except Exception as exc:
                log.warning("k8s.read_failed", pod=name, error=repr(exc)[:300])
                continue
            if read is None:
                return _internal("the run's pod was deleted outside Holdout"), started, seen

    async def _delete(self, name: str) -> None:
        try:
            response = await self.api.delete_namespaced_pod(
                name,
                self.settings.namespace,
                grace_period_seconds=0,
                propagation_policy="Background",
                _preload_content=False,
                _request_timeout=self._timeout,
            )
            await read_ok(response)
            log.info("k8s.pod_deleted", pod=name)
        except ApiException as exc:
            if exc.status != 404:
                raise


def _internal(what: str) -> RunOutcome:
    return RunOutcome.internal(what, retryable=True)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1
