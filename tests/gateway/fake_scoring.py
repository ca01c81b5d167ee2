"""A stand-in orchestrator for the gateway's scoring-program tests: a real HTTP app
speaking ``POST /internal/v1/scoring-runs`` (``shared.scoring_runs``). It unpacks the
program from the same storage, runs it with the predictions and labels in a data
folder (``DATA``, ``OUT`` in its environment), reads its scores.json and stores its
log, as the real one does, without the sandbox (tests/orchestrator tests that part)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

from fastapi import FastAPI, Header, HTTPException

from shared.archive import safe_extract
from shared.scoring_runs import (
    PROGRAM_ENTRYPOINTS,
    SCORES_FILENAME,
    SCORING_RUNS_PATH,
    ScoringRunRequest,
    ScoringRunResult,
    ScoringRunStatus,
    log_key,
)
from shared.storage import Storage
from tests.conftest import INTERNAL_TOKEN


def fake_orchestrator(storage: Storage) -> FastAPI:
    app = FastAPI()

    @app.post(SCORING_RUNS_PATH)
    async def run(body: ScoringRunRequest, authorization: str = Header("")) -> ScoringRunResult:
        if authorization != f"Bearer {INTERNAL_TOKEN}":
            raise HTTPException(401)
        work = Path(tempfile.mkdtemp(prefix="scoring-"))
        try:
            src, data, out = work / "src", work / "data", work / "submission"
            for folder in (src, data, out):
                folder.mkdir()
            await storage.download_to("programs", body.program.archive_key, work / "program.zip")
            safe_extract(work / "program.zip", src, entrypoints=PROGRAM_ENTRYPOINTS)
            await storage.download_to(
                body.predictions.container, body.predictions.key, data / "predictions.csv"
            )
            await storage.download_to(body.labels.container, body.labels.key, data / "labels.csv")
            env = {**os.environ, "DATA": str(data), "OUT": str(out)}
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "score.py", cwd=src, env=env, stdout=-1, stderr=-2
            )
            output, _ = await proc.communicate()
            await storage.put_bytes("outputs", log_key(body.run_id), output)
            scores = out / SCORES_FILENAME
            ok = proc.returncode == 0 and scores.exists()
            return ScoringRunResult(
                status=ScoringRunStatus.OK if ok else ScoringRunStatus.PROGRAM_FAILED,
                detail="" if ok else f"the program exited with code {proc.returncode}",
                exit_code=proc.returncode,
                scores_json=scores.read_text() if scores.exists() else None,
                log_key=log_key(body.run_id),
                log_tail=output.decode()[-4096:],
            )
        finally:
            shutil.rmtree(work)

    return app
