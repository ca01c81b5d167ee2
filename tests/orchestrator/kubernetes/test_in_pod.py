"""The code that runs inside a run pod (``fetch`` in the init container, ``runner`` in the
main container), run here as plain processes against Azurite with the real SAS URLs the
executor signs. Kubernetes itself is not involved (no cluster can run here); what is
checked is that the URLs carry exactly the rights the pod needs, that the zip rules
hold in the pod, and that the runner's report classifies as the local sandbox would."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.orchestrator.executors.kubernetes import fetch
from services.orchestrator.executors.kubernetes.classify import classify
from services.orchestrator.executors.kubernetes.urls import AzureSasUrls
from shared.events import ExecutionSpec, FailureReason
from shared.storage.azure import AzureBlobStorage
from tests.orchestrator.kubernetes import statuses

TTL = timedelta(minutes=5)
SPEC = ExecutionSpec(time_limit_s=10, memory_mb=256, cpus=1, data_prefix="c/v1/", data_files=["x.csv"])
PREDICTIONS = "s/1/predictions.csv"


def zip_of(files: dict[str, str], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.create_system = 3
            info.external_attr = 0o120777 << 16
            zf.writestr(info, "/etc/passwd")
    return buffer.getvalue()


async def sas(storage: AzureBlobStorage, connection_string: str) -> AzureSasUrls:
    await storage.ensure_containers()  # as the services do at start-up
    prefix = storage.container_names["outputs"].removesuffix("outputs")
    return AzureSasUrls(connection_string, container_prefix=prefix)


async def run_fetch(url: str, stage: Path) -> tuple[int, dict[str, object]]:
    (stage / "tools").mkdir(parents=True)
    report = stage / "fetch-report"
    args = ["--url", url, "--stage", str(stage), "--tools", str(stage / "tools"), "--report", str(report)]
    code = await asyncio.to_thread(fetch.main, args)
    return code, json.loads(report.read_text())


async def run_runner(
    stage: Path, upload_url: str, time_limit: float = 10
) -> tuple[int, dict[str, object], str]:
    predictions = stage / "submission" / "submission.csv"
    predictions.parent.mkdir(exist_ok=True)
    args = [
        "--predictions",
        str(predictions),
        "--time-limit",
        str(time_limit),
        "--output-limit-bytes",
        "1000",
    ]
    return await runner_process(stage, args, upload_url, {"PRED": str(predictions)})


async def runner_process(
    stage: Path, args: list[str], upload_url: str, env: dict[str, str]
) -> tuple[int, dict[str, Any], str]:
    """``runner.py`` (copied into ``<stage>/tools`` by fetch) on ``<stage>/src``, as the pod runs it."""
    report = stage / "run-report"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        str(stage / "tools" / "runner.py"),
        *("--src", str(stage / "src"), *args, "--upload-url", upload_url, "--report", str(report)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**env, "PATH": "/usr/bin:/bin"},
    )
    out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, json.loads(report.read_text()), out.decode()


MAIN = """
import os
print("predicting")
with open(os.environ["PRED"], "w") as f:
    f.write("id,y\\n1,0\\n")
