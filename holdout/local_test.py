"""``holdout test-submission ZIP --competition DIR``: run a submission on the participant's
own machine, through the orchestrator's own executor (the very sandbox, runtime, limits
and measurements Holdout uses), on a competition's smoke sample, and score it with the
scorer's own validation and metric.

A participant finds a missing file, a crash, a slow model or malformed predictions
before uploading (DrivenData's ``make test-submission``). ``DIR`` is the smoke-sample
zip as downloaded (``GET /api/v1/competitions/{competition}/smoke-sample``) or the
folder it unpacks to, which holds::

    competition.json   {"metric", "id_column", "target_columns", "limits": {...},
                        "runtime", "predictions_filename", "gpu"}
    data/              the smoke sample's features (all of it goes to /code_execution/data)
    labels.csv         the smoke sample's labels (a ``Usage`` column is optional)

This is the CLI's side of the platform (it may import services; services never import it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.orchestrator.config import OrchestratorSettings
from services.orchestrator.executors.base import RunRequest
from services.orchestrator.executors.local import runtimes
from services.orchestrator.executors.local.executor import LocalSandboxExecutor
from services.orchestrator.executors.local.runner import LocalRunner
from services.orchestrator.executors.local.spec import MIB
from services.scorer.scoring import score
from services.scorer.validation import InvalidPredictions, ScoringProblem
from shared.archive import ArchiveError, safe_extract
from shared.events import ExecutionSpec, FailureReason, ScoringSpec
from shared.storage import LocalStorage


class CompetitionDirError(Exception):
    """The competition folder is incomplete or malformed."""


@contextlib.contextmanager
def competition_folder(path: Path) -> Iterator[Path]:
    """The competition folder itself, or the downloaded smoke-sample zip unpacked (with
    the submission rules: no ``..``, no symlinks, bounded size) into a temporary one."""
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise CompetitionDirError(f"{path} does not exist (give the smoke-sample zip or its folder)")
    unpacked = Path(tempfile.mkdtemp(prefix="holdout-sample-"))
    try:
        try:
            safe_extract(path, unpacked, entrypoints=("competition.json",))
        except ArchiveError as exc:
            problems = "; ".join(exc.problems)
            raise CompetitionDirError(f"{path} is not a smoke-sample zip: {problems}") from None
        yield unpacked
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)


@dataclass(frozen=True)
class LocalCompetition:
    root: Path
    metric: str
    id_column: str
    target_columns: list[str]
    time_limit_s: float
    memory_mb: int
    cpus: float
    max_processes: int
    output_limit_mb: int
    log_limit_kb: int
    runtime: str
    predictions_filename: str
    gpu: bool

    @classmethod
    def load(cls, root: Path) -> LocalCompetition:
        config = root / "competition.json"
        try:
            raw: dict[str, Any] = json.loads(config.read_text())
        except FileNotFoundError:
            raise CompetitionDirError(f"{config} is missing") from None
        except json.JSONDecodeError as exc:
            raise CompetitionDirError(f"{config} is not valid JSON: {exc}") from None
        missing = [k for k in ("metric", "id_column", "target_columns") if k not in raw]
        if missing:
            raise CompetitionDirError(f"{config} lacks {', '.join(missing)}")
        if not (root / "data").is_dir() or not any((root / "data").iterdir()):
            raise CompetitionDirError(f"{root / 'data'} must hold the smoke sample's features")
        if not (root / "labels.csv").is_file():
            raise CompetitionDirError(f"{root / 'labels.csv'} (the smoke sample's labels) is missing")
        runtime = raw.get("runtime", "default")
        if not isinstance(runtime, str) or not runtimes.NAME_RE.match(runtime):
            raise CompetitionDirError(
                f"{config} names the runtime {runtime!r}: use lower-case letters, digits, '.', '_' or '-'"
            )
        limits = raw.get("limits", {})
        return cls(
            root=root,
            metric=raw["metric"],
            id_column=raw["id_column"],
            target_columns=list(raw["target_columns"]),
            time_limit_s=float(limits.get("time_limit_s", 600)),
            memory_mb=int(limits.get("memory_mb", 2048)),
            cpus=float(limits.get("cpus", 1.0)),
            max_processes=int(limits.get("max_processes", 64)),
            output_limit_mb=int(limits.get("output_limit_mb", 100)),
            log_limit_kb=int(limits.get("log_limit_kb", 64)),
            runtime=runtime,
            predictions_filename=raw.get("predictions_filename", "submission.csv"),
            gpu=bool(raw.get("gpu", False)),
        )


@dataclass(frozen=True)
class LocalResult:
    failure_reason: FailureReason | None
    detail: str
    score: float | None
    metric: str
    log: str
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_memory_mb: float = 0.0

    def report(self) -> str:
        lines = []
        if self.failure_reason is None:
            lines.append(f"score: {self.metric} = {self.score:.6g} on the smoke sample")
        else:
            lines.append(f"failed: {self.failure_reason.value}")
            lines.append(self.detail)
        if self.wall_seconds:
            # the figures the platform records for the same run, to the same precision
            lines.append(
                f"resources: {self.wall_seconds:.2f} s wall, {self.cpu_seconds:.2f} s CPU, "
                f"{self.peak_memory_mb:.1f} MiB peak memory"
            )
        return "\n".join(lines)


def _traversable_tmp() -> Path:
    # under /tmp with 0755: the sandbox user (when running as root) opens mount sources
    path = Path(tempfile.mkdtemp(prefix="holdout-local-", dir="/tmp"))
    path.chmod(0o755)
    return path


LOCAL_COMPETITION = uuid.UUID(int=0)


async def run_local_test(
    archive: Path,
    competition_dir: Path,
    *,
    settings: OrchestratorSettings | None = None,
    build_runtime: bool = True,
) -> LocalResult:
    """Run in the sandbox on the smoke sample, validate and score.

    ``competition_dir`` is the smoke-sample folder or the zip it was downloaded as. The
    run goes through the orchestrator's own executor (``LocalSandboxExecutor``), over a
    throwaway local storage: the same unpacking, data staging, limits, classification
    and measurement as on the platform, so the resources reported here are the figures
    the platform would record.
    """
    with competition_folder(competition_dir) as folder:
        return await _run_local_test(archive, folder, settings or OrchestratorSettings(), build_runtime)


async def _run_local_test(
    archive: Path, competition_dir: Path, settings: OrchestratorSettings, build_runtime: bool
) -> LocalResult:
    comp = LocalCompetition.load(competition_dir)

    def failed(reason: FailureReason, detail: str, log: str = "") -> LocalResult:
        return LocalResult(reason, detail, None, comp.metric, log)

    work = _traversable_tmp()
    try:
        storage = LocalStorage(work / "storage")
        # the platform's runner, over throwaway folders and the configured runtimes
        runner = LocalRunner(
            storage,
            runs_dir=work / "runs",
            cache_dir=work / "cache",
            runtimes_dir=settings.runtimes_path,
            requirements_dir=settings.runtimes_requirements_dir,
            build_missing_runtimes=build_runtime,
            sandbox_uid=settings.sandbox_uid,
            sandbox_gid=settings.sandbox_gid,
            tmp_bytes=settings.sandbox_tmp_mb * MIB,
        )
        if not build_runtime and await runner.runtime(comp.runtime) is None:
            # the runner's own lookup; its refusal would read as a platform fault
            return failed(
                FailureReason.INTERNAL_ERROR,
                f"the runtime {comp.runtime!r} is not built: run `holdout runtime build {comp.runtime}`",
            )
        submission_id = uuid.uuid4()
        archive_key = f"{LOCAL_COMPETITION}/{submission_id}.zip"
        await storage.put_file("submissions", archive_key, archive)
        data_prefix = f"{LOCAL_COMPETITION}/smoke/"
        data_files = []
        for item in sorted((comp.root / "data").iterdir()):
            if item.is_file() and not item.is_symlink():
                await storage.put_file("data", data_prefix + item.name, item)
                data_files.append(item.name)
        outcome = await LocalSandboxExecutor(runner).run(
            RunRequest(
                submission_id=submission_id,
                competition_id=LOCAL_COMPETITION,
                attempt=1,
                archive_key=archive_key,
                execution=ExecutionSpec(
                    runtime=comp.runtime,
                    time_limit_s=comp.time_limit_s,
                    memory_mb=comp.memory_mb,
                    cpus=comp.cpus,
                    max_processes=comp.max_processes,
                    output_limit_mb=comp.output_limit_mb,
                    log_limit_kb=comp.log_limit_kb,
                    data_prefix=data_prefix,
                    data_files=data_files,
                    predictions_filename=comp.predictions_filename,
                    gpu=comp.gpu,
                ),
                is_smoke=True,
            )
        )
        log = ""
        if outcome.log_key is not None:
            log = (await storage.get_bytes("outputs", outcome.log_key)).decode(errors="replace")
        usage = {
            "wall_seconds": outcome.resources.wall_seconds,
            "cpu_seconds": outcome.resources.cpu_seconds,
            "peak_memory_mb": outcome.resources.peak_memory_mb,
        }
        if outcome.failure_reason is not None or outcome.predictions_key is None:
            reason = outcome.failure_reason or FailureReason.MISSING_PREDICTIONS
            return LocalResult(reason, outcome.detail, None, comp.metric, log, **usage)
        predictions = await storage.get_bytes("outputs", outcome.predictions_key)
        spec = ScoringSpec(
            metric=comp.metric, id_column=comp.id_column, target_columns=comp.target_columns, labels_key="-"
        )
        try:
            labels = (comp.root / "labels.csv").read_bytes()
            scores = await asyncio.to_thread(score, predictions, labels, spec)
        except InvalidPredictions as exc:
            return LocalResult(FailureReason.INVALID_PREDICTIONS, str(exc), None, comp.metric, log, **usage)
        except ScoringProblem as exc:
            raise CompetitionDirError(f"the smoke sample could not be scored: {exc}") from None
        return LocalResult(None, "", scores.public_score, comp.metric, log, **usage)
    finally:
        shutil.rmtree(work, ignore_errors=True)
