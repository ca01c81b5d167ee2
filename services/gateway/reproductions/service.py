"""Reproductions: a host re-runs a scored submission ``count`` times (the same archive,
runtime, data and labels) and compares every score of the re-runs with the original's.

A reproduction is a new ``submissions`` row with ``rerun_of`` = the original and
``purpose`` = "reproduce", queued with the original's stage snapshot
(``submissions.service.queued_event``, rebuilt now). It uses no quota (re-runs never
do: ``repository.count_against_quota``), the leaderboard drops its score
(``submission.scored`` carries the purpose), the orchestrator starts it only when no
competing run is due, and the team never sees it (lists, reads and final selections
leave it out). The snapshot is rebuilt rather than stored, so a stage whose runtime,
data or labels changed since the original ran is refused (409): a re-run on other data
would prove nothing. A submission queued before the versions were recorded is taken to
have run on the first ones, which holds exactly when the stage never replaced them.

The verdict compares the original's latest scores (a rescoring updates them) with each
re-run's; a re-run keeps the original's submission time, so the scorer judges it by
the same rescoring as the original.

A training stage's run (``trained``, never scored) is reproduced the same way: the
orchestrator trains again on the same zip, runtime, data and limits, and the verdict
compares the status and the model zip's sha256 and size with the original's. The
re-run's model is never given to an inference run (``stages.training.model_for``
leaves reproductions out), and no board sees it (nothing of it is scored).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository as competitions_repo
from services.gateway.models import Competition, Submission, Team
from services.gateway.reproductions import repository
from services.gateway.reproductions.schemas import (
    BoardReproductionCreate,
    ReproductionReport,
    RunResult,
    Spread,
    Verdict,
)
from services.gateway.stages import scope
from services.gateway.stages.feed import best, ranks_higher, rerun_of
from services.gateway.stages.scope import Scope
from services.gateway.submissions import repository as submissions_repo
from services.gateway.submissions.schemas import TERMINAL, SubmissionStatus
from services.gateway.submissions.service import queued_event
from shared.db import as_aware
from shared.events import FailureReason, Resources, ScoreColumn, utcnow
from shared.web import Conflict

log = structlog.get_logger(__name__)

Board = Literal["public", "private"]


def _check_reproducible(original: Submission, stage: Scope) -> None:
    if original.purpose == "reproduce":
        raise Conflict(
            "this is itself a reproduction; ask for reproductions of the original "
            f"submission {original.rerun_of}",
            code="not-an-original",
            original=str(original.rerun_of),
        )
    if original.is_smoke:
        raise Conflict("smoke runs cannot be reproduced; only real runs", code="smoke-run")
    # a training stage's runs are not scored: one that left its model is done
    done = SubmissionStatus.TRAINED if stage.kind == "training" else SubmissionStatus.SCORED
    if original.status != done.value:
        raise Conflict(
            f"the submission is {original.status}; only {done.value} submissions can be reproduced",
            code="submission-not-scored",
            status_now=original.status,
        )
    # unrecorded (queued before versions were kept): version 1 is the only one it can have used
    then: tuple[int, int | None] = (original.data_version or 1, original.labels_version or 1)
    now = (stage.data_version, stage.labels_version)
    if stage.kind == "training":  # its runs see the stage's data only: no labels to change
        then, now = (then[0], None), (now[0], None)
    if then != now:
        raise Conflict(
            f"the stage's test data or labels changed since the submission ran (data version {then[0]}, "
            f"labels version {then[1]} then; {now[0]}, {now[1]} now): a re-run would not use the same "
            "data; rescore or re-run it as a new submission instead",
            code="data-changed",
            data_version_then=then[0],
            labels_version_then=then[1],
            data_version_now=now[0],
            labels_version_now=now[1],
        )
    if original.runtime is not None and original.runtime != stage.runtime:
        raise Conflict(
            f"the stage's runtime changed since the submission ran ({original.runtime!r} then, "
            f"{stage.runtime!r} now): a re-run would not use the same runtime",
            code="runtime-changed",
            runtime_then=original.runtime,
            runtime_now=stage.runtime,
        )


async def reproduce(
    session: AsyncSession,
    competition: Competition,
    original: Submission,
    count: int,
    tolerance: float,
) -> list[Submission]:
    """Queue ``count`` reproductions of ``original`` (checked first) in the session."""
    stage = await scope.by_id(session, competition, original.stage_id)
    _check_reproducible(original, stage)
    team = await session.get(Team, original.team_id)
    assert team is not None
    now = utcnow()
    made = []
    for _ in range(count):
        rerun = rerun_of(original, stage, now, purpose="reproduce", tolerance=tolerance)
        session.add(rerun)
        event = await queued_event(session, competition, stage, team, rerun)
        # judged by the same rescoring as the original (the scorer compares submission times)
        event = event.model_copy(update={"submitted_at": as_aware(original.created_at)})
        await submissions_repo.stage_queued(session, event)
        made.append(rerun)
    log.info(
        "reproduction.queued",
        submission_id=str(original.id),
        competition_id=str(competition.id),
        count=count,
        tolerance=tolerance,
    )
    return made


async def board_top(
    session: AsyncSession, competition: Competition, body: BoardReproductionCreate
) -> tuple[Scope, list[Submission]]:
    """The submissions of the first ``body.top`` entries of a stage's public board, best
    first, from the gateway's own scores: each ranked team's best public score in the
    stage's ranking direction, ties to the earlier submission (the board's own rule;
    the leaderboard's further tie-break columns are not known here)."""
    stages = await scope.all_stages(session, competition)
    stage = (
        await scope.get(session, competition, body.stage) if body.stage else scope.active(stages, utcnow())
    )
    runs = list(await repository.scored_entries(session, stage.id))
    if not competition.rank_host_submissions:
        unranked = set(await competitions_repo.host_team_ids(session, competition))
        runs = [s for s in runs if s.team_id not in unranked]
    higher = ranks_higher(stage)
    by_team: dict[uuid.UUID, list[Submission]] = defaultdict(list)
    for run in runs:
        by_team[run.team_id].append(run)
    entries = [best(team_runs, 1, higher)[0] for team_runs in by_team.values()]
    return stage, best(entries, body.top, higher)


