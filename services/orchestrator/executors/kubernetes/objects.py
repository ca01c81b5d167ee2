"""Pure functions that build the run pod (kubespawner's ``make_pod`` habit): no I/O, so
every object they produce is checked offline against the Kubernetes schema in tests.

One pod per attempt, named ``holdout-run-<submission_id>-<attempt>`` so that a create
after a crash finds (409) the pod it made before. How a run moves its files:

- init container ``fetch`` (the Holdout image): downloads the zip with a read-only SAS
  URL for exactly that blob, unpacks it with ``shared.archive.safe_extract`` into the
  ``src`` volume, and copies ``runner.py`` into the ``tools`` volume;
- container ``run`` (the competition's runtime image): ``python -I runner.py`` runs
  ``main.py`` in ``/code_execution/src`` (read-only), then uploads
  ``/code_execution/submission/<file>`` with a write-only SAS URL for exactly the
  blob ``outputs/<submission_id>/<attempt>/predictions.csv`` and writes a JSON report
  to its termination message;
- a training run's pod mounts the test data's place with its training data (the stage's
  data, on the same claim), has ``/code_execution/model`` (an emptyDir capped by the
  model size limit) instead of ``/code_execution/submission``, and its runner uploads
  that folder zipped to ``.../model.zip``; an inference run given a trained model has
  ``fetch`` download and unpack it (read URL) into the ``src`` volume's ``model``
  folder, mounted read-only at ``/code_execution/model``;
- the orchestrator reads the log (capped) through the API and uploads it itself.
"""

from __future__ import annotations

from typing import Any

from services.orchestrator.executors.base import RunRequest
from services.orchestrator.executors.kubernetes.config import KubernetesSettings
from shared.events import ExecutionSpec

MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "holdout"
SUBMISSION_LABEL = "holdout.dev/submission-id"
ATTEMPT_LABEL = "holdout.dev/attempt"
COMPETITION_LABEL = "holdout.dev/competition-id"
SELECTOR = f"{MANAGED_BY}={MANAGER},app.kubernetes.io/component=run"

RUN_CONTAINER = "run"
FETCH_CONTAINER = "fetch"
SRC_DIR = "/code_execution/src"
DATA_DIR = "/code_execution/data"
SUBMISSION_DIR = "/code_execution/submission"
# a training run writes its model here; an inference run given one reads it here
MODEL_DIR = "/code_execution/model"
# a training run's model volume, whole: the model folder (``MODEL_DIR``, its ``model``
# subfolder) and, beside it, the runner's zip of it
MODEL_VOLUME_DIR = "/holdout/model"
STAGE_DIR = "/holdout/stage"
TOOLS_DIR = "/holdout/tools"
MIB = 1024 * 1024
TMP_DIR = "/tmp"  # noqa: S108 - a private emptyDir per pod, the contract's scratch space


def pod_name(submission_id: object, attempt: int) -> str:
    return f"holdout-run-{submission_id}-{attempt}"


def run_labels(request: RunRequest) -> dict[str, str]:
    return {
        MANAGED_BY: MANAGER,
        "app.kubernetes.io/component": "run",
        SUBMISSION_LABEL: str(request.submission_id),
        ATTEMPT_LABEL: str(request.attempt),
        COMPETITION_LABEL: str(request.competition_id),
    }


def cpu_quantity(cpus: float) -> str:
    return f"{max(1, round(cpus * 1000))}m"


def active_deadline_seconds(request: RunRequest, settings: KubernetesSettings) -> int:
    # the runner enforces the participant's limit exactly; this is the backstop for all
    return int(request.execution.time_limit_s) + 1 + settings.startup_grace_seconds


def _security_context() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _equal(resources: dict[str, str]) -> dict[str, dict[str, str]]:
    # requests == limits: the Guaranteed QoS class, no overcommit between runs
    return {"requests": dict(resources), "limits": dict(resources)}


def _empty_dir(name: str, size_mb: int) -> dict[str, Any]:
    return {"name": name, "emptyDir": {"sizeLimit": f"{size_mb}Mi"}}


def _writable_mb(spec: ExecutionSpec) -> int:
    """The run's writable volume: the predictions folder, or a training run's model folder
    with room for its zip beside it."""
    return 2 * spec.model_limit_mb + 1 if spec.kind == "training" else spec.output_limit_mb


def _writable_mounts(spec: ExecutionSpec, *, given_model: bool) -> list[dict[str, Any]]:
    if spec.kind == "training":
        return [
            {"name": "model", "mountPath": MODEL_DIR, "subPath": "model"},
            {"name": "model", "mountPath": MODEL_VOLUME_DIR},
        ]
    mounts: list[dict[str, Any]] = [{"name": "submission", "mountPath": SUBMISSION_DIR}]
    if given_model:
        # unpacked by ``fetch`` into the code's volume, beside ``src``
        mounts.append({"name": "src", "mountPath": MODEL_DIR, "subPath": "model", "readOnly": True})
    return mounts


