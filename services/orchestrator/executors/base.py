"""The executor seam: how one run of a submission happens, from the archive in storage
to the predictions and log back in storage.

The scheduler (``scheduler.py``) only knows ``Executor``; the local bubblewrap sandbox
(``executors/local``) and Kubernetes pods (``executors/kubernetes``) plug in here and never
import each other. ``run`` always returns a ``RunOutcome`` (platform faults included, as
``internal_error``); cancelling the calling task stops the run and cleans up. The
sentences of a failure's detail are written once, in ``failures.py``, for both.

``RunOutcome`` is the one outcome type: the local sandbox builds it from the process it
watched, the Kubernetes executor's ``classify`` from the pod's status, and it travels
as JSON (``to_json`` / ``from_json``) where it must survive this process (a collected
pod's annotation). ``release`` is the finaliser step after the scheduler has recorded an
outcome: whatever the executor kept so that the outcome outlives a restart may go then.
"""

from __future__ import annotations

import abc
import dataclasses
import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from services.orchestrator.executors.failures import OUT_OF_SPACE, PLATFORM_FAULT, platform_fault
from shared.events import ExecutionSpec, FailureReason, Resources
from shared.runs import output_keys

# PLATFORM_FAULT: the wording is ``failures.py``'s, importable here beside the outcome it fills
__all__ = ["PLATFORM_FAULT", "Executor", "RunOutcome", "RunRequest", "output_keys"]


@dataclass(frozen=True)
class RunRequest:
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    attempt: int
    archive_key: str
    execution: ExecutionSpec
    is_smoke: bool = False


@dataclass(frozen=True)
class RunOutcome:
    failure_reason: FailureReason | None
    detail: str = ""
    exit_code: int | None = None
    resources: Resources = field(default_factory=Resources)
    predictions_key: str | None = None
    log_key: str | None = None
    # a training run that succeeded: its model's zip in the ``outputs`` container, and
    # that zip's sha256 and size ("" and None where the executor could not tell)
    model_key: str | None = None
    model_sha256: str = ""
    model_size_bytes: int | None = None
    # a platform fault that another attempt may not hit
    retryable: bool = False
    # a platform fault that clears with time, not at once (a full disk): the scheduler
    # tries the same attempt again later, with backoff
    wait_and_retry: bool = False
    # what it ran on (the execution record): the runtime's name and content digest (a
    # local runtime's recorded digest, a pod's image digest), the machine, whether a GPU
    # was given to it; empty where the run never got that far
    runtime: str = ""
    runtime_digest: str = ""
    machine: str = ""
    gpu_used: bool = False

    @classmethod
    def internal(cls, what: str, *, retryable: bool = True, log_key: str | None = None) -> RunOutcome:
        return cls(
            FailureReason.INTERNAL_ERROR,
            platform_fault(what),
            retryable=retryable,
            log_key=log_key,
        )

    def to_json(self) -> str:
        """The outcome as compact JSON, for keeping it outside the process."""
        data: dict[str, Any] = dataclasses.asdict(self)
        data["resources"] = self.resources.model_dump()
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> RunOutcome:
        """The outcome ``to_json`` wrote; ValueError if ``text`` is not one."""
        data = json.loads(text)
        if not isinstance(data, dict) or "failure_reason" not in data:
            raise ValueError(f"expected a JSON object with a failure_reason, got {text[:100]!r}")
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}  # a newer writer's extra fields
        reason = values.pop("failure_reason")
        values["resources"] = Resources.model_validate(values.get("resources") or {})
        return cls(FailureReason(reason) if reason is not None else None, **values)

    @classmethod
    def out_of_space(cls) -> RunOutcome:
        return cls(
            FailureReason.INTERNAL_ERROR,
            platform_fault(OUT_OF_SPACE),
            retryable=True,
            wait_and_retry=True,
        )


class Executor(abc.ABC):
    @abc.abstractmethod
    async def run(self, request: RunRequest) -> RunOutcome:
        """Run one attempt to its end. Cancelling the caller stops it."""

    async def resume(self, runs: Collection[tuple[str, int]]) -> bool:
        """At start-up, with the (submission id, attempt) runs that may be live anywhere
        (queued, or running and not being cancelled: another replica may hold them, so
        what belongs to them must stay). True: runs outside this process may outlive it
        (a pod), and ``run`` of the same attempt carries one on; False (the default):
        they died with it."""
        return False

    async def release(self, request: RunRequest) -> None:
        """The scheduler has recorded ``request``'s outcome durably: drop what kept it
        recoverable across a restart (the Kubernetes executor deletes the collected pod).
        Best effort, never raises; the default keeps nothing and does nothing."""
        return None

    def abandon(self, submission_id: str, attempt: int) -> None:
        """Another orchestrator replica holds this run now (``leases.py``): when its task
        is cancelled next, stop following it but leave whatever runs outside this process
        running, for the holder to adopt. The default: nothing runs outside the process,
        and the cancel stops the run."""
        return None

    def detach(self) -> None:
        """Shutting down: from now on, cancelling a run leaves whatever runs outside this
        process running (``resume`` picks it up after the restart)."""
        return None

    async def close(self) -> None:
        return None
