"""Training runs on Kubernetes: the pods built for a training run and for an inference
run given a trained model (validated offline against the Kubernetes schema), and the
code that moves the model inside those pods (``runner`` zips and uploads it, ``fetch``
unpacks it), run here as plain processes against Azurite with the SAS URLs the executor
signs. No cluster can run here; this is the same split as ``test_in_pod``."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
import zipfile
from pathlib import Path
from typing import Any

import kubernetes_validate

from services.orchestrator.executors.base import RunRequest
from services.orchestrator.executors.kubernetes import fetch
from services.orchestrator.executors.kubernetes.classify import classify
from services.orchestrator.executors.kubernetes.config import KubernetesSettings
from services.orchestrator.executors.kubernetes.objects import make_run_pod, pod_name
from shared.events import ExecutionSpec, FailureReason
from shared.storage.azure import AzureBlobStorage
from tests.orchestrator.kubernetes import statuses
from tests.orchestrator.kubernetes.conftest import MakeExecutor, make_request
from tests.orchestrator.kubernetes.fakekube import FakeKube
from tests.orchestrator.kubernetes.test_executor import scenario
from tests.orchestrator.kubernetes.test_in_pod import TTL, run_fetch, runner_process, sas, zip_of

K8S_VERSION = "1.32.0"
TRAINING = ExecutionSpec(
    time_limit_s=10,
    memory_mb=256,
    cpus=1,
    data_prefix="c/v1/",
    data_files=["train.csv"],
    kind="training",
    model_limit_mb=1,
)
MODEL = "s/1/model.zip"


def pod(spec: ExecutionSpec, model_url: str | None = None) -> dict[str, Any]:
    cid = uuid.uuid4()
    request = RunRequest(
        submission_id=uuid.uuid4(), competition_id=cid, attempt=1, archive_key=f"{cid}/x.zip", execution=spec
    )
    settings = KubernetesSettings(runtime_images={"default": "rt:1"})
    return make_run_pod(
        request, settings, image="rt:1", archive_url="https://a/r?sig", predictions_url="https://a/w?sig",
        model_url=model_url,
    )  # fmt: skip


def mounts_of(p: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (run,) = p["spec"]["containers"]
    return {m["mountPath"]: m for m in run["volumeMounts"]}


def test_a_training_pod_writes_only_its_capped_model_folder() -> None:
    p = pod(TRAINING)
    kubernetes_validate.validate(p, K8S_VERSION, strict=True)
    mounts = mounts_of(p)
    assert "/code_execution/submission" not in mounts
    assert mounts["/code_execution/model"]["name"] == "model" and not mounts["/code_execution/model"].get(
        "readOnly"
    )
    # its training data is mounted where test data is, read-only
    assert mounts["/code_execution/data"]["readOnly"] is True
    volumes = {v["name"]: v for v in p["spec"]["volumes"]}
    assert volumes["model"]["emptyDir"]["sizeLimit"] == "3Mi"  # the model and its zip beside it
    (run,) = p["spec"]["containers"]
    args = run["args"]
    assert args[args.index("--model-dir") + 1] == "/code_execution/model" and "--predictions" not in args
    assert args[args.index("--output-limit-bytes") + 1] == str(1024 * 1024)


def test_an_inference_pod_given_a_model_reads_it_read_only() -> None:
    spec = TRAINING.model_copy(update={"kind": "inference", "model_key": MODEL, "data_files": ["test.csv"]})
    p = pod(spec, model_url="https://a/m?sig")
    kubernetes_validate.validate(p, K8S_VERSION, strict=True)
    mounts = mounts_of(p)
    assert mounts["/code_execution/model"] == {
        "name": "src",
        "mountPath": "/code_execution/model",
        "subPath": "model",
        "readOnly": True,
    }
    (fetcher,) = p["spec"]["initContainers"]
    assert fetcher["args"][fetcher["args"].index("--model-url") + 1] == "https://a/m?sig"
    # without a model, no model folder and nothing to fetch
    plain = pod(spec.model_copy(update={"model_key": None}))
    assert "/code_execution/model" not in mounts_of(plain)
    assert "--model-url" not in plain["spec"]["initContainers"][0]["args"]


async def run_training(stage: Path, upload_url: str) -> tuple[int, dict[str, Any], str]:
    model = stage / "volume" / "model"
    model.mkdir(parents=True)
    args = ["--model-dir", str(model), "--time-limit", "10", "--output-limit-bytes", str(1024 * 1024)]
    return await runner_process(stage, args, upload_url, {"MODEL": str(model)})


TRAIN = """
import os
os.makedirs(os.environ["MODEL"] + "/parts")
open(os.environ["MODEL"] + "/weights.txt", "w").write("w=0.5\\n")
open(os.environ["MODEL"] + "/parts/bias.txt", "w").write("b=1\\n")
"""
TOO_LARGE = 'import os\nopen(os.environ["MODEL"] + "/big.bin", "wb").write(b"x" * 2 * 1024 * 1024)\n'


async def test_the_runner_uploads_the_model_and_fetch_unpacks_it_for_the_next_stage(
    azure_storage: AzureBlobStorage, azurite_connection_string: str, tmp_path: Path
) -> None:
    urls = await sas(azure_storage, azurite_connection_string)
    await azure_storage.put_bytes("submissions", "c/train.zip", zip_of({"main.py": TRAIN}))
    code, _ = await run_fetch(urls.read_url("submissions", "c/train.zip", TTL), tmp_path / "a")
    assert code == 0
    code, report, out = await run_training(tmp_path / "a", urls.write_url("outputs", MODEL, TTL))
    assert code == 0 and report["model"] == "uploaded", (report, out)
    verdict = classify({"status": statuses.finished(0, report)}, TRAINING, predictions_key=MODEL)
    assert verdict is not None and verdict.failure_reason is None and verdict.model_key == MODEL
    stored = await azure_storage.get_bytes("outputs", MODEL)
    with zipfile.ZipFile(io.BytesIO(stored)) as zf:
        assert zf.read("weights.txt") == b"w=0.5\n" and zf.read("parts/bias.txt") == b"b=1\n"
    # the report names the uploaded zip's digest and size, for a reproduction to compare
    assert verdict.model_sha256 == hashlib.sha256(stored).hexdigest()
    assert verdict.model_size_bytes == len(stored)

    # the next stage's pod: fetch brings the code and, beside it, the model
    await azure_storage.put_bytes("submissions", "c/infer.zip", zip_of({"main.py": "print(1)"}))
    stage = tmp_path / "b"
    (stage / "tools").mkdir(parents=True)
    report_path = stage / "fetch-report"
    args = ["--url", urls.read_url("submissions", "c/infer.zip", TTL), "--stage", str(stage)]
    args += ["--tools", str(stage / "tools"), "--report", str(report_path)]
    args += ["--model-url", urls.read_url("outputs", MODEL, TTL)]
    assert await asyncio.to_thread(fetch.main, args) == 0
    assert (stage / "model" / "parts" / "bias.txt").read_text() == "b=1\n"
    assert (stage / "src" / "main.py").exists() and not (stage / "archive.zip").exists()


async def test_a_training_pod_past_its_model_cap_fails_with_its_reason(
    azure_storage: AzureBlobStorage, azurite_connection_string: str, tmp_path: Path
) -> None:
    urls = await sas(azure_storage, azurite_connection_string)
    await azure_storage.put_bytes("submissions", "c/big.zip", zip_of({"main.py": TOO_LARGE}))
    await run_fetch(urls.read_url("submissions", "c/big.zip", TTL), tmp_path)
    code, report, _ = await run_training(tmp_path, urls.write_url("outputs", MODEL, TTL))
    assert code == 0 and report["model"] == "too_large"
    verdict = classify({"status": statuses.finished(0, report)}, TRAINING, predictions_key=MODEL)
    assert verdict is not None and verdict.failure_reason == FailureReason.MODEL_TOO_LARGE
    assert "model size limit of 1 MiB" in verdict.detail and "2 MiB" in verdict.detail
    # the emptyDir's own cap, as the kubelet enforces it: an eviction, with the same reason
    evicted = statuses.evicted("Pod ephemeral local storage usage exceeds the total limit of containers")
    verdict = classify({"status": evicted}, TRAINING, predictions_key=MODEL)
    assert verdict is not None and verdict.failure_reason == FailureReason.MODEL_TOO_LARGE


async def test_the_executor_stores_a_training_pods_model_and_hands_it_to_the_next_run(
    kube: FakeKube, make_executor: MakeExecutor
) -> None:
    """Against the fake Kubernetes API (no cluster can run here): the training pod uploads
    to the model's key, and the outcome names it; an inference run given that key gets a
    pod whose fetch reads exactly that blob."""
    executor = await make_executor()
    request = make_request(kind="training", model_limit_mb=4)
    model_key = f"{request.submission_id}/1/model.zip"
    report = statuses.report(predictions="skipped", model="uploaded", model_bytes=12)
    outcome = await scenario(
        kube, executor, request, (statuses.running(), None), (statuses.finished(0, report), b"trained\n")
    )
    assert outcome.failure_reason is None and outcome.model_key == model_key
    assert outcome.predictions_key is None
    (run,) = kube.pods[pod_name(request.submission_id, 1)]["spec"]["containers"]
    assert f"https://storage.invalid/outputs/{model_key}?sp=cw" in run["args"]

    inference = make_request(model_key=model_key)
    await scenario(kube, executor, inference, (statuses.finished(0, statuses.report()), b""))
    (fetcher,) = kube.pods[pod_name(inference.submission_id, 1)]["spec"]["initContainers"]
    assert fetcher["args"][fetcher["args"].index("--model-url") + 1] == (
        f"https://storage.invalid/outputs/{model_key}?sp=r"
    )