"""


async def test_fetch_and_runner_move_the_files_with_one_blob_sas_each(
    azure_storage: AzureBlobStorage, azurite_connection_string: str, tmp_path: Path
) -> None:
    urls = await sas(azure_storage, azurite_connection_string)
    await azure_storage.put_bytes("submissions", "c/s.zip", zip_of({"main.py": MAIN}))
    code, report = await run_fetch(urls.read_url("submissions", "c/s.zip", TTL), tmp_path)
    assert code == 0 and report["entrypoint"] == "main.py"
    assert not (tmp_path / "archive.zip").exists()

    write = urls.write_url("outputs", "s/1/predictions.csv", TTL)
    code, report, log = await run_runner(tmp_path, write)
    assert code == 0 and "predicting" in log
    assert report["predictions"] == "uploaded"
    assert await azure_storage.get_bytes("outputs", "s/1/predictions.csv") == b"id,y\n1,0\n"
    verdict = classify({"status": statuses.finished(0, report)}, SPEC, predictions_key=PREDICTIONS)
    assert verdict is not None and verdict.failure_reason is None and verdict.predictions_key == PREDICTIONS

    # the write URL cannot read back; the read URL cannot write
    reader = urls.read_url("outputs", "s/1/predictions.csv", TTL).replace("sp=r", "sp=r")
    assert (
        subprocess.run(
            ["python3", "-c", f"import urllib.request; urllib.request.urlopen({write!r})"]
        ).returncode
        != 0
    )
    code, report, _ = await run_runner(tmp_path, urls.read_url("outputs", "s/1/other.csv", TTL))
    assert report["predictions"] == "upload_failed"
    verdict = classify({"status": statuses.finished(0, report)}, SPEC, predictions_key=PREDICTIONS)
    assert (
        verdict is not None and verdict.failure_reason == FailureReason.INTERNAL_ERROR and verdict.retryable
    )
    assert reader


async def test_fetch_enforces_the_zip_rules_in_the_pod(
    azure_storage: AzureBlobStorage, azurite_connection_string: str, tmp_path: Path
) -> None:
    urls = await sas(azure_storage, azurite_connection_string)
    await azure_storage.put_bytes("submissions", "c/bad.zip", zip_of({"main.py": MAIN}, symlink="data"))
    code, report = await run_fetch(urls.read_url("submissions", "c/bad.zip", TTL), tmp_path / "a")
    assert code == fetch.EXIT_INVALID
    assert any("symlink" in str(p) or "link" in str(p) for p in report["problems"])  # type: ignore[attr-defined]
    terminated = {"exitCode": code, "message": json.dumps(report)}
    pod = {
        "status": {
            "phase": "Failed",
            "initContainerStatuses": [{"name": "fetch", "state": {"terminated": terminated}}],
        }
    }
    verdict = classify(pod, SPEC, predictions_key=PREDICTIONS)
    assert verdict is not None and verdict.failure_reason == FailureReason.INVALID_SUBMISSION

    code, report = await run_fetch(urls.read_url("submissions", "c/missing.zip", TTL), tmp_path / "b")
    assert code == fetch.EXIT_MISSING


async def test_runner_stops_the_program_at_the_time_limit(
    azure_storage: AzureBlobStorage, azurite_connection_string: str, tmp_path: Path
) -> None:
    urls = await sas(azure_storage, azurite_connection_string)
    main = "import subprocess, time\nsubprocess.Popen(['sleep', '60'])\ntime.sleep(60)\n"
    await azure_storage.put_bytes("submissions", "c/slow.zip", zip_of({"main.py": main}))
    await run_fetch(urls.read_url("submissions", "c/slow.zip", TTL), tmp_path)
    code, report, _ = await run_runner(tmp_path, urls.write_url("outputs", "s/1/predictions.csv", TTL), 0.5)
    assert code == 124 and report["timed_out"] is True and report["predictions"] == "skipped"
    assert float(report["wall_seconds"]) < 5  # type: ignore[arg-type]
    verdict = classify({"status": statuses.finished(124, report)}, SPEC, predictions_key=PREDICTIONS)
    assert verdict is not None and verdict.failure_reason == FailureReason.TIME_LIMIT_EXCEEDED


@pytest.mark.parametrize(
    ("make", "found"),
    [
        ("os.makedirs(os.environ['PRED'] + '/inner')", "is a directory, expected a CSV file"),
        ("os.mkfifo(os.environ['PRED'])", "is a named pipe (FIFO), expected a CSV file"),
    ],
)
async def test_runner_names_predictions_that_are_not_a_file(tmp_path: Path, make: str, found: str) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "runner.py").write_bytes(fetch.RUNNER.read_bytes())
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text(f"import os\n{make}\n")
    _, report, out = await run_runner(tmp_path, "http://127.0.0.1:9/never")
    assert report["predictions"] == "not_regular", out
    verdict = classify({"status": statuses.finished(0, report)}, SPEC, predictions_key=PREDICTIONS)
    assert verdict is not None and verdict.failure_reason == FailureReason.INVALID_PREDICTIONS
    assert verdict.detail.startswith(f"/code_execution/submission/submission.csv {found}")


async def test_runner_refuses_a_symlinked_or_missing_predictions_file(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "runner.py").write_bytes(fetch.RUNNER.read_bytes())
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("import os\nos.symlink('/etc/passwd', os.environ['PRED'])\n")
    _, report, _ = await run_runner(tmp_path, "http://127.0.0.1:9/never")
    assert report["predictions"] == "not_regular"
    verdict = classify({"status": statuses.finished(0, report)}, SPEC, predictions_key=PREDICTIONS)
    assert verdict is not None and verdict.failure_reason == FailureReason.INVALID_PREDICTIONS

    (tmp_path / "submission" / "submission.csv").unlink()
    (tmp_path / "src" / "main.py").write_text("print('forgot')\n")
    _, report, _ = await run_runner(tmp_path, "http://127.0.0.1:9/never")
    verdict = classify({"status": statuses.finished(0, report)}, SPEC, predictions_key=PREDICTIONS)
    assert verdict is not None and verdict.failure_reason == FailureReason.MISSING_PREDICTIONS
