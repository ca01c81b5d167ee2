"""The run's log, for ``KubernetesExecutor``: read the main container's log from the API
with a byte cap (``read_log``), keep it in storage (``store_log``), and quote its last
lines in a runtime error's detail (``last_lines``).

The log is read once the pod's run is over; its size is the participant's to choose, so
the read asks the API server for a bounded tail and bounds it again here (a server that
ignores ``limitBytes``), and a log that cannot be read or stored never fails the run on
its own: the executor says so in the outcome.
"""

from __future__ import annotations

import aiohttp
import structlog
from kubernetes_asyncio.client import ApiException, CoreV1Api

from services.orchestrator.executors.kubernetes.config import KubernetesSettings
from services.orchestrator.executors.kubernetes.objects import RUN_CONTAINER
from services.orchestrator.executors.kubernetes.watcher import raw
from shared.events import ExecutionSpec
from shared.retry import retrying
from shared.storage import Storage, StorageError

log = structlog.get_logger(__name__)

LOG_READ_FACTOR = 4  # read this many times the kept tail, so whole lines survive the cut


async def read_log(
    api: CoreV1Api,
    settings: KubernetesSettings,
    name: str,
    spec: ExecutionSpec,
    *,
    timeout: aiohttp.ClientTimeout,
) -> str:
    """The last ``spec.log_limit_kb`` KiB of pod ``name``'s run container, with a note
    when earlier output was dropped, or a note that it could not be read."""
    keep = spec.log_limit_kb * 1024
    try:
        response = raw(
            await api.read_namespaced_pod_log(
                name,
                settings.namespace,
                container=RUN_CONTAINER,
                tail_lines=settings.log_tail_lines,
                limit_bytes=keep * LOG_READ_FACTOR,
                _preload_content=False,
                _request_timeout=timeout,
            )
        )
        try:
            if response.status != 200:
                raise ApiException(status=response.status, reason=(await response.text())[:300])
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > keep * LOG_READ_FACTOR:  # a server that ignores limitBytes
                    del body[: len(body) - keep * LOG_READ_FACTOR]
        finally:
            response.release()
    except Exception as exc:
        log.warning("k8s.log_unavailable", pod=name, error=repr(exc)[:300])
        return "[holdout: the log of this run could not be read]\n"
    text = body.decode("utf-8", "replace")
    if len(body) > keep:
        text = body[-keep:].decode("utf-8", "replace")
        text = f"[holdout: earlier output was dropped; the last {keep // 1024} KiB are kept]\n" + text
    return text


async def store_log(storage: Storage, key: str, text: str, *, attempts: int) -> bool:
    """Keep the log at ``outputs/<key>``, with ``attempts`` tries of the one retry policy;
    False if none worked (the run's outcome then says so)."""
    try:
        async for attempt in retrying((StorageError, OSError), attempts=attempts, timeout_s=None):
            with attempt:
                await storage.put_bytes("outputs", key, text.encode())
                return True
    except (StorageError, OSError) as exc:
        log.warning("k8s.log_store_failed", key=key, attempts=attempts, error=repr(exc)[:300])
    return False


def last_lines(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])[-2000:]
