"""Competition use cases: create, read, upload test data and hidden labels, reveal.

Takes a session from the caller and never commits: the endpoint commits at the
request boundary.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable, Sequence
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository
from services.gateway.competitions.labels import LabelsInvalid, check_labels
from services.gateway.competitions.schemas import (
    FILENAME_PATTERN,
    CompetitionCreate,
    CompetitionRead,
    DataFileRead,
    LabelsRead,
    Limits,
)
from services.gateway.models import Competition, DataFile, User, outbox
from services.gateway.uploads import Spooled, too_large
from shared.db import add_event, as_aware
from shared.events import CompetitionRevealed, utcnow
from shared.metrics_catalog import METRICS
from shared.storage import Storage
from shared.storage.base import ObjectTooLarge
from shared.web import Conflict, Forbidden, NotFound, ProblemError

log = structlog.get_logger(__name__)


def data_prefix(competition: Competition) -> str:
    return f"{competition.id}/{competition.data_version}/"


def labels_key(competition: Competition) -> str | None:
    if competition.labels_version is None:
        return None
    return f"{competition.id}/{competition.labels_version}.csv"


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


async def create(session: AsyncSession, host: User, body: CompetitionCreate) -> Competition:
    if body.metric not in METRICS:
        names = sorted(METRICS)
        raise ProblemError(
            f"unknown metric {body.metric!r}; choose one of: {', '.join(names)}",
            status=422,
            code="unknown-metric",
            valid_metrics=names,
        )
    if await repository.slug_taken(session, body.slug):
        raise Conflict(f"the slug {body.slug!r} is taken; choose another", code="slug-taken")
    competition = Competition(
        slug=body.slug,
        title=body.title,
        description=body.description,
        metric=body.metric,
        id_column=body.id_column,
        target_columns=list(body.target_columns),
        predictions_filename=body.predictions_filename,
        runtime=body.runtime,
        limits=body.limits.model_dump(),
        daily_quota=body.daily_quota,
        smoke_daily_quota=body.smoke_daily_quota,
        show_logs=body.show_logs,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        host_id=host.id,
        data_version=1,
        data_frozen=False,
    )
    session.add(competition)
    await session.flush()
    log.info("competition.created", competition_id=str(competition.id), slug=body.slug, host=host.username)
    return competition


async def read(session: AsyncSession, competition: Competition) -> CompetitionRead:
    files = await repository.data_files(session, competition.id, competition.data_version)
    return to_read(competition, files)


async def page(session: AsyncSession, offset: int, limit: int) -> tuple[list[CompetitionRead], int]:
    rows, total = await repository.page(session, offset, limit)
    files = await repository.data_files_of(session, rows)
    return [to_read(c, files[c.id]) for c in rows], total


def to_read(competition: Competition, files: Sequence[DataFile]) -> CompetitionRead:
    def aware(value: object) -> object:
        return as_aware(value) if value is not None else None  # type: ignore[arg-type]

    return CompetitionRead(
        id=competition.id,
        slug=competition.slug,
        title=competition.title,
        description=competition.description,
        metric=competition.metric,
        higher_is_better=METRICS[competition.metric].higher_is_better
        if competition.metric in METRICS
        else True,
        id_column=competition.id_column,
        target_columns=list(competition.target_columns),
        predictions_filename=competition.predictions_filename,
        runtime=competition.runtime,
        limits=Limits.model_validate(competition.limits),
        daily_quota=competition.daily_quota,
        smoke_daily_quota=competition.smoke_daily_quota,
        show_logs=competition.show_logs,
        opens_at=aware(competition.opens_at),  # type: ignore[arg-type]
        closes_at=aware(competition.closes_at),  # type: ignore[arg-type]
        host_id=competition.host_id,
        data_version=competition.data_version,
        data_files=[DataFileRead.model_validate(f) for f in files],
        labels_version=competition.labels_version,
        revealed_at=aware(competition.revealed_at),  # type: ignore[arg-type]
        created_at=as_aware(competition.created_at),
        updated_at=as_aware(competition.updated_at),
    )


def check_filename(filename: str) -> None:
    if not re.fullmatch(FILENAME_PATTERN, filename) or filename in (".", ".."):
        raise ProblemError(
            f"{filename!r} is not a plain file name: use letters, digits, '.', '_' and '-', "
            "starting with a letter or digit, and no slashes",
            status=422,
            code="invalid-filename",
        )


async def upload_data(
    session: AsyncSession,
    storage: Storage,
    competition: Competition,
    filename: str,
    body: AsyncIterable[bytes],
    max_bytes: int,
) -> DataFileRead:
    """Store one test-data file in the competition's current data version.

    Runs already queued read the version they were given; so replacing a file of a
    version that submissions used starts a new version (the other files are copied).
    """
    check_filename(filename)
    current = await repository.data_files(session, competition.id, competition.data_version)
    replacing = any(f.filename == filename for f in current)
    version = competition.data_version
    if replacing and competition.data_frozen:
        version += 1
    key = f"{competition.id}/{version}/{filename}"
    try:
        stored = await storage.put_stream("data", key, body, max_bytes=max_bytes)
    except ObjectTooLarge:
        raise too_large("data file", max_bytes) from None
    if version != competition.data_version:
        for f in current:
            if f.filename != filename:
                await storage.put_stream(
                    "data",
                    f"{competition.id}/{version}/{f.filename}",
                    storage.iter_chunks("data", f"{competition.id}/{f.data_version}/{f.filename}"),
                )
                session.add(
                    DataFile(
                        competition_id=competition.id,
                        data_version=version,
                        filename=f.filename,
                        size_bytes=f.size_bytes,
                        sha256=f.sha256,
                        uploaded_at=f.uploaded_at,
                    )
                )
        competition.data_version = version
        competition.data_frozen = False
    record = DataFile(
        competition_id=competition.id,
        data_version=version,
        filename=filename,
        size_bytes=stored.size,
        sha256=stored.sha256,
        uploaded_at=utcnow(),
    )
    await repository.upsert_data_file(session, record)
    competition.updated_at = utcnow()
    log.info(
        "competition.data_uploaded",
        competition_id=str(competition.id),
        filename=filename,
        data_version=version,
        size=stored.size,
    )
    return DataFileRead.model_validate(record)


async def upload_labels(
    session: AsyncSession, storage: Storage, competition: Competition, spooled: Spooled
) -> LabelsRead:
    """Check a spooled labels CSV, store it as a new labels version."""
    try:
        summary = await asyncio.to_thread(
            check_labels, Path(spooled.path), competition.id_column, list(competition.target_columns)
        )
    except LabelsInvalid as exc:
        raise ProblemError(
            "the labels file was rejected: " + "; ".join(exc.problems),
            status=422,
            code="invalid-labels",
            problems=exc.problems,
        ) from None
    version = (competition.labels_version or 0) + 1
    await storage.put_file("labels", f"{competition.id}/{version}.csv", spooled.path)
    competition.labels_version = version
    competition.updated_at = utcnow()
    log.info(
        "competition.labels_uploaded",
        competition_id=str(competition.id),
        labels_version=version,
        rows=summary.rows,
    )
    return LabelsRead(
        labels_version=version,
        rows=summary.rows,
        public_rows=summary.public_rows,
        private_rows=summary.private_rows,
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
