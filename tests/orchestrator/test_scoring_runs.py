"""Scoring runs: a host's program in the real sandbox (bubblewrap, cgroups) on
predictions and labels from storage; what it may not do (network, write the labels,
hand the host a symlink) and how each failure is reported; the HTTP route."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import io
import itertools
import json
import socket
import textwrap
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.orchestrator.app import create_app
from services.orchestrator.config import OrchestratorSettings
from services.orchestrator.executors.base import Executor, RunOutcome, RunRequest
from services.orchestrator.executors.local.runner import LocalRunner
from services.orchestrator.scoring_runs import LOG_LIMIT_BYTES, LOG_TAIL_BYTES, ScoringRuns
from shared.bus.memory import InProcessBus
from shared.events import ScoringProgram
from shared.scoring_runs import (
    PROGRAMS_CONTAINER,
    SCORING_RUNS_PATH,
    ScoringRunRequest,
    ScoringRunResult,
    ScoringRunStatus,
    StorageRef,
    log_key,
    parse_scores,
)
from shared.storage import LocalStorage
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN
from tests.orchestrator.conftest import needs_sandbox

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scoring-programs"
WEIGHTED_ERROR = (EXAMPLES / "weighted_error" / "score.py").read_text()
LABELS = b"id,target,weight,Usage\na,1.0,1,Public\nb,2.0,3,Public\nc,0.0,2,Private\nd,5.0,1,Private\n"
PREDICTIONS = b"id,target\nd,4.0\nc,1.0\nb,2.5\na,0.0\n"


def program_zip(files: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in files.items():
            zf.writestr(name, textwrap.dedent(body) if isinstance(body, str) else body)
    return buf.getvalue()


class Scoring:
    def __init__(self, data_dir: Path, runtimes_dir: Path, concurrency: int = 2) -> None:
        self.storage = LocalStorage(data_dir / "storage")
        self.runs_dir = data_dir / "runs"
        runner = LocalRunner(
            self.storage,
            runs_dir=self.runs_dir,
            cache_dir=data_dir / "cache",
            runtimes_dir=runtimes_dir,
            build_missing_runtimes=False,
            storage_retry_seconds=0.01,
        )
        self.runs = ScoringRuns(runner, concurrency=concurrency)

    async def request(
        self,
        files: dict[str, str | bytes],
        *,
        predictions: bytes = PREDICTIONS,
        labels: bytes = LABELS,
        time_limit_s: float = 30,
    ) -> ScoringRunRequest:
        stage = uuid.uuid4()
        program_key = f"{stage}/1.zip"
        await self.storage.put_bytes(PROGRAMS_CONTAINER, program_key, program_zip(files))
        await self.storage.put_bytes("outputs", f"{stage}/1/predictions.csv", predictions)
        await self.storage.put_bytes("labels", f"{stage}/1.csv", labels)
        return ScoringRunRequest(
            run_id=f"{stage}-1-1",
            program=ScoringProgram(archive_key=program_key, time_limit_s=time_limit_s, memory_mb=512),
            predictions=StorageRef(container="outputs", key=f"{stage}/1/predictions.csv"),
            labels=StorageRef(container="labels", key=f"{stage}/1.csv"),
        )

    async def run(self, files: dict[str, str | bytes], **kwargs: object) -> ScoringRunResult:
        return await self.runs.run(await self.request(files, **kwargs))  # type: ignore[arg-type]

    async def labels_of(self, request: ScoringRunRequest) -> bytes:
        return await self.storage.get_bytes(request.labels.container, request.labels.key)


@pytest.fixture
def scoring(data_dir: Path, runtimes_dir: Path) -> Scoring:
    return Scoring(data_dir, runtimes_dir)


@needs_sandbox
async def test_a_weighted_error_program_returns_its_scores_and_its_log(scoring: Scoring) -> None:
    request = await scoring.request({"score.py": WEIGHTED_ERROR + "\nprint('scored')\n"})
    result = await scoring.runs.run(request)
    assert result.status == ScoringRunStatus.OK, result.detail
    assert result.exit_code == 0 and result.scores_json is not None
    public, private = parse_scores(result.scores_json, ["weighted_error"])
    assert public == {"weighted_error": pytest.approx((1 * 1.0 + 3 * 0.5) / 4)}
    assert private == {"weighted_error": pytest.approx((2 * 1.0 + 1 * 1.0) / 3)}
    assert result.log_key == log_key(request.run_id) and "scored" in result.log_tail
    assert b"scored" in await scoring.storage.get_bytes("outputs", result.log_key)
    assert result.resources.wall_seconds > 0
    # nothing of the run is left on the machine
    assert not any((scoring.runs_dir / "scoring" / scoring.runs.owner).iterdir())


@needs_sandbox
async def test_a_score_sh_entrypoint_runs_with_bash(scoring: Scoring) -> None:
    result = await scoring.run(
        {"score.sh": 'echo \'{"public": {"x": 1}}\' > /code_execution/submission/scores.json\n'}
    )
    assert result.status == ScoringRunStatus.OK, result.detail
    assert parse_scores(result.scores_json or "", ["x"]) == ({"x": 1.0}, {})


@needs_sandbox
async def test_a_crashing_program_fails_with_the_tail_of_its_log(scoring: Scoring) -> None:
    result = await scoring.run(
        {
            "score.py": "import sys\nprint('reading labels')\n"
            "raise SystemExit(sys.argv[0] + ' gave up: no weights')"
        }
    )
    assert result.status == ScoringRunStatus.PROGRAM_FAILED and result.exit_code == 1
    assert result.detail.startswith("the scoring program failed (runtime_error): exited with code 1")
    assert "score.py gave up: no weights" in result.detail
    assert "reading labels" in result.log_tail and result.scores_json is None


@needs_sandbox
async def test_a_program_that_writes_no_scores_or_runs_too_long_fails_saying_which(scoring: Scoring) -> None:
    silent, slow = await asyncio.gather(
        scoring.run({"score.py": "print('done')"}),
        scoring.run({"score.py": "import time\ntime.sleep(60)"}, time_limit_s=1),
    )
    assert silent.status == ScoringRunStatus.PROGRAM_FAILED
    assert silent.detail == (
        "the scoring program failed (missing_predictions): scores file is missing: "
        "expected /code_execution/submission/scores.json"
    )
    assert slow.status == ScoringRunStatus.PROGRAM_FAILED
    assert slow.detail.startswith("the scoring program failed (time_limit_exceeded): ran longer than the 1 s")


NETWORK = """
import json, socket
tried = {}
for name, address in (("host", ("127.0.0.1", PORT)), ("internet", ("1.1.1.1", 53))):
    try:
        socket.create_connection(address, timeout=3).close()
        tried[name] = "connected"
    except OSError as exc:
        tried[name] = exc.errno
