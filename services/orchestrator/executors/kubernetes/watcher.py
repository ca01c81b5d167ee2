"""A reflector of the run pods in the runs namespace (kubespawner's habit).

List the pods by label selector, then watch from the list's ``resourceVersion`` with
bookmarks; each watch request has a server-side timeout and a client read timeout, and
is renewed from the last version seen. A 410 Gone (the version fell out of the API
server's window) re-lists at once; any other error (a dropped connection, an API
outage) re-lists after a capped, jittered exponential backoff; a full re-list also
happens every ``relist_seconds`` whatever the watch says.

Waiters are woken per pod: ``tick(name)`` is an event set at the next change of that
pod (and at every re-list, which may change any), taken *before* looking at the pod so
a change in between is never slept through. One watch event therefore wakes at most
the one run whose pod it is, not every run in flight (with one shared event, 500 runs
cost 169,000 wake-ups and re-classifications). ``wakeups`` counts them.

Decoding is kept to what is needed: watch events are decoded once, here; responses
whose body nobody reads (a create's, a delete's, a patch's echo of the whole pod) are
drained without decoding (``read_ok``).
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import aiohttp
import structlog
from kubernetes_asyncio.client import ApiException, CoreV1Api

from services.orchestrator.executors.kubernetes.client import api_timeout
from services.orchestrator.executors.kubernetes.config import KubernetesSettings
from services.orchestrator.executors.kubernetes.objects import SELECTOR
from shared.aio import cancel_and_wait

log = structlog.get_logger(__name__)

YIELD_EVERY = 32  # watch events handled between two turns of the event loop


def raw(response: object) -> aiohttp.ClientResponse:
    """The client's typing assumes parsed models; ``_preload_content=False`` gives this."""
    if not isinstance(response, aiohttp.ClientResponse):
        raise TypeError(f"expected a raw response, got {type(response).__name__}")
    return response


async def read_ok(response: object) -> bytes:
    """The body of a response got with ``_preload_content=False``, read to its end (so the
    connection goes back to the pool) but not decoded; non-2xx raises ApiException."""
    response = raw(response)
    try:
        body = await response.read()
    finally:
        response.release()
    if not 200 <= response.status < 300:
        raise ApiException(status=response.status, reason=body[:500].decode("utf-8", "replace"))
    return body


async def read_json(response: object) -> dict[str, Any]:
    """The JSON object of a response got with ``_preload_content=False`` (see ``read_ok``)."""
    data = json.loads(await read_ok(response))
    if not isinstance(data, dict):
        raise ValueError("the API answered something other than a JSON object")
    return data


class PodWatcher:
    def __init__(self, api: CoreV1Api, settings: KubernetesSettings, *, selector: str = SELECTOR) -> None:
        self.api = api
        self.settings = settings
        self.selector = selector
        self.pods: dict[str, dict[str, Any]] = {}
        self.synced = asyncio.Event()
        self._ticks: dict[str, asyncio.Event] = {}
        self.relists = 0
        self.wakeups = 0
        self._task: asyncio.Task[None] | None = None

    def get(self, name: str) -> dict[str, Any] | None:
        return self.pods.get(name)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="holdout-k8s-pod-watcher")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    def tick(self, name: str) -> asyncio.Event:
        """An event set at the next change of pod ``name`` or the next re-list."""
        event = self._ticks.get(name)
        if event is None:
            event = self._ticks[name] = asyncio.Event()
        return event

    def _changed(self, name: str) -> None:
        event = self._ticks.pop(name, None)
        if event is not None:
            self.wakeups += 1
            event.set()

    def _changed_all(self) -> None:
        ticks, self._ticks = self._ticks, {}
        self.wakeups += len(ticks)
        for event in ticks.values():
            event.set()

    async def list_pods(self) -> tuple[list[dict[str, Any]], str]:
        response = await self.api.list_namespaced_pod(
            self.settings.namespace,
            label_selector=self.selector,
            _preload_content=False,
            _request_timeout=api_timeout(self.settings),
        )
        data = await read_json(response)
        return list(data.get("items") or []), str((data.get("metadata") or {}).get("resourceVersion", ""))

    async def _relist(self) -> str:
        items, version = await self.list_pods()
        self.pods = {pod["metadata"]["name"]: pod for pod in items}
        self.relists += 1
        self.synced.set()
        self._changed_all()
        log.debug("k8s.pods_listed", count=len(items), resource_version=version)
        return version

    async def _watch(self, version: str, timeout: int) -> str:
        response = raw(
            await self.api.list_namespaced_pod(
                self.settings.namespace,
                label_selector=self.selector,
                watch=True,
                allow_watch_bookmarks=True,
                resource_version=version,
                timeout_seconds=timeout,
                _preload_content=False,
                _request_timeout=aiohttp.ClientTimeout(
                    sock_connect=self.settings.api_timeout_seconds,
                    sock_read=timeout + self.settings.api_timeout_seconds,
                ),
            )
        )
        try:
            if response.status != 200:
                body = await response.read()
                raise ApiException(status=response.status, reason=body[:500].decode("utf-8", "replace"))
            seen = 0
            async for line in response.content:
                if not line.strip():
                    continue
                seen += 1
                if seen % YIELD_EVERY == 0:
                    # a buffered backlog is read without awaiting: let the woken runs go
                    await asyncio.sleep(0)
                event = json.loads(line)
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    raise ApiException(status=obj.get("code", 500), reason=obj.get("message", "watch error"))
                version = obj.get("metadata", {}).get("resourceVersion") or version
                if kind == "BOOKMARK":
                    continue
                name = obj["metadata"]["name"]
                if kind == "DELETED":
                    self.pods.pop(name, None)
                else:
                    self.pods[name] = obj
                self._changed(name)
        finally:
            response.release()
        return version

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        backoff = self.settings.backoff_initial_seconds
        gone_in_a_row = 0
        while True:
            try:
                version = await self._relist()
                backoff = self.settings.backoff_initial_seconds
                relist_at = loop.time() + self.settings.relist_seconds
                while (left := relist_at - loop.time()) > 0:
                    timeout = max(1, min(self.settings.watch_timeout_seconds, int(left)))
                    version = await self._watch(version, timeout)
                    gone_in_a_row = 0
            except asyncio.CancelledError:
                raise
            except ApiException as exc:
                reason = str(exc.reason)[:200]
                # a fresh list's version should never be gone at once; if it is, back off
                if exc.status == 410 and gone_in_a_row == 0:
                    gone_in_a_row += 1
                    log.info("k8s.watch_expired", reason=reason)
                    continue
                gone_in_a_row = 0
                log.warning("k8s.watch_failed", status=exc.status, reason=reason, retry_in=backoff)
            except Exception as exc:
                log.warning("k8s.watch_failed", error=repr(exc)[:300], retry_in=backoff)
            await asyncio.sleep(backoff * random.uniform(0.8, 1.2))  # noqa: S311 - jitter
            backoff = min(backoff * 2, self.settings.backoff_max_seconds)