def make_run_pod(
    request: RunRequest,
    settings: KubernetesSettings,
    *,
    image: str,
    archive_url: str,
    predictions_url: str,
    model_url: str | None = None,
) -> dict[str, Any]:
    """The pod for one attempt of one submission, as the API's JSON.

    ``predictions_url``: where the run's output goes (a training run's: its model's zip).
    ``model_url``: an inference run's trained model (a read URL), unpacked by ``fetch``
    next to the code and mounted read-only at ``MODEL_DIR``."""
    spec = request.execution
    trains = spec.kind == "training"
    # the code's volume also holds a given model (at most the model size limit)
    src_mb = settings.src_size_mb + (spec.model_limit_mb if model_url is not None and not trains else 0)
    data_subpath = spec.data_prefix.strip("/")
    if not data_subpath or any(part in ("", ".", "..") for part in data_subpath.split("/")):
        raise ValueError(f"invalid data prefix {spec.data_prefix!r}")
    disk_mb = src_mb + settings.tmp_size_mb + _writable_mb(spec) + settings.log_slack_mb
    run_resources = {
        "cpu": cpu_quantity(spec.cpus),
        "memory": f"{spec.memory_mb}Mi",
        "ephemeral-storage": f"{disk_mb}Mi",
    }
    if spec.gpu:
        run_resources["nvidia.com/gpu"] = "1"
    fetch_resources = {
        "cpu": settings.helper_cpu,
        "memory": settings.helper_memory,
        "ephemeral-storage": f"{src_mb + settings.log_slack_mb}Mi",
    }
    fetch = {
        "name": FETCH_CONTAINER,
        "image": settings.helper_image,
        "imagePullPolicy": settings.image_pull_policy,
        "command": ["python", "-m", "services.orchestrator.executors.kubernetes.fetch"],
        "args": [
            "--url",
            archive_url,
            "--stage",
            STAGE_DIR,
            "--tools",
            TOOLS_DIR,
            *(["--model-url", model_url] if model_url is not None and not trains else []),
        ],
        "env": [{"name": "PYTHONUNBUFFERED", "value": "1"}, {"name": "HOME", "value": TMP_DIR}],
        "resources": _equal(fetch_resources),
        "securityContext": _security_context(),
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {"name": "src", "mountPath": STAGE_DIR},
            {"name": "tools", "mountPath": TOOLS_DIR},
        ],
    }
    run = {
        "name": RUN_CONTAINER,
        "image": image,
        "imagePullPolicy": settings.image_pull_policy,
        "command": ["python", "-I", f"{TOOLS_DIR}/runner.py"],
        "args": [
            "--src",
            SRC_DIR,
            *(
                ["--model-dir", MODEL_DIR, "--model-zip", f"{MODEL_VOLUME_DIR}/model.zip"]
                if trains
                else ["--predictions", f"{SUBMISSION_DIR}/{spec.predictions_filename}"]
            ),
            "--time-limit",
            str(spec.time_limit_s),
            "--output-limit-bytes",
            str((spec.model_limit_mb if trains else spec.output_limit_mb) * MIB),
            "--upload-url",
            predictions_url,
        ],
        "workingDir": SRC_DIR,
        # the execution contract, and nothing else from the platform
        "env": [
            {"name": "IS_SMOKE", "value": "true" if request.is_smoke else "false"},
            {"name": "CPU_OR_GPU", "value": "gpu" if spec.gpu else "cpu"},
            {"name": "PYTHONUNBUFFERED", "value": "1"},
            {"name": "HOME", "value": TMP_DIR},
        ],
        "resources": _equal(run_resources),
        "securityContext": _security_context(),
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {"name": "src", "mountPath": SRC_DIR, "subPath": "src", "readOnly": True},
            {"name": "data", "mountPath": DATA_DIR, "subPath": data_subpath, "readOnly": True},
            *_writable_mounts(spec, given_model=model_url is not None),
            {"name": "tmp", "mountPath": TMP_DIR},
            {"name": "tools", "mountPath": TOOLS_DIR, "readOnly": True},
        ],
    }
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "activeDeadlineSeconds": active_deadline_seconds(request, settings),
        "terminationGracePeriodSeconds": 5,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "hostNetwork": False,
        "hostPID": False,
        "hostIPC": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": settings.run_as_user,
            "runAsGroup": settings.run_as_group,
            "fsGroup": settings.run_as_group,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "initContainers": [fetch],
        "containers": [run],
        "volumes": [
            _empty_dir("src", src_mb),
            _empty_dir("model", _writable_mb(spec))
            if trains
            else _empty_dir("submission", spec.output_limit_mb),
            _empty_dir("tmp", settings.tmp_size_mb),
            _empty_dir("tools", 1),
            {
                "name": "data",
                "persistentVolumeClaim": {
                    "claimName": settings.data_claim.format(competition_id=request.competition_id),
                    "readOnly": True,
                },
            },
        ],
    }
    if spec.gpu:
        pod_spec["nodeSelector"] = dict(settings.gpu_node_selector)
        pod_spec["tolerations"] = [
            {
                "key": settings.gpu_toleration_key,
                "operator": "Equal",
                "value": settings.gpu_toleration_value,
                "effect": "NoSchedule",
            },
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        ]
    if settings.storage_host_ip and settings.storage_host_name:
        pod_spec["hostAliases"] = [
            {"ip": settings.storage_host_ip, "hostnames": [settings.storage_host_name]}
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod_name(request.submission_id, request.attempt),
            "namespace": settings.namespace,
            "labels": run_labels(request),
            "annotations": {"holdout.dev/is-smoke": "true" if request.is_smoke else "false"},
        },
        "spec": pod_spec,
    }
