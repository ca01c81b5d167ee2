"""Scoring runs: a host's scoring program run in the sandbox on one set of predictions.

A contract between three services. The orchestrator owns the sandbox, so it runs the
program (``POST /internal/v1/scoring-runs``, a service-credential route, answered when the program
has ended). The scorer asks it for every run of a stage scored by a program; the
gateway asks it once when a host uploads a program, to try it on the smoke sample
against the host's reference predictions.

Inside the sandbox (the same isolation as a submission: no network, limits, non-root)::

    /code_execution/src/            the program (score.py or score.sh), read-only
    /code_execution/data/predictions.csv   read-only
    /code_execution/data/labels.csv        read-only (with its Usage column, if any)
    /code_execution/submission/scores.json the program writes its scores here

``scores.json`` is ``{"public": {"<column key>": number, ...}, "private": {...}}``;
``private`` may be left out or null when the labels have no private rows. Every column
of the stage that has no registry metric must be present in each part written, as a
finite number. ``parse_scores`` is the one reader of that file.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.events import Resources, ScoringProgram

# the orchestrator's route (service credential), answered when the program has ended
SCORING_RUNS_PATH = "/internal/v1/scoring-runs"
# one of them at the root of a program's zip (``shared.archive`` rules otherwise)
PROGRAM_ENTRYPOINTS = ("score.py", "score.sh")
SCORES_FILENAME = "scores.json"
# a scores file is a few numbers: anything bigger is a broken (or hostile) program
SCORES_MAX_BYTES = 64 * 1024
PROGRAMS_CONTAINER = "programs"
# runs of a program on one submission before its failure is the host's (the scorer's
# default; the gateway's reconciler waits for this many before it calls scoring stuck)
PROGRAM_TRIES = 2


class StorageRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    container: str
    key: str


class ScoringRunRequest(BaseModel):
    """Run ``program`` on ``predictions`` against ``labels``.

    ``run_id`` names the run (its folder, its cgroup, its log key): the same id asked
    twice runs twice, so callers derive it from what they score
    (``<submission>-<attempt>-<try>``, ``trial-<uuid>``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
    program: ScoringProgram
    predictions: StorageRef
    labels: StorageRef
    is_smoke: bool = False


class ScoringRunStatus(StrEnum):
    # the program ended with 0 and wrote a scores file (not yet checked against columns)
    OK = "ok"
    # the program failed: non-zero exit, time or memory limit, no or oversized scores file
    PROGRAM_FAILED = "program_failed"
    # the platform could not run it (storage, runtime missing); another try may work
    PLATFORM_FAULT = "platform_fault"


class ScoringRunResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    status: ScoringRunStatus
    detail: str = ""
    exit_code: int | None = None
    # the raw scores file (text) when the program wrote one
    scores_json: str | None = None
    # the program's whole log in the ``outputs`` container, and its tail
    log_key: str | None = None
    log_tail: str = ""
    resources: Resources = Resources()


class ScoresInvalid(ValueError):
    """The scores file does not hold what the stage declared; ``detail`` says what."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def log_key(run_id: str) -> str:
    return f"scoring/{run_id}/log.txt"


def parse_scores(raw: str | bytes, keys: Sequence[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Read a scores file: (public, private) by column key, only ``keys``, checked.

    Raises ``ScoresInvalid`` naming the first problem (what was wrong, what was expected).
    """
    if len(raw) > SCORES_MAX_BYTES:
        raise ScoresInvalid(f"scores.json is {len(raw)} bytes; at most {SCORES_MAX_BYTES} are read")
    try:
        data: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScoresInvalid(f"scores.json is not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("public"), dict):
        raise ScoresInvalid('scores.json must be an object with a "public" object of column scores')
    private_part = data.get("private")
    if private_part is not None and not isinstance(private_part, dict):
        raise ScoresInvalid('"private" in scores.json must be an object of column scores, or null')

    def part(values: dict[str, Any], name: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for key in keys:
            if key not in values:
                raise ScoresInvalid(f'scores.json "{name}" has no value for the column {key!r}')
            value = values[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ScoresInvalid(
                    f'scores.json "{name}" {key!r} is {json.dumps(value)[:40]}; expected a finite number'
                )
            out[key] = float(value)
        return out

    public = part(data["public"], "public")
    private = part(private_part, "private") if private_part else {}
    return public, private


def trial_run_id() -> str:
    return f"trial-{uuid.uuid4().hex}"
