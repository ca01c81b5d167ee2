"""Pod status -> the run's outcome: a pure function of the pod's JSON, no I/O.

``classify`` returns None while the run is still going, else the ``RunOutcome`` of the
executor seam (the same failure reasons as the local sandbox) as far as the pod's
status tells it; the executor adds what only it knows (the log, what it ran on). The main
container's runner reports through its termination message (``runner.py``); the pod's
phase, reasons and exit codes decide whenever that report is absent or disagrees.

- the submission's fault: non-zero exit (``runtime_error``), ``OOMKilled``
  (``memory_limit_exceeded``), the runner's time limit or the pod's deadline after the
  program started (``time_limit_exceeded``), an eviction for exceeding the pod's own
  ephemeral storage (``output_limit_exceeded``), a zip the init container rejected
  (``invalid_submission``), no or bad predictions file; a training run's model past
  its size cap (``model_too_large``, also when its emptyDir got the pod evicted), no
  model, or one with other than files and folders;
- the host's to fix, failed at once and not retried: image pull errors, a missing
  archive, a pod the API accepts but the kubelet cannot configure;
- the platform's, retried as another attempt: evictions and disruptions, a pod that
  never got to start before its deadline, a failed download or upload.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from services.orchestrator.executors import failures
from services.orchestrator.executors.base import RunOutcome
from services.orchestrator.executors.kubernetes.objects import (
    ATTEMPT_LABEL,
    FETCH_CONTAINER,
    MODEL_DIR,
    RUN_CONTAINER,
    SUBMISSION_DIR,
    SUBMISSION_LABEL,
)
from shared.events import ExecutionSpec, FailureReason, Resources
from shared.runs import output_keys

IMAGE_ERRORS = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"})
CONFIG_ERRORS = frozenset({"CreateContainerConfigError"})
TIMEOUT_EXIT = 124
FETCH_INVALID = 3
FETCH_MISSING = 4
_STORAGE_EVICTION = ("ephemeral local storage", "ephemeral-storage", "emptydir volume")
# the runner's words for a file that is not a regular one (``runner.upload_predictions``)
CSV_FILE = "expected a CSV file"
UNKNOWN_KIND = "not a regular file (a symbolic link?)"


def _internal(what: str, *, retryable: bool) -> RunOutcome:
    """A platform fault, worded as the local executor words it (never counted against a team)."""
    return RunOutcome.internal(what, retryable=retryable)


def _statuses(pod: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {s.get("name", ""): s for s in (pod.get("status") or {}).get(key) or []}


def _report(terminated: dict[str, Any]) -> dict[str, Any]:
    try:
        report = json.loads(terminated.get("message") or "")
    except ValueError:
        return {}
    return report if isinstance(report, dict) else {}


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _resources(terminated: dict[str, Any], report: dict[str, Any]) -> Resources:
    wall = report.get("wall_seconds")
    if not isinstance(wall, int | float):
        started = _parse_time(terminated.get("startedAt"))
        finished = _parse_time(terminated.get("finishedAt"))
        wall = (finished - started).total_seconds() if started and finished else 0.0
    cpu, peak = report.get("cpu_seconds", 0.0), report.get("peak_memory_mb", 0.0)
    return Resources(
        wall_seconds=float(wall),
        cpu_seconds=float(cpu) if isinstance(cpu, int | float) else 0.0,
        peak_memory_mb=float(peak) if isinstance(peak, int | float) else 0.0,
    )


def _disruption(pod: dict[str, Any]) -> dict[str, Any] | None:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "DisruptionTarget" and condition.get("status") == "True":
            return dict(condition)
    return None


def classify(
    pod: dict[str, Any], spec: ExecutionSpec, *, predictions_key: str | None = None
) -> RunOutcome | None:
    """The outcome of the run this pod is, or None while it is not over; a run that
    uploaded its predictions names them as ``predictions_key``, by default the key of
    the submission and attempt in the pod's labels (``shared.runs.output_keys``)."""
    status = pod.get("status") or {}
    phase = status.get("phase", "Pending")
    reason = status.get("reason") or ""
    message = status.get("message") or ""

    if reason == "Evicted" or (disruption := _disruption(pod)) is not None:
        if reason == "Evicted" and any(s in message.lower() for s in _STORAGE_EVICTION):
            if spec.kind == "training":
                limit = failures.fmt_mib(spec.model_limit_mb)
                return RunOutcome(
                    FailureReason.MODEL_TOO_LARGE, failures.model_too_large(limit, MODEL_DIR, limit)
                )
            return RunOutcome(
                FailureReason.OUTPUT_LIMIT_EXCEEDED,
                failures.disk_allowance_exceeded(failures.fmt_mib(spec.output_limit_mb), SUBMISSION_DIR),
            )
        why = message or (disruption or {}).get("reason") or "the node needed the room"
        return _internal(f"the run was evicted: {why}", retryable=True)

    inits, mains = _statuses(pod, "initContainerStatuses"), _statuses(pod, "containerStatuses")
    for name, container in (*inits.items(), *mains.items()):
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in IMAGE_ERRORS:
            return _internal(
                f"the image {container.get('image', '?')!r} of container {name!r} could not be pulled "
                f"({waiting['reason']}: {waiting.get('message', '')}); the host must fix the competition's "
                "runtime",
                retryable=False,
            )
        if waiting.get("reason") in CONFIG_ERRORS:
            return _internal(
                f"the run pod could not be configured ({waiting['reason']}: {waiting.get('message', '')})",
                retryable=False,
            )

    fetch = (inits.get(FETCH_CONTAINER, {}).get("state") or {}).get("terminated")
    if fetch and fetch.get("exitCode", 0) != 0:
        report = _report(fetch)
        if fetch.get("exitCode") == FETCH_INVALID and report.get("problems"):
            return RunOutcome(FailureReason.INVALID_SUBMISSION, "; ".join(map(str, report["problems"])))
        if fetch.get("exitCode") == FETCH_MISSING:
            return _internal(failures.missing_from_storage("the submission archive"), retryable=False)
        why = report.get("error") or fetch.get("reason") or f"exit code {fetch.get('exitCode')}"
        return _internal(f"the submission could not be fetched into the pod ({why})", retryable=True)

    main = mains.get(RUN_CONTAINER, {})
    state = main.get("state") or {}
    terminated = state.get("terminated")
    if reason == "DeadlineExceeded":
        if terminated or state.get("running") or (main.get("lastState") or {}).get("terminated"):
            return RunOutcome(
                FailureReason.TIME_LIMIT_EXCEEDED, failures.time_limit_exceeded(spec.time_limit_s)
            )
        return _internal("the run pod did not start before its deadline", retryable=True)

    if phase not in ("Succeeded", "Failed"):
        return None
    if not terminated:
        return _internal(f"the run pod failed ({reason or 'no reason'}: {message})", retryable=True)

    report = _report(terminated)
    resources = _resources(terminated, report)
    exit_code = terminated.get("exitCode")
    if terminated.get("reason") == "OOMKilled":
        return RunOutcome(
            FailureReason.MEMORY_LIMIT_EXCEEDED,
            failures.memory_limit_exceeded(failures.fmt_mib(spec.memory_mb)),
            exit_code=exit_code,
            resources=resources,
        )
    if report.get("timed_out") is True:
        return RunOutcome(
            FailureReason.TIME_LIMIT_EXCEEDED,
            failures.time_limit_exceeded(spec.time_limit_s),
            resources=resources,
        )
    if exit_code != 0:
        signum = report.get("signal")
        killed_by = f"signal {signum}" if isinstance(signum, int) else None
        how = failures.exited(exit_code, killed_by=killed_by)
        return RunOutcome(FailureReason.RUNTIME_ERROR, how, exit_code=exit_code, resources=resources)

    if spec.kind == "training":
        return _trained(report, spec, resources, predictions_key or _output_key(pod, "model"))
    expected = f"{SUBMISSION_DIR}/{spec.predictions_filename}"
    predictions = report.get("predictions")
    if predictions == "uploaded":
        key = predictions_key or _output_key(pod, "predictions")
        return RunOutcome(None, exit_code=0, resources=resources, predictions_key=key)
    if predictions == "missing":
        return RunOutcome(
            FailureReason.MISSING_PREDICTIONS,
            failures.output_missing("predictions", expected),
            exit_code=0,
            resources=resources,
        )
    if predictions == "not_regular":
        # the report comes from inside the pod: only a kind the runner names is repeated
        detail = str(report.get("detail", ""))
        found = next((k for k in failures.FILE_KINDS if f" is {k}, {CSV_FILE}" in detail), None)
        if found:
            wording = failures.output_not_regular(expected, found, "predictions", "a CSV file")
        else:
            wording = failures.output_not_regular(expected, UNKNOWN_KIND, "predictions", None)
        return RunOutcome(
            FailureReason.INVALID_PREDICTIONS,
            wording,
            exit_code=0,
            resources=resources,
        )
    if predictions == "too_large":
        return RunOutcome(
            FailureReason.OUTPUT_LIMIT_EXCEEDED,
            failures.output_too_large(expected, failures.fmt_mib(spec.output_limit_mb)),
            exit_code=0,
            resources=resources,
        )
    if predictions == "upload_failed":
        return _internal(f"the predictions could not be stored ({report.get('detail', '')})", retryable=True)
    return _internal("the run ended without the runner's report", retryable=True)


