"""A kubelet that runs nothing, for scale: thousands of run pods against ``fakekube``.

No cluster can run on the development or CI machines, and the bubblewrap kubelet
(``kubelet.py``) starts real processes, a few at a time. This one only writes the
statuses a node would write for a run that succeeds: ``Pending`` with the init
container running, ``Running``, then ``Succeeded`` with the runner's report (predictions
uploaded) and a short log, after a run time drawn from ``seconds``. It notes when each
pod ended (``ended_at``, ``time.time()``), so a benchmark can time pod ended -> outcome
recorded; deleting a pod stops its script.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.orchestrator.kubernetes.fakekube import FakeKube


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class IdleKubelet:
    kube: FakeKube
    seconds: tuple[float, float] = (1.0, 5.0)
    start_seconds: float = 0.05
    seed: int = 0
    ended_at: dict[str, float] = field(default_factory=dict)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def attach(self) -> IdleKubelet:
        self.kube.on_create = self._created
        self.kube.on_delete = self._deleted
        return self

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _created(self, pod: dict[str, Any]) -> None:
        name = pod["metadata"]["name"]
        self._tasks[name] = asyncio.create_task(self._run(name), name=f"idle-kubelet-{name}")

    def _deleted(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _run(self, name: str) -> None:
        try:
            await self._script(name)
        except _Gone:
            pass
        finally:
            self._tasks.pop(name, None)

    async def _script(self, name: str) -> None:
        await asyncio.sleep(self.start_seconds)
        fetching = {"name": "fetch", "state": {"running": {"startedAt": _now()}}}
        waiting = {"name": "run", "image": "rt", "state": {"waiting": {"reason": "PodInitializing"}}}
        pending = {"phase": "Pending", "initContainerStatuses": [fetching], "containerStatuses": [waiting]}
        await self._set(name, pending)
        await asyncio.sleep(self.start_seconds)
        started = _now()
        fetched = [{"name": "fetch", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]
        running = {"name": "run", "image": "rt", "state": {"running": {"startedAt": started}}}
        await self._set(
            name, {"phase": "Running", "initContainerStatuses": fetched, "containerStatuses": [running]}
        )
        wall = self._random.uniform(*self.seconds)
        await asyncio.sleep(wall)
        report = {
            "exit_code": 0,
            "timed_out": False,
            "wall_seconds": round(wall, 3),
            "cpu_seconds": 0.01,
            "peak_memory_mb": 10.0,
            "predictions": "uploaded",
        }
        terminated = {
            "exitCode": 0,
            "reason": "Completed",
            "startedAt": started,
            "finishedAt": _now(),
            "message": json.dumps(report),
        }
        digest = "rt@sha256:" + "0" * 64
        ended = {"name": "run", "image": "rt", "imageID": digest, "state": {"terminated": terminated}}
        status = {"phase": "Succeeded", "initContainerStatuses": fetched, "containerStatuses": [ended]}
        if name in self.kube.pods:
            self.ended_at[name] = time.time()  # before the event can reach anyone
        await self._set(name, status, log=b"predicting\ndone\n")

    async def _set(self, name: str, status: dict[str, Any], log: bytes | None = None) -> None:
        if name not in self.kube.pods:  # deleted meanwhile: nothing left to run
            raise _Gone
        await self.kube.set_status(name, status, log=log)


class _Gone(Exception):
    """The pod was deleted while its script ran."""
