"""What one run in the local sandbox is: the paths it sees, its limits, the file it must
leave, and what comes back (``SandboxSpec``, ``SandboxLimits``, ``OutputFile``,
``SandboxResult``).

The vocabulary of the sandbox modules: ``argv.py`` turns a spec and its limits into the
command line, ``output.py`` accounts for what the run writes, ``classify.py`` words how it
ended, ``sandbox.py`` supervises it. Plain data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from services.orchestrator.executors.local.gpu import GpuPassthrough
from shared.events import FailureReason, Resources

MIB = 1024 * 1024

# the sandbox's view: where the host's folders are mounted
RUNTIME_MOUNT = "/opt/holdout/runtime"
CODE_ROOT = "/code_execution"
SRC_MOUNT = f"{CODE_ROOT}/src"
DATA_MOUNT = f"{CODE_ROOT}/data"
SUBMISSION_MOUNT = f"{CODE_ROOT}/submission"
# a training run writes its model here; the next stage's inference run reads it here
MODEL_MOUNT = f"{CODE_ROOT}/model"
SANDBOX_TMP = "/tmp"  # noqa: S108 - the sandbox's own private tmpfs, not the host's /tmp


@dataclass(frozen=True)
class SandboxLimits:
    time_limit_s: float
    memory_bytes: int
    cpus: float
    max_processes: int = 64
    output_limit_bytes: int = 100 * MIB
    log_limit_bytes: int = 64 * 1024
    tmp_bytes: int = 256 * MIB


@dataclass(frozen=True)
class OutputFile:
    """The file a run must leave in ``/code_execution/submission``, copied out by the host.

    ``what`` and ``expected`` name it in failure details ("the predictions file is
    missing", "... is a directory, expected a CSV file").
    """

    name: str = "submission.csv"
    what: str = "predictions"
    expected: str = "a CSV file"
    # the most bytes copied out (None: the run's output limit)
    max_bytes: int | None = None

    def __post_init__(self) -> None:
        if "/" in self.name or self.name in ("", ".", ".."):
            raise ValueError(f"invalid output file name {self.name!r}")


@dataclass(frozen=True)
class SandboxSpec:
    """Host paths to mount and how to start the submission."""

    runtime_dir: Path
    src_dir: Path
    data_dir: Path
    submission_dir: Path
    entrypoint: str = "main.py"
    is_smoke: bool = False
    uid: int = 64000
    gid: int = 64000
    # the host's GPU devices, found by ``gpu.discover`` (None: a CPU run)
    gpu: GpuPassthrough | None = None
    # a training run: ``submission_dir`` (its only writable, size-capped folder) is mounted
    # at ``MODEL_MOUNT`` instead, and what it holds there is the run's output
    trains: bool = False
    # an inference run given a platform-trained model: its unpacked files, read-only at
    # ``MODEL_MOUNT``
    model_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.trains and self.model_dir is not None:
            raise ValueError("a training run writes /code_execution/model; it cannot also be given one")

    @property
    def writable_mount(self) -> str:
        """Where the run's one writable folder is: its model's or its predictions' place."""
        return MODEL_MOUNT if self.trains else SUBMISSION_MOUNT


@dataclass
class SandboxResult:
    failure_reason: FailureReason | None
    detail: str
    exit_code: int | None
    wall_seconds: float
    cpu_seconds: float
    peak_memory_mb: float
    log_path: Path
    # the host's copy of the run's ``OutputFile`` (None: it left none, or a bad one)
    output_path: Path | None = None
    cgroups_used: bool = False
    leftover_pids: list[int] = field(default_factory=list)

    @property
    def resources(self) -> Resources:
        return Resources(
            wall_seconds=round(self.wall_seconds, 3),
            cpu_seconds=round(self.cpu_seconds, 3),
            peak_memory_mb=round(self.peak_memory_mb, 1),
        )
