"""A fake kubelet for the fake API server (``fakekube.py``): it runs what a run pod runs.

When a run pod is created through the API, this does what a node would: it runs the
init container's command (``python -m services.orchestrator.executors.kubernetes.fetch`` with the
read SAS URL the executor signed), then the main container's command (``python -I
/holdout/tools/runner.py`` with the write SAS URL), each in a bubblewrap namespace whose
mounts are the pod's volumes at the pod's paths (``subPath`` and ``readOnly`` honoured),
with the container's working directory and environment and nothing else; and it
writes back what a kubelet writes: container states, exit codes, the termination
message (``/dev/termination-log``, where fetch and the runner report) and the main
container's log. Deleting the pod kills what still runs.

What is *not* like a node: no images are pulled (the init container runs this checkout
on its virtualenv, the main container the test runtime's virtualenv at
``/opt/holdout/runtime`` on the host's ``/usr``); the security context (uid 65532, no
capabilities, read-only root, seccomp), resource limits, ``activeDeadlineSeconds`` and
``emptyDir`` size limits are not enforced; the ``data`` volume (a Blob CSI mount of the
``data`` container in production) is a directory filled from the storage account
before the pod starts; the network is the host's (no NetworkPolicy), which is how the
pod reaches Azurite on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.orchestrator.kubernetes.fakekube import FakeKube

REPO = Path(__file__).resolve().parents[3]
RUNTIME_MOUNT = "/opt/holdout/runtime"
FillData = Callable[[str, Path], Awaitable[None]]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeKubelet:
    kube: FakeKube
    workdir: Path
    runtime_dir: Path  # a runtime virtualenv: what the competition's image would hold
    helper_image: str
    fill_data: FillData  # (the data volume's subPath, the directory to fill)
    ran: list[str] = field(default_factory=list)
    _procs: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def attach(self) -> FakeKubelet:
        self.kube.on_create = self._created
        self.kube.on_delete = self._deleted
        return self

    async def close(self) -> None:
        for name in list(self._tasks):
            self._deleted(name)
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def _created(self, pod: dict[str, Any]) -> None:
        name = pod["metadata"]["name"]
        self._tasks[name] = asyncio.create_task(self._run(pod), name=f"kubelet-{name}")

    def _deleted(self, name: str) -> None:
        proc = self._procs.pop(name, None)
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        task = self._tasks.pop(name, None)
        if task is not None and proc is None:
            task.cancel()

    async def _status(self, name: str, status: dict[str, Any], log: bytes | None = None) -> bool:
        if name not in self.kube.pods:  # deleted meanwhile
            return False
        await self.kube.set_status(name, status, log=log)
        return True

    async def _run(self, pod: dict[str, Any]) -> None:
        name = pod["metadata"]["name"]
        root = self.workdir / name
        try:
            await self._run_pod(name, pod["spec"], root)
        finally:
            self._procs.pop(name, None)
            self._tasks.pop(name, None)
            await asyncio.to_thread(shutil.rmtree, root, True)

    async def _run_pod(self, name: str, spec: dict[str, Any], root: Path) -> None:
        volumes = {v["name"]: v for v in spec["volumes"]}
        for volume in volumes:
            (root / "volumes" / volume).mkdir(parents=True)
        (fetch,) = spec["initContainers"]
        (run,) = spec["containers"]
        waiting = {
            "name": run["name"],
            "image": run["image"],
            "state": {"waiting": {"reason": "PodInitializing"}},
        }
        init_running = {"name": fetch["name"], "state": {"running": {"startedAt": _now()}}}
        status = {"phase": "Pending", "initContainerStatuses": [init_running], "containerStatuses": [waiting]}
        if not await self._status(name, status):
            return

        code, message, _, started = await self._container(name, fetch, volumes, root)
        init_done = {
            "name": fetch["name"],
            "state": {"terminated": _terminated(code, message, started)},
        }
        if code != 0:
            status = {"phase": "Failed", "initContainerStatuses": [init_done], "containerStatuses": [waiting]}
            await self._status(name, status)
            return

        running = {"name": run["name"], "image": run["image"], "state": {"running": {"startedAt": _now()}}}
        status = {"phase": "Running", "initContainerStatuses": [init_done], "containerStatuses": [running]}
        if not await self._status(name, status):
            return
        code, message, log, started = await self._container(name, run, volumes, root)
        ended = {
            "name": run["name"],
            "image": run["image"],
            "state": {"terminated": _terminated(code, message, started)},
        }
        status = {
            "phase": "Succeeded" if code == 0 else "Failed",
            "initContainerStatuses": [init_done],
            "containerStatuses": [ended],
        }
        self.ran.append(name)
        await self._status(name, status, log=log)

    async def _container(
        self, name: str, container: dict[str, Any], volumes: dict[str, Any], root: Path
    ) -> tuple[int, str, bytes, str]:
        """Run one container to its end: (exit code, termination message, log, start time)."""
        started = _now()
        termination = root / f"termination-{container['name']}"
        termination.touch()
        argv = ["bwrap", "--die-with-parent", "--new-session", "--clearenv"]
        argv += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
        for link in ("bin", "lib", "lib64", "sbin"):
            if os.path.islink(f"/{link}"):
                argv += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
        argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        if container["image"] == self.helper_image:
            # the Holdout image: this checkout and the interpreter its virtualenv points at
            argv += ["--ro-bind", sys.base_prefix, sys.base_prefix, "--ro-bind", str(REPO), str(REPO)]
            argv += ["--chdir", str(REPO)]
            path = f"{REPO}/.venv/bin:/usr/bin:/bin"
        else:
            argv += ["--ro-bind", str(self.runtime_dir), RUNTIME_MOUNT]
            path = f"{RUNTIME_MOUNT}/bin:/usr/bin:/bin"
        for mount in container.get("volumeMounts") or []:
            volume = volumes[mount["name"]]
            source = root / "volumes" / mount["name"]
            if mount.get("subPath"):
                source = source / mount["subPath"]
            if "persistentVolumeClaim" in volume and not source.exists():
                source.mkdir(parents=True)
                await self.fill_data(mount.get("subPath", ""), source)
            source.mkdir(parents=True, exist_ok=True)
            argv += ["--ro-bind" if mount.get("readOnly") else "--bind", str(source), mount["mountPath"]]
        argv += ["--bind", str(termination), container.get("terminationMessagePath", "/dev/termination-log")]
        if container.get("workingDir"):
            argv += ["--chdir", container["workingDir"]]
        argv += ["--setenv", "PATH", path]
        for env in container.get("env") or []:
            argv += ["--setenv", env["name"], env["value"]]
        argv += ["--", *container["command"], *container.get("args", [])]
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._procs[name] = proc
        log, _ = await proc.communicate()
        code = proc.returncode if proc.returncode is not None else 1
        return (code if code >= 0 else 128 - code), termination.read_text()[:4096], log, started


def _terminated(code: int, message: str, started: str) -> dict[str, Any]:
    terminated: dict[str, Any] = {
        "exitCode": code,
        "reason": "Completed" if code == 0 else "Error",
        "startedAt": started,
        "finishedAt": _now(),
    }
    if message:
        terminated["message"] = message
    return terminated
