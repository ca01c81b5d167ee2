"""Training runs in the local sandbox: the model folder is the run's one writable mount
(size-capped by the model limit) and what the host takes out of it, zipped; an
inference run given a trained model reads it read-only. The command line is checked
without running it, the rest with real bubblewrap."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import pytest

from services.orchestrator.executors.local.argv import build_argv
from services.orchestrator.executors.local.classify import classify
from services.orchestrator.executors.local.spec import MIB, MODEL_MOUNT, SandboxLimits, SandboxSpec
from shared.events import FailureReason
from tests.orchestrator.conftest import needs_sandbox
from tests.orchestrator.test_sandbox import LIMITS, _pairs, _spec, make_run, run

MODEL_LIMITS = dataclasses.replace(LIMITS, output_limit_bytes=1 * MIB)


def _training_spec() -> SandboxSpec:
    return dataclasses.replace(_spec(), trains=True)


def test_a_training_run_writes_only_its_model_folder() -> None:
    argv = build_argv(_training_spec(), LIMITS, as_root=True)
    assert _pairs(argv, "--bind", 2) == [("/run/sub", MODEL_MOUNT)]
    assert "/code_execution/submission" not in argv
    # its training data is where test data is for an inference run: read-only
    assert ("/run/data", "/code_execution/data") in _pairs(argv, "--ro-bind", 2)


def test_an_inference_run_reads_its_trained_model_read_only() -> None:
    spec = dataclasses.replace(_spec(), model_dir=Path("/run/model"))
    argv = build_argv(spec, LIMITS, as_root=True)
    assert ("/run/model", MODEL_MOUNT) in _pairs(argv, "--ro-bind", 2)
    assert _pairs(argv, "--bind", 2) == [("/run/sub", "/code_execution/submission")]
    # without one, there is no model folder at all
    assert MODEL_MOUNT not in build_argv(_spec(), LIMITS, as_root=True)


def test_a_run_cannot_both_train_and_be_given_a_model() -> None:
    with pytest.raises(ValueError, match="cannot also be given one"):
        dataclasses.replace(_spec(), trains=True, model_dir=Path("/run/model"))


def test_a_model_past_its_cap_is_model_too_large_whatever_the_exit_code() -> None:
    limits = SandboxLimits(time_limit_s=1, memory_bytes=MIB, cpus=1, output_limit_bytes=2 * MIB)
    for exit_code, exceeded in ((1, True), (0, False)):
        reason, detail = classify(
            timed_out=False,
            oom_killed=False,
            output_exceeded=exceeded,
            exit_code=exit_code,
            limits=limits,
            log_text="OSError: [Errno 28] No space left on device",
            model_written=3 * MIB,
        ) or (None, "")
        assert reason == FailureReason.MODEL_TOO_LARGE
        assert detail.startswith(
            "the model in /code_execution/model is larger than the model size limit of 2 MiB"
        )
        assert "3 MiB" in detail
    # an inference run over its output limit keeps its own reason
    inference = classify(
        timed_out=False, oom_killed=False, output_exceeded=True, exit_code=1, limits=limits, log_text=""
    )
    assert inference is not None and inference[0] == FailureReason.OUTPUT_LIMIT_EXCEEDED


TRAIN = """
import os
os.makedirs("/code_execution/model/parts")
open("/code_execution/model/weights.txt", "w").write("w=0.5\\n")
open("/code_execution/model/parts/bias.txt", "w").write("b=1\\n")
print(sorted(os.listdir("/code_execution/data")))
"""


@needs_sandbox
async def test_a_training_run_leaves_its_model_zipped(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(data_dir, default_runtime, TRAIN)
    r.spec = dataclasses.replace(r.spec, trains=True)
    result = await run(r, MODEL_LIMITS)
    assert result.failure_reason is None, result.detail
    assert result.output_path is not None and "features.csv" in result.log_path.read_text()
    with zipfile.ZipFile(io.BytesIO(result.output_path.read_bytes())) as zf:
        assert zf.read("weights.txt") == b"w=0.5\n" and zf.read("parts/bias.txt") == b"b=1\n"


@needs_sandbox
@pytest.mark.parametrize(
    ("main", "reason", "words"),
    [
        (
            'open("/code_execution/model/big.bin", "wb").write(b"x" * 3 * 1024 * 1024)',
            FailureReason.MODEL_TOO_LARGE,
            "larger than the model size limit of 1 MiB",
        ),
        ("print('forgot to save')", FailureReason.MISSING_MODEL, "left no model in /code_execution/model"),
        (
            'import os; os.symlink("/etc/passwd", "/code_execution/model/model.pkl")',
            FailureReason.INVALID_MODEL,
            "/code_execution/model/model.pkl in the model folder is a symbolic link",
        ),
    ],
)
async def test_a_training_run_fails_with_its_own_reason(
    data_dir: Path, default_runtime: Path, main: str, reason: FailureReason, words: str
) -> None:
    r = make_run(data_dir, default_runtime, main)
    r.spec = dataclasses.replace(r.spec, trains=True)
    result = await run(r, MODEL_LIMITS)
    assert result.failure_reason == reason, result.detail
    assert words in result.detail and result.output_path is None


INFER = """
import os
model = open("/code_execution/model/weights.txt").read()
try:
    open("/code_execution/model/more.txt", "w")
    writable = "yes"
except OSError:
    writable = "no"
open("/code_execution/submission/submission.csv", "w").write(f"id,y\\n1,{model.strip()}|{writable}\\n")
"""


@needs_sandbox
async def test_an_inference_run_reads_the_trained_model_and_cannot_change_it(
    data_dir: Path, default_runtime: Path
) -> None:
    r = make_run(data_dir, default_runtime, INFER)
    model = r.root / "model"
    model.mkdir(mode=0o755)
    (model / "weights.txt").write_text("w=0.5\n")
    (model / "weights.txt").chmod(0o644)
    r.spec = dataclasses.replace(r.spec, model_dir=model)
    result = await run(r)
    assert result.failure_reason is None, result.detail
    assert result.output_path is not None
    assert result.output_path.read_text() == "id,y\n1,w=0.5|no\n"
    assert sorted(p.name for p in model.iterdir()) == ["weights.txt"]
