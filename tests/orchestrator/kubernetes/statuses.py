"""Pod statuses as the kubelet writes them, for scripting the fake API server."""

from __future__ import annotations

import json
from typing import Any

T0, T1 = "2026-11-02T10:00:00Z", "2026-11-02T10:00:07Z"
FETCH_DONE = [{"name": "fetch", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]


def running() -> dict[str, Any]:
    return {
        "phase": "Running",
        "initContainerStatuses": FETCH_DONE,
        "containerStatuses": [{"name": "run", "image": "rt", "state": {"running": {"startedAt": T0}}}],
    }


def finished(
    exit_code: int, report: dict[str, Any] | None = None, *, reason: str | None = None
) -> dict[str, Any]:
    terminated = {
        "exitCode": exit_code,
        "reason": reason or ("Completed" if exit_code == 0 else "Error"),
        "startedAt": T0,
        "finishedAt": T1,
    }
    if report is not None:
        terminated["message"] = json.dumps(report)
    return {
        "phase": "Succeeded" if exit_code == 0 else "Failed",
        "initContainerStatuses": FETCH_DONE,
        "containerStatuses": [{"name": "run", "image": "rt", "state": {"terminated": terminated}}],
    }


def report(exit_code: int = 0, predictions: str = "uploaded", **extra: Any) -> dict[str, Any]:
    base = {"exit_code": exit_code, "timed_out": False, "wall_seconds": 6.5, "cpu_seconds": 5.25}
    return dict(base, peak_memory_mb=120.0, predictions=predictions, **extra)


def image_pull_backoff(image: str = "registry.invalid/rt:1") -> dict[str, Any]:
    return {
        "phase": "Pending",
        "initContainerStatuses": FETCH_DONE,
        "containerStatuses": [
            {
                "name": "run",
                "image": image,
                "state": {
                    "waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}
                },
            }
        ],
    }


def evicted(message: str = "The node was low on resource: memory.") -> dict[str, Any]:
    return {
        "phase": "Failed",
        "reason": "Evicted",
        "message": message,
        "conditions": [{"type": "DisruptionTarget", "status": "True", "reason": "TerminationByKubelet"}],
        "containerStatuses": [
            {"name": "run", "state": {"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown"}}}
        ],
    }


def deadline_exceeded() -> dict[str, Any]:
    status = running()
    return dict(
        status,
        phase="Failed",
        reason="DeadlineExceeded",
        message="Pod was active on the node longer than the specified deadline",
    )