open("/code_execution/submission/scores.json", "w").write(json.dumps({"public": {}, "tried": tried}))
"""


@pytest.fixture
def host_listener() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    yield server
    server.close()


@needs_sandbox
async def test_a_program_reaches_no_network(scoring: Scoring, host_listener: socket.socket) -> None:
    port = host_listener.getsockname()[1]
    result = await scoring.run({"score.py": NETWORK.replace("PORT", str(port))})
    assert result.status == ScoringRunStatus.OK, result.detail
    tried = json.loads(result.scores_json or "")["tried"]
    # no way out: the sandbox has only a loopback of its own, and (seccomp) no inet sockets
    assert tried == {"host": errno.EAFNOSUPPORT, "internet": errno.EAFNOSUPPORT}
    with pytest.raises(BlockingIOError):
        host_listener.accept()  # the host's listener never saw a connection


TAMPER = """
import json, os
tried = {}
LABELS = "/code_execution/data/labels.csv"
for name, attempt in (
    ("write", lambda: open(LABELS, "w").write("id,target\\n")),
    ("append", lambda: open(LABELS, "a").write("z,1,1,Public\\n")),
    ("remove", lambda: os.remove(LABELS)),
    ("rename", lambda: os.rename(LABELS, "/code_execution/data/old.csv")),
    ("chmod", lambda: os.chmod(LABELS, 0o777)),
    ("create", lambda: open("/code_execution/data/labels2.csv", "w")),
):
    try:
        attempt()
        tried[name] = "done"
    except OSError as exc:
        tried[name] = exc.errno
