"""Submission use cases: the upload pipeline, reading, cancelling.

The upload runs in phases so that no database transaction is open while bytes move:
find the competition (and, before any byte is read, the rules and the team's approval);
spool the body (size cap, sha256); check the zip; check readiness, schedule, team,
approval, quota and compute budget; store the zip; then ONE transaction that re-checks
them under the team's lock, inserts the submission and stages ``submission.queued``
in the outbox.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository as competitions_repo
from services.gateway.competitions import service as competitions
from services.gateway.competitions import snapshots
from services.gateway.competitions.schemas import Limits
from services.gateway.config import GatewaySettings
from services.gateway.models import Competition, Submission, Team, User, outbox
from services.gateway.rules import service as rules
from services.gateway.stages import repository as stages_repo
from services.gateway.stages import scope, training
from services.gateway.stages.scope import Scope
from services.gateway.submissions import quota, repository
from services.gateway.submissions.schemas import TERMINAL, QuotaCounter, SubmissionRead, SubmissionStatus
from services.gateway.teams import approval
from services.gateway.teams import repository as teams_repo
from services.gateway.teams import service as teams
from services.gateway.uploads import spool
from shared.archive import ArchiveError, inspect_archive
from shared.db import add_event, as_aware
from shared.events import (
    ExecutionSpec,
    FailureReason,
    Resources,
    SubmissionCancelled,
    SubmissionQueued,
    utcnow,
)
from shared.runtime import ServiceRuntime
from shared.web import Conflict, Forbidden, NotFound, ProblemError

log = structlog.get_logger(__name__)


def archive_key(competition_id: uuid.UUID, submission_id: uuid.UUID) -> str:
    return f"{competition_id}/{submission_id}.zip"


@dataclass(frozen=True)
class Submitted:
    submission: SubmissionRead
    quota: QuotaCounter  # after this submission
    resets_at: datetime


async def submit(
    rt: ServiceRuntime,
    settings: GatewaySettings,
    user: User,
    competition_ref: str,
    body: AsyncIterable[bytes],
    *,
    smoke: bool,
) -> Submitted:
    async with rt.sessionmaker() as session:
        competition = await competitions.get(session, competition_ref)
        # before any byte is read: a participant who has not accepted the rules sends none
        await rules.require_accepted(session, competition, user)
    if competition.requires_approval and not competitions.is_host(competition, user):
        # also before any byte: the team is made (and kept, pending) so the host sees it
        async with rt.sessionmaker() as session, session.begin():
            team = await teams.ensure_team(session, competition, user)
        approval.require_approved(competition, team, user)
    limit = settings.max_submission_bytes
    async with spool(body, settings.uploads_tmp_dir, "submission", limit) as upload:
        try:
            await asyncio.to_thread(inspect_archive, upload.path)
        except ArchiveError as exc:
            log.info("submission.rejected", competition_id=str(competition.id), problems=exc.problems)
            raise ProblemError(
                "the submission was rejected: " + "; ".join(exc.problems),
                status=422,
                code="invalid-submission",
                problems=exc.problems,
            ) from None

        async with rt.sessionmaker() as session, session.begin():
            competition = await competitions.get(session, str(competition.id))
            stage = await stage_for_upload(session, competition, user, utcnow())
            await _check_ready(session, competition, stage, smoke=smoke)
            team = await teams.ensure_team(session, competition, user)
            approval.require_approved(competition, team, user)
            await quota.check(session, stage, team, smoke=smoke, now=utcnow())
        await asyncio.to_thread(training.check_archive, competition, stage, upload.path)

        submission_id = uuid.uuid4()
        key = archive_key(competition.id, submission_id)
        await rt.storage.put_file("submissions", key, upload.path)
        try:
            async with rt.sessionmaker() as session, session.begin():
                now = utcnow()
                await repository.lock_team(session, team.id, now)
                competition = await competitions.get(session, str(competition.id))
                stage = await scope.by_id(session, competition, stage.id)
                team = await teams.in_competition(session, competition, team.id)
                approval.require_approved(competition, team, user)
                before = await quota.check(session, stage, team, smoke=smoke, now=now)
                await _check_ready(session, competition, stage, smoke=smoke)
                submission = Submission(
                    id=submission_id,
                    competition_id=competition.id,
                    stage_id=stage.id,
                    team_id=team.id,
                    user_id=user.id,
                    status=SubmissionStatus.QUEUED.value,
                    detail="",
                    is_smoke=smoke,
                    sha256=upload.sha256,
                    size_bytes=upload.size,
                    archive_key=key,
                    created_at=now,
                    updated_at=now,
                )
                session.add(submission)
                event = await queued_event(session, competition, stage, team, submission)
                await repository.stage_queued(session, event)
        except BaseException:
            await rt.storage.delete("submissions", key)
            raise
    if rt.relay is not None:
        rt.relay.notify()
    log.info(
        "submission.queued",
        submission_id=str(submission_id),
        competition_id=str(competition.id),
        team=team.name,
        smoke=smoke,
        size=upload.size,
    )
    after = QuotaCounter(limit=before.limit, used=before.used + 1, remaining=before.remaining - 1)
    return Submitted(to_read(submission, team.name, stage.position), after, quota.utc_day(now)[1])


async def _smoke_sample(session: AsyncSession, competition: Competition, stage: Scope) -> bool:
    """Whether smoke runs use the stage's smoke sample (uploaded whole) or, with none, its test data."""
    files = await competitions_repo.data_files(session, stage.id, stage.smoke_data_version, "smoke")
    labels = stage.smoke_labels_version is not None
    if bool(files) != labels:
        lacking = "its labels (PUT .../smoke/labels)" if files else "its data (PUT .../smoke/data/{filename})"
        raise Conflict(
            f"{competition.slug!r} has half a smoke sample: the host has not uploaded {lacking}",
            code="smoke-sample-incomplete",
        )
    return labels


