"""A stage's scoring program: the host's zip, tried once on the stage's smoke sample
against the host's reference predictions before the stage takes it.

Sits under ``program_endpoints.py``; the trial itself is the orchestrator's
(``POST /internal/v1/scoring-runs``, ``shared.scoring_runs``). What a scope keeps in
its ``scoring_program`` column::

    {"program": ScoringProgram dict (what ``competitions.snapshots.scoring_spec`` sends),
     "version": n, "keys": [the column keys the trial wrote], "trial": {"public": ...,
     "private": ..., "log_tail": ...}, "program_sha256": ..., "reference_sha256": ...,
     "uploaded_at": iso}

Programs are stored in ``programs/{stage_id}/{n}.zip`` beside their reference
``{n}-reference.csv``. A replaced program's objects stay: submissions queued before
the change carry its key in their scoring spec.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import datetime
from typing import Any

import httpx
import structlog
from pydantic import BaseModel, Field

from services.gateway import proxy
from services.gateway.openapi import UtcDatetime
from services.gateway.stages.scope import Scope
from shared.events import COLUMN_KEY_PATTERN, ScoringProgram
from shared.scoring_runs import (
    PROGRAMS_CONTAINER,
    SCORING_RUNS_PATH,
    ScoresInvalid,
    ScoringRunRequest,
    ScoringRunResult,
    ScoringRunStatus,
    parse_scores,
)
from shared.storage import Storage, StorageError
from shared.web import ProblemError

log = structlog.get_logger(__name__)

# the trial waits for the orchestrator's queue and the program's start on top of its time limit
TRIAL_MARGIN_S = 300.0
_KEY = re.compile(COLUMN_KEY_PATTERN)


def program_keys(scope: Scope) -> set[str]:
    """The column keys the stage's scoring program writes (its trial's public scores);
    empty without a program. A stage's column without a registry metric is valid only
    when its key is one of these."""
    stored = scope.scoring_program
    return set(stored.get("keys", [])) if stored else set()


def needed_keys(scope: Scope) -> set[str]:
    """The keys of the stage's columns that have no registry metric (the program's)."""
    return {c["key"] for c in scope.columns or [] if c.get("metric") is None}


class ScoringTrialRead(BaseModel):
    public: dict[str, float] = Field(description="What the program scored the reference on the smoke sample.")
    private: dict[str, float] = Field(description="Its private part (empty: the sample has no private rows).")
    log_tail: str = Field(description="The end of the program's stdout and stderr in the trial.")


class ScoringProgramRead(BaseModel):
    stage_position: int
    version: int = Field(description="Counts the programs this stage has taken.")
    keys: list[str] = Field(
        description="The column keys the program writes: what the stage's columns may use."
    )
    runtime: str
    time_limit_s: float
    memory_mb: int
    cpus: float
    program_sha256: str
    reference_sha256: str
    trial: ScoringTrialRead
    uploaded_at: UtcDatetime


def to_read(scope: Scope) -> ScoringProgramRead | None:
    stored = scope.scoring_program
    if not stored:
        return None
    program = ScoringProgram.model_validate(stored["program"])
    return ScoringProgramRead(
        stage_position=scope.position,
        version=int(stored.get("version", 1)),
        keys=list(stored.get("keys", [])),
        runtime=program.runtime,
        time_limit_s=program.time_limit_s,
        memory_mb=program.memory_mb,
        cpus=program.cpus,
        program_sha256=str(stored.get("program_sha256", "")),
        reference_sha256=str(stored.get("reference_sha256", "")),
        trial=ScoringTrialRead.model_validate(
            stored.get("trial", {"public": {}, "private": {}, "log_tail": ""})
        ),
        uploaded_at=datetime.fromisoformat(stored["uploaded_at"]),
    )


def archive_key(stage_id: object, version: int) -> str:
    return f"{stage_id}/{version}.zip"


def reference_key(stage_id: object, version: int) -> str:
    return f"{stage_id}/{version}-reference.csv"


async def next_version(storage: Storage, scope: Scope) -> int:
    """One past the stage's current program, and past any objects already stored (an
    upload at the same moment, or one whose trial is still running)."""
    stored = scope.scoring_program
    version = int(stored.get("version", 0)) + 1 if stored else 1
    while await storage.exists(PROGRAMS_CONTAINER, archive_key(scope.id, version)):
        version += 1
    return version


async def forget(storage: Storage, *keys: str) -> None:
    """Remove what a refused upload stored (best effort: nothing points to it)."""
    for key in keys:
        with contextlib.suppress(StorageError):
            await storage.delete(PROGRAMS_CONTAINER, key)


def program_for(scope: Scope, key: str, runtime: str) -> ScoringProgram:
    limits: dict[str, Any] = dict(scope.limits or {})
    defaults = ScoringProgram(archive_key=key)
    return ScoringProgram(
        archive_key=key,
        runtime=runtime,
        time_limit_s=float(limits.get("time_limit_s", defaults.time_limit_s)),
        memory_mb=int(limits.get("memory_mb", defaults.memory_mb)),
        cpus=float(limits.get("cpus", defaults.cpus)),
    )


class ProgramFailed(ProblemError):
    """The host's program failed its trial: the host reads why, the log's tail included."""

    status, code = 422, "scoring-program-failed"


async def run_trial(
    client: httpx.AsyncClient, orchestrator_url: str, request: ScoringRunRequest
) -> ScoringRunResult:
    url = orchestrator_url.rstrip("/") + SCORING_RUNS_PATH
    response = await proxy.post(
        client,
        "orchestrator",
        url,
        request.model_dump(mode="json"),
        timeout_s=request.program.time_limit_s + TRIAL_MARGIN_S,
    )
    if response.status_code != 200:
        # the request is the gateway's own making: any refusal is a platform fault
        log.error("programs.trial_refused", status=response.status_code, body=response.text[:500])
        raise proxy.ServiceUnavailable(
            f"the orchestrator refused the scoring program's trial ({response.status_code}); try again later"
        )
    try:
        return ScoringRunResult.model_validate_json(response.content)
    except ValueError:
        log.error("programs.trial_unreadable", body=response.text[:500])
        raise proxy.ServiceUnavailable(
            "the orchestrator's answer could not be read; try again later"
        ) from None


def trial_scores(
    result: ScoringRunResult, needed: set[str]
) -> tuple[list[str], dict[str, float], dict[str, float]]:
    """(keys, public, private) of a trial that went well; ``ProgramFailed`` (422) or a 503
    (the platform's fault) otherwise."""
    if result.status == ScoringRunStatus.PLATFORM_FAULT:
        log.warning("programs.trial_platform_fault", detail=result.detail)
        error = proxy.ServiceUnavailable(
            f"the scoring program could not be tried ({result.detail or 'a platform fault'}); "
            "this is not the program's fault: try again later"
        )
        error.headers = {"Retry-After": "60"}
        raise error
    if result.status != ScoringRunStatus.OK or result.scores_json is None:
        detail = result.detail or "the program ended without writing scores.json"
        raise _failed(result, f"the scoring program failed on the smoke sample: {detail}")
    written = _written_keys(result.scores_json)
    if not written and not needed:
        raise _failed(
            result,
            'the scoring program wrote no column scores: scores.json needs {"public": {"<key>": '
            "number, ...}} with keys of lowercase letters, digits and '_'",
        )
    try:
        public, private = parse_scores(result.scores_json, sorted(written | needed))
    except ScoresInvalid as exc:
        missing = sorted(needed - written)
        also = f" (the stage's columns need {', '.join(missing)})" if missing else ""
        raise _failed(
            result, f"the scoring program's scores.json is not usable: {exc.detail}{also}"
        ) from None
    return sorted(written | needed), public, private


def _written_keys(raw: str) -> set[str]:
    try:
        data = json.loads(raw)
    except ValueError:
        return set()
    public = data.get("public") if isinstance(data, dict) else None
    if not isinstance(public, dict):
        return set()
    return {
        k
        for k, v in public.items()
        if isinstance(k, str) and _KEY.match(k) and isinstance(v, int | float) and not isinstance(v, bool)
    }


def _failed(result: ScoringRunResult, detail: str) -> ProgramFailed:
    return ProgramFailed(
        detail, run_status=result.status.value, exit_code=result.exit_code, log_tail=result.log_tail
    )