def _scores(submission: Submission, board: Board, primary: str) -> dict[str, float]:
    if submission.scores is not None:
        return {k: float(v) for k, v in submission.scores.get(board, {}).items()}
    if board == "public" and submission.public_score is not None:
        return {primary: submission.public_score}  # scored before every score was kept
    return {}


def _result(submission: Submission, primary: str) -> RunResult:
    return RunResult(
        submission_id=submission.id,
        status=SubmissionStatus(submission.status),
        failure_reason=FailureReason(submission.failure_reason) if submission.failure_reason else None,
        detail=submission.detail,
        public_scores=_scores(submission, "public", primary),
        private_scores=_scores(submission, "private", primary),
        resources=Resources(**submission.resources) if submission.resources else None,
        created_at=as_aware(submission.created_at),
        model_sha256=submission.model_sha256,
        model_size_bytes=submission.model_size_bytes,
    )


def spread(original: RunResult, reruns: Sequence[RunResult]) -> list[Spread]:
    """Every score of the original against the re-runs'; a key some run lacks has no diff."""
    out = []
    for board in ("public", "private"):
        own = original.public_scores if board == "public" else original.private_scores
        theirs = [r.public_scores if board == "public" else r.private_scores for r in reruns]
        keys = list(dict.fromkeys([*own, *(k for t in theirs for k in t)]))
        for key in keys:
            values = [t.get(key) for t in theirs]
            present = [v for v in values if v is not None]
            mine = own.get(key)
            complete = mine is not None and bool(values) and len(present) == len(values)
            out.append(
                Spread(
                    board=board,
                    key=key,
                    original=mine,
                    min=min([*present, *([mine] if mine is not None else [])], default=None),
                    max=max([*present, *([mine] if mine is not None else [])], default=None),
                    max_abs_diff=max(abs(v - mine) for v in present)
                    if complete and mine is not None
                    else None,
                )
            )
    return out


def model_matches(original: RunResult, reruns: Sequence[RunResult]) -> bool | None:
    """Whether every trained re-run left the original's model zip (sha256 and size); None
    while none has, or where a digest is not known (a run from before digests were kept)."""
    trained = [r for r in reruns if r.status == SubmissionStatus.TRAINED]
    if not trained or original.model_sha256 is None:
        return None
    if any(r.model_sha256 is None for r in trained):
        return None
    mine = (original.model_sha256, original.model_size_bytes)
    return all((r.model_sha256, r.model_size_bytes) == mine for r in trained)


def verdict(
    reruns: Sequence[RunResult], spreads: Sequence[Spread], tolerance: float, *, models: bool | None = None
) -> Verdict:
    """``models``: a training run's ``model_matches`` (it has no scores to compare)."""
    if any(r.status in (SubmissionStatus.FAILED, SubmissionStatus.CANCELLED) for r in reruns):
        return Verdict.FAILED
    if any(r.status not in TERMINAL for r in reruns):
        return Verdict.PENDING
    if models is not None:
        return Verdict.IDENTICAL if models else Verdict.DIFFERS
    diffs = [s.max_abs_diff for s in spreads]
    if any(d is None for d in diffs):
        return Verdict.DIFFERS
    if all(d == 0 for d in diffs):
        return Verdict.IDENTICAL
    if all(d is not None and d <= tolerance for d in diffs):
        return Verdict.WITHIN_TOLERANCE
    return Verdict.DIFFERS


async def report(
    session: AsyncSession, competition: Competition, original: Submission, *, tolerance: float | None = None
) -> ReproductionReport:
    """The original beside its reproductions; ``tolerance`` None: the latest request's."""
    stage = await scope.by_id(session, competition, original.stage_id)
    primary = ScoreColumn.model_validate(stage.columns[0]).key if stage.columns else stage.metric
    reruns = list(await repository.reruns_of(session, original.id))
    if tolerance is None:
        tolerance = (reruns[-1].tolerance or 0.0) if reruns else 0.0
    mine = _result(original, primary)
    theirs = [_result(r, primary) for r in reruns]
    spreads = spread(mine, theirs)
    trains = stage.kind == "training"
    models = model_matches(mine, theirs) if trains else None
    # a trained model whose digest is not known cannot be said to match: it differs
    judged = verdict(theirs, spreads, tolerance, models=(models is True) if trains else None)
    names = await submissions_repo.team_names(session, {original.team_id})
    return ReproductionReport(
        submission_id=original.id,
        team_id=original.team_id,
        team_name=names.get(original.team_id, ""),
        verdict=judged if theirs else Verdict.PENDING,
        tolerance=tolerance,
        original=mine,
        reruns=theirs,
        spread=spreads,
        kind="training" if trains else "inference",
        model_matches=models,
    )