async def _check_ready(session: AsyncSession, competition: Competition, stage: Scope, *, smoke: bool) -> None:
    if smoke:
        await _smoke_sample(session, competition, stage)
    missing = []
    if not await competitions_repo.data_files(session, stage.id, stage.data_version):
        missing.append("test data (PUT .../data/{filename})")
    if stage.labels_version is None and stage.kind != "training":  # a training run is not scored
        missing.append("labels (PUT .../labels)")
    if missing:
        where = "" if stage.position == 1 else f" of stage {stage.position} ({stage.stage_name!r})"
        raise Conflict(
            f"{competition.slug!r} is not ready for submissions: the host has not uploaded "
            + " or ".join(missing)
            + where,
            code="competition-not-ready",
            missing=["data" if m.startswith("test") else "labels" for m in missing],
        )


async def stage_for_upload(
    session: AsyncSession, competition: Competition, user: User, now: datetime
) -> Scope:
    """The stage an upload made now belongs to: the open one, if it takes uploads.

    The host may try their own competition outside the schedule: their upload then goes
    to the open stage, else the latest stage that has opened, else the first.
    """
    stages = await scope.all_stages(session, competition)
    open_stage = scope.current(stages, now)
    if competition.host_id == user.id:
        return scope.active(stages, now)
    if open_stage is None:
        raise _not_open(competition, stages, now)
    if not open_stage.accepts_submissions:
        fed = {"finals": "the selected final submissions", "all": "every successful submission"}
        what = fed.get(open_stage.feed or "", "")
        runs = f"it re-runs {what} of the previous stage" if what else "it runs no new submissions"
        raise Forbidden(
            f"stage {open_stage.position} of {competition.slug!r} ({open_stage.stage_name!r}) is "
            f"evaluation-only and takes no uploads: {runs}",
            code="stage-takes-no-uploads",
            stage=open_stage.position,
        )
    return open_stage


def _not_open(competition: Competition, stages: Sequence[Scope], now: datetime) -> Forbidden:
    def when(value: datetime | None) -> str:
        return as_aware(value).isoformat() if value is not None else ""

    before = [s for s in stages if s.closes_at is not None and as_aware(s.closes_at) <= now]
    after = [s for s in stages if s.opens_at is not None and now < as_aware(s.opens_at)]
    last, upcoming = (before[-1] if before else None), (after[0] if after else None)
    if len(stages) == 1 or (last is None) != (upcoming is None):
        # a one-stage competition speaks of the competition, as it always has
        if upcoming is not None and last is None:
            return Forbidden(
                f"{competition.slug!r} opens for submissions at {when(upcoming.opens_at)}",
                code="competition-not-open",
                opens_at=when(upcoming.opens_at),
            )
        if last is not None and upcoming is None:
            return Forbidden(
                f"{competition.slug!r} closed for submissions at {when(last.closes_at)}",
                code="competition-closed",
                closes_at=when(last.closes_at),
            )
    assert last is not None and upcoming is not None
    return Forbidden(
        f"no stage of {competition.slug!r} is open now: stage {last.position} ({last.stage_name!r}) closed "
        f"at {when(last.closes_at)} and stage {upcoming.position} ({upcoming.stage_name!r}) opens at "
        f"{when(upcoming.opens_at)}",
        code="between-stages",
        closed_stage=last.position,
        closes_at=when(last.closes_at),
        next_stage=upcoming.position,
        opens_at=when(upcoming.opens_at),
    )


