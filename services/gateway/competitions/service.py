"""Competition use cases: create, edit, read, upload test data (and the smoke sample)
and hidden labels, reveal. Every create and edit publishes ``competition.updated``.

Takes a session from the caller and never commits: the endpoint commits at the
request boundary.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import bounds, repository, scoring
from services.gateway.competitions.schemas import (
    FILENAME_PATTERN,
    CompetitionCreate,
    CompetitionUpdate,
    DataFileRead,
    LabelsRead,
)
from services.gateway.competitions.scoring import higher_is_better as higher_is_better  # callers use it here
from services.gateway.competitions.snapshots import announce
from services.gateway.config import GatewaySettings
from services.gateway.models import Competition, DataFile, User, outbox
from services.gateway.stages import settings as stage_settings
from services.gateway.stages.scope import (
    Scope,
    Subset,
    all_stages,
    data_prefix,
    data_version,
    labels_key,
    smoke_labels_key,
)
from services.gateway.uploads import Spooled, non_empty, too_large
from shared.db import add_event, as_aware
from shared.events import (
    CompetitionRevealed,
    utcnow,
)
from shared.storage import Storage
from shared.storage.base import ObjectTooLarge
from shared.web import Conflict, Forbidden, NotFound, ProblemError

log = structlog.get_logger(__name__)


async def get(session: AsyncSession, ref: str) -> Competition:
    competition = await repository.get_by_ref(session, ref)
    if competition is None:
        raise NotFound(f"no competition {ref!r} (give its id or slug)", code="competition-not-found")
    return competition


def is_host(competition: Competition, user: User | None) -> bool:
    return user is not None and (user.is_admin or competition.host_id == user.id)


def require_host(competition: Competition, user: User) -> None:
    if not is_host(competition, user):
        raise Forbidden(f"only the host of {competition.slug!r} may do this", code="host-only")


async def create(
    session: AsyncSession, settings: GatewaySettings, host: User, body: CompetitionCreate
) -> Competition:
    scoring.check_metrics(body.metric, body.extra_metrics)
    bounds.check(
        settings,
        limits=body.limits.model_dump(),
        description=body.description,
        daily_quota=body.daily_quota,
        smoke_daily_quota=body.smoke_daily_quota,
    )
    if await repository.slug_taken(session, body.slug):
        raise Conflict(f"the slug {body.slug!r} is taken; choose another", code="slug-taken")
    competition = Competition(
        slug=body.slug,
        title=body.title,
        description=body.description,
        rules=body.rules,
        rules_version=1,
        metric=body.metric,
        id_column=body.id_column,
        target_columns=list(body.target_columns),
        predictions_filename=body.predictions_filename,
        runtime=body.runtime,
        limits=body.limits.model_dump(),
        daily_quota=body.daily_quota,
        smoke_daily_quota=body.smoke_daily_quota,
        cpu_hours_budget=body.cpu_hours_budget,
        gpu_hours_budget=body.gpu_hours_budget,
        show_logs=body.show_logs,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        host_id=host.id,
        data_version=1,
        data_frozen=False,
        extra_metrics=list(body.extra_metrics),
        final_count=body.final_count,
        rank_host_submissions=body.rank_host_submissions,
        requires_approval=body.requires_approval,
        participants_download_own=body.participants_download_own,
        smoke_data_version=1,
        smoke_data_frozen=False,
    )
    session.add(competition)
    await session.flush()
    await announce(session, competition)
    log.info("competition.created", competition_id=str(competition.id), slug=body.slug, host=host.username)
    return competition


_PLAIN_FIELDS = (
    "title",
    "description",
    "predictions_filename",
    "final_count",
    "rank_host_submissions",
    "requires_approval",
    "participants_download_own",
)
# what the first stage sets for itself (``stages.settings`` checks and writes them)
_STAGE_FIELDS = (
    "opens_at",
    "closes_at",
    "metric",
    "extra_metrics",
    "runtime",
    "daily_quota",
    "smoke_daily_quota",
    "cpu_hours_budget",
    "gpu_hours_budget",
    "show_logs",
)


async def update(
    session: AsyncSession,
    settings: GatewaySettings,
    storage: Storage,
    competition: Competition,
    body: CompetitionUpdate,
) -> Competition:
    """Apply a partial edit (host); see ``CompetitionUpdate`` for the rules.

    A new metric must be able to score the labels already uploaded (else 422).
    """
    sent = body.model_fields_set
    bounds.check_description(
        settings, body.description if body.description is not None else competition.description
    )
    opens_at = body.opens_at if "opens_at" in sent else competition.opens_at
    closes_at = body.closes_at if "closes_at" in sent else competition.closes_at
    id_column = body.id_column or competition.id_column
    targets = body.target_columns or list(competition.target_columns)
    try:
        # the create-time rules, applied to the merged result
        CompetitionCreate(
            slug=competition.slug,
            title=body.title or competition.title,
            metric=body.metric or competition.metric,
            id_column=id_column,
            target_columns=targets,
            opens_at=as_aware(opens_at) if opens_at is not None else None,
            closes_at=as_aware(closes_at) if closes_at is not None else None,
        )
    except ValueError as exc:
        raise ProblemError(f"the edit is invalid: {exc}", status=422, code="invalid-competition") from None
    format_changed = id_column != competition.id_column or targets != list(competition.target_columns)
    if format_changed and await repository.has_submissions(session, competition.id):
        raise Conflict(
            "the prediction format (id_column, target_columns) cannot change once teams have "
            "submitted; create a new competition instead",
            code="format-locked",
        )
    # the first stage's settings are the competition's: checked as every stage's are
    stages = await all_stages(session, competition)
    changes = stage_settings.changes_of({k: getattr(body, k) for k in _STAGE_FIELDS if k in sent})
    if body.limits is not None:
        changes["limits"] = body.limits.model_dump(exclude_none=True)
    await stage_settings.apply(
        settings, storage, competition, competition, stages, changes, labels_kept=not format_changed
    )
    if format_changed:
        # labels are checked against the format: ones checked against the old one are void
        for stage in stages:
            stage.labels_version = None
            stage.smoke_labels_version = None
    for name in _PLAIN_FIELDS:
        if (value := getattr(body, name)) is not None:
            setattr(competition, name, value)
    if body.rules is not None and body.rules != competition.rules:
        # participants accepted the old text: each must accept the new one to go on
        competition.rules = body.rules
        competition.rules_version += 1
    competition.id_column, competition.target_columns = id_column, list(targets)
    competition.updated_at = utcnow()
    await announce(session, competition)
    log.info("competition.updated", competition_id=str(competition.id), fields=sorted(sent))
    return competition


def check_filename(filename: str) -> None:
    if not re.fullmatch(FILENAME_PATTERN, filename) or filename in (".", ".."):
        raise ProblemError(
            f"{filename!r} is not a plain file name: use letters, digits, '.', '_' and '-', "
            "starting with a letter or digit, and no slashes",
            status=422,
            code="invalid-filename",
        )


def _set_version(scope: Scope, subset: Subset, version: int) -> None:
    if subset == "smoke":
        scope.smoke_data_version, scope.smoke_data_frozen = version, False
    else:
        scope.data_version, scope.data_frozen = version, False


async def upload_data(
    session: AsyncSession,
    storage: Storage,
    competition: Competition,
    filename: str,
    body: AsyncIterable[bytes],
    max_bytes: int,
    subset: Subset = "test",
    scope: Scope | None = None,
) -> DataFileRead:
    """Store one file of a stage's test data (or of its smoke sample) in its current version
    (``scope``: the stage, by default the first).

    Runs already queued read the version they were given; so replacing a file of a
    version that submissions used starts a new version (the other files are copied).
    """
    scope = scope if scope is not None else competition
    check_filename(filename)
    body = await non_empty(body, "data file")
    old_version = data_version(scope, subset)
    frozen = scope.smoke_data_frozen if subset == "smoke" else scope.data_frozen
    current = await repository.data_files(session, scope.id, old_version, subset)
    replacing = any(f.filename == filename for f in current)
    version = old_version + 1 if replacing and frozen else old_version
    old_prefix = data_prefix(scope, subset)
    _set_version(scope, subset, version)
    prefix = data_prefix(scope, subset)
    try:
        stored = await storage.put_stream("data", prefix + filename, body, max_bytes=max_bytes)
    except ObjectTooLarge:
        raise too_large("data file", max_bytes) from None
    if version != old_version:
        for f in current:
            if f.filename != filename:
                await storage.put_stream(
                    "data", prefix + f.filename, storage.iter_chunks("data", old_prefix + f.filename)
                )
                session.add(
                    DataFile(
                        stage_id=scope.id,
                        competition_id=competition.id,
                        data_version=version,
                        subset=subset,
                        filename=f.filename,
                        size_bytes=f.size_bytes,
                        sha256=f.sha256,
                        uploaded_at=f.uploaded_at,
                    )
                )
    record = DataFile(
        stage_id=scope.id,
        competition_id=competition.id,
        data_version=version,
        subset=subset,
        filename=filename,
        size_bytes=stored.size,
        sha256=stored.sha256,
        uploaded_at=utcnow(),
    )
    await repository.upsert_data_file(session, record)
    competition.updated_at = scope.updated_at = utcnow()
    log.info(
        "competition.data_uploaded",
        competition_id=str(competition.id),
        stage_id=str(scope.id),
        subset=subset,
        filename=filename,
        data_version=version,
        size=stored.size,
    )
    return DataFileRead.model_validate(record)


async def upload_labels(
    session: AsyncSession,
    storage: Storage,
    competition: Competition,
    spooled: Spooled,
    *,
    smoke: bool = False,
    scope: Scope | None = None,
) -> LabelsRead:
    """Check a spooled labels CSV, store it as a new labels version.

    Checked by the one labels parser (``shared.labels``, the scorer's too) against the
    competition's format and the stage's metrics (every registry column's): labels a metric
    could not score are refused here, not found out when every run fails. The smoke
    sample's labels may leave out ``Usage`` (every row is then public).
    """
    scope = scope if scope is not None else competition
    metrics = scoring.registry_metrics(scoring.columns_of(scope))
    summary = await asyncio.to_thread(
        scoring.check_labels, Path(spooled.path), competition, metrics, usage_required=not smoke
    )
    if smoke:
        version = (scope.smoke_labels_version or 0) + 1
        scope.smoke_labels_version = version
        key = smoke_labels_key(scope)
    else:
        version = (scope.labels_version or 0) + 1
        scope.labels_version = version
        key = labels_key(scope)
    assert key is not None
    await storage.put_file("labels", key, spooled.path)
    competition.updated_at = scope.updated_at = utcnow()
    log.info(
        "competition.labels_uploaded",
        competition_id=str(competition.id),
        stage_id=str(scope.id),
        smoke=smoke,
        labels_version=version,
        rows=summary.rows,
    )
    return LabelsRead(
        labels_version=version,
        rows=summary.rows,
        public_rows=int(summary.public.sum()),
        private_rows=int(summary.private.sum()),
        size_bytes=spooled.size,
        sha256=spooled.sha256,
    )


async def reveal(session: AsyncSession, competition: Competition) -> Competition:
    """Reveal the private leaderboard; revealing twice changes nothing."""
    if competition.revealed_at is None:
        competition.revealed_at = utcnow()
        await add_event(session, outbox, CompetitionRevealed(competition_id=competition.id))
        log.info("competition.revealed", competition_id=str(competition.id))
    return competition