open("/code_execution/submission/scores.json", "w").write(json.dumps({"public": {}, "tried": tried}))
"""


@needs_sandbox
async def test_a_program_cannot_change_the_labels(scoring: Scoring) -> None:
    request = await scoring.request({"score.py": TAMPER})
    result = await scoring.runs.run(request)
    assert result.status == ScoringRunStatus.OK, result.detail
    tried = json.loads(result.scores_json or "")["tried"]
    assert set(tried.values()) <= {errno.EROFS, errno.EACCES, errno.EPERM}, tried
    assert await scoring.labels_of(request) == LABELS


def _sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@needs_sandbox
@pytest.mark.parametrize("target", ["/code_execution/data/labels.csv", "/etc/passwd"])
async def test_a_symlinked_scores_file_is_refused_and_nothing_outside_changes(
    scoring: Scoring, target: str
) -> None:
    passwd = _sha256("/etc/passwd")
    request = await scoring.request(
        {"score.py": f"import os\nos.symlink({target!r}, '/code_execution/submission/scores.json')"}
    )
    result = await scoring.runs.run(request)
    assert result.status == ScoringRunStatus.PROGRAM_FAILED and result.scores_json is None
    assert "/code_execution/submission/scores.json is a symbolic link, expected a JSON file" in result.detail
    assert await scoring.labels_of(request) == LABELS and _sha256("/etc/passwd") == passwd


@needs_sandbox
async def test_a_scores_file_too_big_or_not_a_file_is_refused(scoring: Scoring) -> None:
    big, folder = await asyncio.gather(
        scoring.run({"score.py": "open('/code_execution/submission/scores.json', 'w').write(' ' * 70000)"}),
        scoring.run({"score.py": "import os\nos.mkdir('/code_execution/submission/scores.json')"}),
    )
    assert big.status == folder.status == ScoringRunStatus.PROGRAM_FAILED
    assert "scores.json is larger than the 64 KiB limit of a scores file" in big.detail
    assert "scores.json is a directory, expected a JSON file" in folder.detail


@needs_sandbox
async def test_a_huge_single_line_of_predictions_fails_the_program_and_the_log_stays_bounded(
    scoring: Scoring,
) -> None:
    line = b"x" * (50 * 1024 * 1024)  # 50 MB, no newline
    echo = await scoring.request(
        {"score.sh": "cat /code_execution/data/predictions.csv\nexit 3\n"}, predictions=line
    )
    echoed, parsed = await asyncio.gather(
        scoring.runs.run(echo), scoring.run({"score.py": WEIGHTED_ERROR}, predictions=line)
    )
    assert echoed.status == ScoringRunStatus.PROGRAM_FAILED and echoed.exit_code == 3
    stored_log = await scoring.storage.get_bytes("outputs", echoed.log_key or "")
    assert len(stored_log) < LOG_LIMIT_BYTES + 200 and len(echoed.log_tail) <= LOG_TAIL_BYTES
    assert parsed.status == ScoringRunStatus.PROGRAM_FAILED and "runtime_error" in parsed.detail
    assert await scoring.storage.get_bytes(echo.predictions.container, echo.predictions.key) == line
    assert await scoring.labels_of(echo) == LABELS
    assert not any((scoring.runs_dir / "scoring" / scoring.runs.owner).iterdir())


@needs_sandbox
async def test_a_program_zip_without_score_py_is_the_programs_fault(scoring: Scoring) -> None:
    result = await scoring.run({"main.py": "print(1)"})
    assert result.status == ScoringRunStatus.PROGRAM_FAILED
    assert (
        result.detail
        == "the scoring program's archive is refused: score.py must be at the root of the archive"
    )


@needs_sandbox
async def test_inputs_missing_from_storage_are_a_platform_fault(scoring: Scoring) -> None:
    request = await scoring.request({"score.py": WEIGHTED_ERROR})
    await scoring.storage.delete(request.labels.container, request.labels.key)
    result = await scoring.runs.run(request)
    assert result.status == ScoringRunStatus.PLATFORM_FAULT
    assert result.detail == (
        "the scoring program could not run: "
        f"the labels (labels/{request.labels.key}) are missing from storage"
    )
    gone = request.model_copy(update={"program": request.program.model_copy(update={"archive_key": "x.zip"})})
    result = await scoring.runs.run(gone)
    assert result.status == ScoringRunStatus.PLATFORM_FAULT
    assert "the scoring program is missing from storage" in result.detail


@needs_sandbox
async def test_scoring_runs_at_once_are_bounded(data_dir: Path, runtimes_dir: Path) -> None:
    one_at_a_time = Scoring(data_dir, runtimes_dir, concurrency=1)
    body = (
        "import json, time\nstart = time.time()\ntime.sleep(0.5)\n"
        "json.dump({'public': {}, 'span': [start, time.time()]}, "
        "open('/code_execution/submission/scores.json', 'w'))"
    )
    results = await asyncio.gather(*(one_at_a_time.run({"score.py": body}) for _ in range(3)))
    spans = sorted(json.loads(r.scores_json or "")["span"] for r in results)
    for earlier, later in itertools.pairwise(spans):
        assert earlier[1] <= later[0], spans


async def test_run_folders_of_a_killed_process_are_removed_and_those_of_a_live_one_kept(
    scoring: Scoring,
) -> None:
    root = scoring.runs_dir / "scoring"
    dead = root / "999999999.1" / "run-1-abc"  # no process has that pid
    mine = root / scoring.runs.owner / "run-2-def"
    for path in (dead, mine):
        path.mkdir(parents=True)
        (path / "log.txt").write_text("left behind")
    assert await scoring.runs.remove_stale() == ["999999999.1"]
    assert not dead.parent.exists() and (mine / "log.txt").exists()


# --- the HTTP route ----------------------------------------------------------------------


def settings_for(data_dir: Path, runtimes_dir: Path) -> OrchestratorSettings:
    return OrchestratorSettings(
        data_dir=data_dir,
        runtimes_dir=runtimes_dir,
        build_missing_runtimes=False,
        internal_token=INTERNAL_TOKEN,
        scheduler_poll_seconds=0.2,
    )


@needs_sandbox
async def test_the_route_needs_the_service_credential_and_a_valid_body(
    data_dir: Path, runtimes_dir: Path
) -> None:
    bus = InProcessBus(hold_until_released=False)
    scoring = Scoring(data_dir, runtimes_dir)
    app = create_app(settings_for(data_dir, runtimes_dir), bus=bus, storage=scoring.storage)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://orch") as client,
    ):
        body = (await scoring.request({"score.py": WEIGHTED_ERROR})).model_dump(mode="json")

        refused = await client.post(SCORING_RUNS_PATH, json=body)
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"

        r = await client.post(SCORING_RUNS_PATH, json=body, headers=INTERNAL_HEADERS)
        assert r.status_code == 200, r.text
        result = ScoringRunResult.model_validate(r.json())
        assert result.status == ScoringRunStatus.OK, result.detail
        assert parse_scores(result.scores_json or "", ["weighted_error"])[0][
            "weighted_error"
        ] == pytest.approx(0.625)

        bad = await client.post(
            SCORING_RUNS_PATH, json={**body, "run_id": "../escape"}, headers=INTERNAL_HEADERS
        )
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["detail"].startswith("body.run_id:")
        missing = await client.post(
            SCORING_RUNS_PATH, json={k: v for k, v in body.items() if k != "labels"}, headers=INTERNAL_HEADERS
        )
        assert missing.status_code == 422 and missing.json()["detail"] == "body.labels: Field required"
    await bus.close()


class RemoteExecutor(Executor):
    """Stands in for the Kubernetes executor: runs happen elsewhere."""

    async def run(self, request: RunRequest) -> RunOutcome:
        raise AssertionError("no run is queued in this test")


async def test_without_the_local_sandbox_the_route_answers_503(data_dir: Path, runtimes_dir: Path) -> None:
    bus = InProcessBus(hold_until_released=False)
    app = create_app(settings_for(data_dir, runtimes_dir), bus=bus, executor=RemoteExecutor())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://orch", headers=INTERNAL_HEADERS
        ) as client,
    ):
        body = {
            "run_id": "trial-1",
            "program": {"archive_key": "s/1.zip"},
            "predictions": {"container": "outputs", "key": "p.csv"},
            "labels": {"container": "labels", "key": "l.csv"},
        }
        r = await client.post(SCORING_RUNS_PATH, json=body)
    await bus.close()
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"].startswith("scoring programs need the local sandbox executor")