async def queued_event(
    session: AsyncSession, competition: Competition, stage: Scope, team: Team, submission: Submission
) -> SubmissionQueued:
    """The run and scoring snapshot of ``submission`` in ``stage``; marks the data it reads
    as used (replacing a file then starts a new data version)."""
    subset: scope.Subset = "test"
    labels_key = scope.labels_key(stage)
    if submission.is_smoke and await _smoke_sample(session, competition, stage):
        subset, labels_key = "smoke", scope.smoke_labels_key(stage)
    version = scope.data_version(stage, subset)
    files = await competitions_repo.data_files(session, stage.id, version, subset)
    limits = Limits.model_validate(stage.limits)
    # _check_ready saw labels in this transaction (a training stage needs none: never scored)
    assert labels_key is not None or stage.kind == "training"
    trained = await training.given_model(session, competition, stage, submission)
    if subset == "smoke":
        stage.smoke_data_frozen = True
    else:
        stage.data_frozen = True
        # what a reproduction must run on too (``reproductions.service``)
        submission.data_version, submission.labels_version = version, stage.labels_version
        submission.runtime = stage.runtime
    return SubmissionQueued(
        submission_id=submission.id,
        competition_id=competition.id,
        stage_id=stage.id,
        rerun_of=submission.rerun_of,
        purpose="reproduce" if submission.purpose == "reproduce" else "compete",
        team_id=team.id,
        team_name=team.name,
        submitted_at=submission.created_at,
        is_smoke=submission.is_smoke,
        archive_key=submission.archive_key,
        execution=ExecutionSpec(
            runtime=stage.runtime,
            time_limit_s=limits.time_limit_s,
            memory_mb=limits.memory_mb,
            cpus=limits.cpus,
            max_processes=limits.max_processes,
            output_limit_mb=limits.output_limit_mb,
            log_limit_kb=limits.log_limit_kb,
            data_prefix=scope.data_prefix(stage, subset),
            data_files=[f.filename for f in files],
            data_sha256={f.filename: f.sha256 for f in files},
            predictions_filename=competition.predictions_filename,
            gpu=limits.gpu,
            max_concurrent_runs=limits.max_concurrent_runs,
            kind="training" if stage.kind == "training" else "inference",
            model_limit_mb=limits.model_limit_mb,
            model_key=trained.model_key if trained is not None else None,
        ),
        scoring=snapshots.scoring_spec(competition, stage, labels_key or ""),
    )


def to_read(submission: Submission, team_name: str, stage_position: int) -> SubmissionRead:
    return SubmissionRead(
        id=submission.id,
        competition_id=submission.competition_id,
        stage_id=submission.stage_id,
        stage_position=stage_position,
        rerun_of=submission.rerun_of,
        purpose="reproduce" if submission.purpose == "reproduce" else "compete",
        team_id=submission.team_id,
        team_name=team_name,
        status=SubmissionStatus(submission.status),
        failure_reason=FailureReason(submission.failure_reason) if submission.failure_reason else None,
        detail=submission.detail,
        exit_code=submission.exit_code,
        public_score=submission.public_score,
        is_smoke=submission.is_smoke,
        sha256=submission.sha256,
        size_bytes=submission.size_bytes,
        resources=Resources(**submission.resources) if submission.resources else None,
        started_at=as_aware(submission.started_at) if submission.started_at else None,
        model_from=submission.model_from,
        created_at=as_aware(submission.created_at),
        updated_at=as_aware(submission.updated_at),
    )


async def read_many(session: AsyncSession, rows: Sequence[Submission]) -> list[SubmissionRead]:
    names = await repository.team_names(session, {s.team_id for s in rows})
    # a first stage's id is its competition's: only the later stages need looking up
    later = await stages_repo.positions(session, {s.stage_id for s in rows if s.stage_id != s.competition_id})
    return [to_read(s, names.get(s.team_id, ""), later.get(s.stage_id, 1)) for s in rows]


async def get_visible(
    session: AsyncSession, submission_id: uuid.UUID, user: User, *, for_update: bool = False
) -> tuple[Submission, Competition]:
    """The submission if ``user`` is in its team or hosts its competition; else 404,
    so that nobody learns which ids exist."""
    submission = await repository.get(session, submission_id, for_update=for_update)
    if submission is not None:
        competition = await competitions_repo.get(session, submission.competition_id)
        assert competition is not None
        if competitions.is_host(competition, user):
            return submission, competition
        team = await teams_repo.team_of(session, competition.id, user.id)
        # a host's reproduction is the host's check, not the team's submission
        if team is not None and team.id == submission.team_id and submission.purpose != "reproduce":
            return submission, competition
    raise NotFound(f"no submission {submission_id} visible to you", code="submission-not-found")


async def page(
    session: AsyncSession, competition: Competition, user: User, offset: int, limit: int
) -> tuple[list[SubmissionRead], int]:
    if competitions.is_host(competition, user):
        rows, total = await repository.page(session, competition.id, None, offset, limit)
    else:
        team = await teams_repo.team_of(session, competition.id, user.id)
        if team is None:
            return [], 0
        rows, total = await repository.page(session, competition.id, team.id, offset, limit)
    return await read_many(session, rows), total


async def cancel(session: AsyncSession, submission: Submission) -> Submission:
    status = SubmissionStatus(submission.status)
    if status in TERMINAL:
        raise Conflict(
            f"the submission is already {status.value}; only queued or running ones can be cancelled",
            code="submission-finished",
            status_now=status.value,
        )
    if status is SubmissionStatus.SCORING:
        raise Conflict(
            "the submission has finished running and is being scored; it can no longer be cancelled",
            code="submission-finished",
            status_now=status.value,
        )
    submission.status = SubmissionStatus.CANCELLED.value
    submission.detail = "cancelled by the participant"
    submission.updated_at = utcnow()
    await add_event(session, outbox, SubmissionCancelled(submission_id=submission.id))
    log.info("submission.cancelled", submission_id=str(submission.id))
    return submission
