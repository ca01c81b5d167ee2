"""A small Kubernetes API server for the tests: pods create/get/list/watch/patch/delete/log.

No cluster can run on the development or CI machines, so the real
``kubernetes_asyncio`` client talks HTTP to this instead. It is written here rather
than taken from kmock because the scenarios need what kmock lacks (FACTS.md): a
``resourceVersion`` on every object and list, label selectors, pod status that the test
scripts, bookmarks, a history window that answers 410 Gone to a stale version, and a
watch connection that can be cut. ``watch`` is accepted as ``true``/``True``/``1``
like the real API server (Go's ``strconv.ParseBool``). ``PATCH`` takes a JSON merge
patch (RFC 7386), as ``kubectl patch --type merge`` sends.

It keeps the books a scale test needs: ``created`` (every 201 per pod name, with the
time) and ``collected_at`` (when a patch first put the executor's outcome annotation on
a pod), so a test can assert that no attempt's pod was created twice and none after its
outcome existed. A watch reads the history from its version by bisection, so a server
with thousands of pods and events answers each change in constant work.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import copy
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(code: int, reason: str, message: str) -> web.Response:
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason}
    return web.json_response(dict(body, message=message), status=code)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, ``null`` removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _selected(pod: dict[str, Any], selector: str | None) -> bool:
    return _matches(pod["metadata"].get("labels") or {}, selector)


def _matches(labels: dict[str, str], selector: str | None) -> bool:
    for term in filter(None, (selector or "").split(",")):
        key, _, value = term.partition("=")
        if labels.get(key) != value:
            return False
    return True


@dataclass
class FakeKube:
    namespace: str = "holdout-runs"
    pods: dict[str, dict[str, Any]] = field(default_factory=dict)
    logs: dict[str, bytes] = field(default_factory=dict)
    version: int = 100
    # events older than this version are "compacted": a watch from before it gets 410
    oldest: int = 100
    # (version, labels, the watch event's line): each event is encoded once, when it
    # happens, and sent as it is to every watch; ``_versions`` for bisection
    _events: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    _versions: list[int] = field(default_factory=list)
    # name -> the times (time.time()) it was created with 201; when it was first collected
    created: dict[str, list[float]] = field(default_factory=dict)
    collected_at: dict[str, float] = field(default_factory=dict)
    collected_annotation: str = "holdout.dev/outcome"
    bookmark_seconds: float = 0.2
    # faults the next watch requests meet, in order: "gone" (an ERROR 410 event) or "drop"
    watch_faults: list[str] = field(default_factory=list)
    # answer every PATCH with 503 (an API server refusing writes for a while)
    refuse_patches: bool = False
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    url: str = ""
    # a "kubelet" to tell about pods made and deleted through the API (kubelet.py)
    on_create: Callable[[dict[str, Any]], None] | None = None
    on_delete: Callable[[str], None] | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    # -- scripting ------------------------------------------------------------------------

    async def _record(self, kind: str, pod: dict[str, Any]) -> None:
        self.version += 1
        pod["metadata"]["resourceVersion"] = str(self.version)
        line = json.dumps({"type": kind, "object": pod}).encode() + b"\n"
        self._events.append((self.version, dict(pod["metadata"].get("labels") or {}), line))
        self._versions.append(self.version)
        async with self._changed:
            self._changed.notify_all()

    async def set_status(self, name: str, status: dict[str, Any], *, log: bytes | None = None) -> None:
        pod = self.pods[name]
        pod["status"] = copy.deepcopy(status)
        if log is not None:
            self.logs[name] = log
        await self._record("MODIFIED", pod)

    async def add_pod(self, pod: dict[str, Any]) -> None:
        """A pod made outside the test's executor (e.g. by an orchestrator before a restart)."""
        pod = copy.deepcopy(pod)
        self._stamp(pod)
        self.pods[pod["metadata"]["name"]] = pod
        await self._record("ADDED", pod)

    @property
    def history(self) -> list[tuple[int, str, dict[str, Any]]]:
        """Every event so far as (version, type, the object then)."""
        events = [(version, json.loads(line)) for version, _, line in self._events]
        return [(version, event["type"], event["object"]) for version, event in events]

    def compact(self) -> None:
        """Forget all history: a watch from any version seen so far gets 410 Gone."""
        self.oldest = self.version + 1

    def watch_requests(self) -> list[dict[str, str]]:
        return [q for m, p, q in self.requests if m == "GET" and p.endswith("/pods") and "watch" in q]

    def _stamp(self, pod: dict[str, Any]) -> None:
        meta = pod["metadata"]
        meta.setdefault("namespace", self.namespace)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = _now()
        pod.setdefault("status", {"phase": "Pending"})

    # -- the API --------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._log_requests])
        base = "/api/v1/namespaces/{namespace}/pods"
        app.router.add_post(base, self.create)
        app.router.add_get(base, self.list_or_watch)
        app.router.add_get(base + "/{name}", self.read)
        app.router.add_delete(base + "/{name}", self.delete)
        app.router.add_patch(base + "/{name}", self.patch)
        app.router.add_get(base + "/{name}/log", self.read_log)
        return app

    @web.middleware
    async def _log_requests(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self.requests.append((request.method, request.path, dict(request.query)))
        return await handler(request)

    async def create(self, request: web.Request) -> web.Response:
        pod = await request.json()
        name = pod["metadata"]["name"]
        if name in self.pods:
            return _status(409, "AlreadyExists", f'pods "{name}" already exists')
        self._stamp(pod)
        self.pods[name] = pod
        self.created.setdefault(name, []).append(time.time())
        await self._record("ADDED", pod)
        if self.on_create is not None:
            self.on_create(pod)  # read, never changed, by the kubelet
        return web.json_response(pod, status=201)

    async def read(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.pods:
            return _status(404, "NotFound", f'pods "{name}" not found')
        return web.json_response(self.pods[name])

    async def delete(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        pod = self.pods.pop(name, None)
        if pod is None:
            return _status(404, "NotFound", f'pods "{name}" not found')
        self.logs.pop(name, None)
        await self._record("DELETED", pod)
        if self.on_delete is not None:
            self.on_delete(name)
        return web.json_response(pod)

    async def patch(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.pods:
            return _status(404, "NotFound", f'pods "{name}" not found')
        if self.refuse_patches:
            return _status(503, "ServiceUnavailable", "the API server is refusing writes")
        if request.content_type != "application/merge-patch+json":
            expected = f"expected a merge patch, got {request.content_type}"
            return _status(415, "UnsupportedMediaType", expected)
        change = await request.json()
        pod = self.pods[name]
        patched = merge_patch(pod, change)
        patched["metadata"]["name"], patched["metadata"]["uid"] = name, pod["metadata"]["uid"]
        self.pods[name] = patched
        if self.collected_annotation in (patched["metadata"].get("annotations") or {}):
            self.collected_at.setdefault(name, time.time())
        await self._record("MODIFIED", patched)
        return web.json_response(patched)

    async def read_log(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.pods:
            return _status(404, "NotFound", f'pods "{name}" not found')
        data = self.logs.get(name, b"")
        if "tailLines" in request.query:
            data = b"".join(data.splitlines(keepends=True)[-int(request.query["tailLines"]) :])
        if "limitBytes" in request.query:
            data = data[: int(request.query["limitBytes"])]
        return web.Response(body=data, content_type="text/plain")

    async def list_or_watch(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        selector = query.get("labelSelector")
        if query.get("watch", "").lower() not in ("true", "1"):
            items = [p for p in self.pods.values() if _selected(p, selector)]
            return web.json_response(
                {
                    "kind": "PodList",
                    "apiVersion": "v1",
                    "metadata": {"resourceVersion": str(self.version)},
                    "items": items,
                }
            )
        since = int(query.get("resourceVersion") or self.version)
        timeout = float(query.get("timeoutSeconds") or 30)
        bookmarks = query.get("allowWatchBookmarks", "").lower() == "true"
        fault = self.watch_faults.pop(0) if self.watch_faults else None
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)

        async def send(kind: str, obj: dict[str, Any]) -> None:
            await response.write(json.dumps({"type": kind, "object": obj}).encode() + b"\n")

        if since < self.oldest - 1 or fault == "gone":
            gone = {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "code": 410,
                "reason": "Expired",
            }
            await send("ERROR", dict(gone, message=f"too old resource version: {since} ({self.oldest})"))
            await response.write_eof()
            return response
        if fault == "drop":
            request.transport.close()  # type: ignore[union-attr]  # mid-stream, no chunked terminator
            return response
        with contextlib.suppress(ConnectionResetError):  # the client went away
            await self._stream(response, send, since, timeout, selector, bookmarks)
        return response

    async def _stream(
        self,
        response: web.StreamResponse,
        send: Any,
        since: int,
        timeout: float,
        selector: str | None,
        bookmarks: bool,
    ) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            start = bisect.bisect_right(self._versions, since)
            for version, labels, line in self._events[start:]:
                since = version
                if _matches(labels, selector):
                    await response.write(line)
            async with self._changed:
                try:
                    wait = min(self.bookmark_seconds, max(0.0, end - loop.time()))
                    await asyncio.wait_for(self._changed.wait(), timeout=wait)
                except TimeoutError:
                    if bookmarks:
                        meta = {"resourceVersion": str(since)}
                        await send("BOOKMARK", {"kind": "Pod", "apiVersion": "v1", "metadata": meta})
        await response.write_eof()

    async def start(self) -> web.AppRunner:
        runner = web.AppRunner(self.app(), shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return runner