def _trained(
    report: dict[str, Any], spec: ExecutionSpec, resources: Resources, key: str | None
) -> RunOutcome:
    """A training run that exited 0, by what its runner said of the model folder."""
    status, written = report.get("model"), report.get("model_bytes")
    if status == "uploaded":
        digest, size = report.get("model_sha256"), report.get("model_zip_bytes")
        return RunOutcome(
            None,
            exit_code=0,
            resources=resources,
            model_key=key,
            model_sha256=digest if isinstance(digest, str) else "",
            model_size_bytes=size if isinstance(size, int) else None,
        )
    if status == "too_large":
        limit = failures.fmt_mib(spec.model_limit_mb)
        shown = failures.fmt_bytes(written) if isinstance(written, int) else limit
        failure = (FailureReason.MODEL_TOO_LARGE, failures.model_too_large(limit, MODEL_DIR, shown))
    elif status == "missing":
        failure = (FailureReason.MISSING_MODEL, failures.model_missing(MODEL_DIR))
    elif status == "not_regular":
        # the report comes from inside the pod: its path is not repeated, only the rule
        failure = (FailureReason.INVALID_MODEL, failures.model_not_regular(MODEL_DIR + "/...", UNKNOWN_KIND))
    elif status == "upload_failed":
        return _internal(f"the model could not be stored ({report.get('detail', '')})", retryable=True)
    else:
        return _internal("the run ended without the runner's report", retryable=True)
    return RunOutcome(*failure, exit_code=0, resources=resources)


def _output_key(pod: dict[str, Any], what: str) -> str | None:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    submission, attempt = str(labels.get(SUBMISSION_LABEL) or ""), str(labels.get(ATTEMPT_LABEL) or "")
    if not submission or not attempt.isdigit():
        return None
    keys = output_keys(submission, int(attempt))
    return keys.model if what == "model" else keys.predictions


def is_started(pod: dict[str, Any]) -> bool:
    """Whether the pod got past scheduling and the init container (for the pending timeout)."""
    main = _statuses(pod, "containerStatuses").get(RUN_CONTAINER, {})
    state = main.get("state") or {}
    return bool(state.get("running") or state.get("terminated"))


def ran_on(pod: dict[str, Any] | None, image: str) -> tuple[str, str]:
    """(the runtime's digest, the node) for the execution record: the main container's
    ``imageID`` (the digest the kubelet pulled, e.g. ``repo@sha256:...``), else the image
    reference it was asked to run; the node's name, else ``""``."""
    if pod is None:
        return image, ""
    status = _statuses(pod, "containerStatuses").get(RUN_CONTAINER) or {}
    node = (pod.get("spec") or {}).get("nodeName") or ""
    return str(status.get("imageID") or image), str(node)
