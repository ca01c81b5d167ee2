"""A stage's test data (and smoke sample) and hidden labels, uploaded in three steps so
that no byte moves while a database transaction is open (a data file may be 20 GiB):

1. ``plan_data`` (the request's first, read-only transaction, which the endpoint then
   ends): where the bytes go, from the stage as it is (its data version, whether a
   submission froze it, the file it replaces);
2. ``reserve_*``: a new version (labels always; data when a frozen version's file is
   replaced) is taken in a transaction of its own, committed at once
   (``upload_reservations``): two uploads to one stage never write to one version's
   keys, whichever replica takes them;
3. ``store_*``: the bytes go to storage, no transaction open;
4. ``record_*`` (a short transaction, committed at the request boundary): the stage row
   is locked by a first write, read again, and the upload is recorded only if the plan
   still holds; else 409 and the host uploads again (another upload of the same stage,
   or a submission that froze its data version, came in between).

Runs already queued read the version they were given, so replacing a file of a
version that submissions used starts a new version (the other files are copied).

One race is left, and is loud: a file replaced in place (its version unused when the
upload began) while a submission freezes that version; the run then finds bytes that
do not match the sha256 it was queued with and fails, and the upload is kept (the
warning ``competition.data_replaced_while_used`` says so). Takes a session from the
caller and never commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy import DateTime, Uuid, case, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway.competitions import repository, scoring
from services.gateway.competitions.schemas import DataFileRead, LabelsRead
from services.gateway.competitions.service import check_filename
from services.gateway.models import Competition, DataFile, Stage, UploadReservation
from services.gateway.stages.scope import (
    Scope,
    Subset,
    data_prefix,
    data_version,
    labels_key,
    smoke_labels_key,
)
from services.gateway.uploads import Spooled, non_empty, too_large
from shared.db import transaction
from shared.events import utcnow
from shared.labels import Labels
from shared.storage import Storage
from shared.storage.base import ObjectTooLarge, StoredObject
from shared.web import Conflict

log = structlog.get_logger(__name__)

# concurrent reservations of one stage that may meet before one gives up
RESERVE_TRIES = 5


@dataclass(frozen=True)
class Kept:
    """A file of the version the upload starts from, as planned."""

    filename: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


@dataclass(frozen=True)
class DataPlan:
    filename: str
    subset: Subset
    old_version: int
    version: int  # old_version, or a new version (``reserve_data``)
    replacing: bool
    new_version: bool  # a file of a frozen version is replaced
    others: tuple[Kept, ...]  # the old version's other files (copied to a new version)


async def reserve(
    sessionmaker: async_sessionmaker[AsyncSession], scope: Scope, kind: str, current: int
) -> int:
    """The next version of ``kind`` past ``current`` (the stage's) and past every one
    another upload took, taken in a transaction of its own: kept whatever becomes of the
    upload. One statement, so SQLite takes its write lock at once; two PostgreSQL
    transactions that pick the same number meet at the primary key, and one goes again."""
    R = UploadReservation
    taken = func.coalesce(func.max(R.version), 0)
    chosen = select(
        literal(scope.id, Uuid),
        literal(kind),
        case((taken > current, taken), else_=current) + 1,
        literal(utcnow(), DateTime(timezone=True)),
    ).where(R.stage_id == scope.id, R.kind == kind)
    statement = (
        insert(R).from_select(["stage_id", "kind", "version", "reserved_at"], chosen).returning(R.version)
    )
    for _ in range(RESERVE_TRIES):
        try:
            async with transaction(sessionmaker) as session:
                version = await session.scalar(statement)
        except IntegrityError:
            continue
        assert version is not None
        return int(version)
    raise Conflict(
        f"the stage's uploads are too busy to take a new {kind} version; upload again", code="upload-raced"
    )


def _frozen(scope: Scope, subset: Subset) -> bool:
    return scope.smoke_data_frozen if subset == "smoke" else scope.data_frozen


async def plan_data(session: AsyncSession, scope: Scope, filename: str, subset: Subset) -> DataPlan:
    check_filename(filename)
    old = data_version(scope, subset)
    current = await repository.data_files(session, scope.id, old, subset)
    replacing = any(f.filename == filename for f in current)
    others = tuple(
        Kept(f.filename, f.size_bytes, f.sha256, f.uploaded_at) for f in current if f.filename != filename
    )
    return DataPlan(filename, subset, old, old, replacing, replacing and _frozen(scope, subset), others)


async def reserve_data(
    sessionmaker: async_sessionmaker[AsyncSession], scope: Scope, plan: DataPlan
) -> DataPlan:
    """The plan with its new version taken, if it needs one (none is open: call it after
    the request's reads ended)."""
    if not plan.new_version:
        return plan
    return replace(plan, version=await reserve(sessionmaker, scope, plan.subset, plan.old_version))


async def store_data(
    storage: Storage, scope: Scope, plan: DataPlan, body: AsyncIterable[bytes], max_bytes: int
) -> StoredObject:
    """The file's bytes to their key in the planned version (and, for a new version, the
    old version's other files beside them); no transaction is open."""
    body = await non_empty(body, "data file")
    prefix = data_prefix(scope, plan.subset, plan.version)
    try:
        stored = await storage.put_stream("data", prefix + plan.filename, body, max_bytes=max_bytes)
    except ObjectTooLarge:
        raise too_large("data file", max_bytes) from None
    if plan.new_version:
        old_prefix = data_prefix(scope, plan.subset, plan.old_version)
        for f in plan.others:
            await storage.put_stream(
                "data", prefix + f.filename, storage.iter_chunks("data", old_prefix + f.filename)
            )
    return stored


async def _lock(session: AsyncSession, scope: Scope, now: datetime) -> None:
    """Lock the stage's row with a first write (PostgreSQL: the row lock; SQLite: the
    write lock, at once), then read it again: the state the upload is recorded against."""
    kind = Competition if isinstance(scope, Competition) else Stage
    await session.execute(
        update(kind)
        .where(kind.id == scope.id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(scope)


def _moved(what: str) -> Conflict:
    return Conflict(
        f"the stage's {what} changed while this file was uploading (another upload to the same "
        "stage, or a submission began to use its data); upload the file again",
        code="upload-raced",
    )


async def record_data(
    session: AsyncSession, competition: Competition, scope: Scope, plan: DataPlan, stored: StoredObject
) -> DataFileRead:
    now = utcnow()
    await _lock(session, scope, now)
    subset = plan.subset
    if data_version(scope, subset) != plan.old_version:
        raise _moved(f"{subset} data version")
    current = await repository.data_files(session, scope.id, plan.old_version, subset)
    if plan.new_version:
        kept = {(f.filename, f.sha256) for f in plan.others}
        if {(f.filename, f.sha256) for f in current if f.filename != plan.filename} != kept:
            raise _moved(f"{subset} data files")  # the copies made are of other files
        for f in plan.others:
            session.add(
                DataFile(
                    stage_id=scope.id,
                    competition_id=competition.id,
                    data_version=plan.version,
                    subset=subset,
                    filename=f.filename,
                    size_bytes=f.size_bytes,
                    sha256=f.sha256,
                    uploaded_at=f.uploaded_at,
                )
            )
    elif plan.replacing and _frozen(scope, subset):
        log.warning(
            "competition.data_replaced_while_used",
            stage_id=str(scope.id),
            subset=subset,
            filename=plan.filename,
            data_version=plan.version,
            why="a submission froze this version while the file replacing one of its files was uploading",
        )
    if subset == "smoke":
        scope.smoke_data_version, scope.smoke_data_frozen = plan.version, False
    else:
        scope.data_version, scope.data_frozen = plan.version, False
    record = DataFile(
        stage_id=scope.id,
        competition_id=competition.id,
        data_version=plan.version,
        subset=subset,
        filename=plan.filename,
        size_bytes=stored.size,
        sha256=stored.sha256,
        uploaded_at=now,
    )
    await repository.upsert_data_file(session, record)
    competition.updated_at = scope.updated_at = now
    log.info(
        "competition.data_uploaded",
        competition_id=str(competition.id),
        stage_id=str(scope.id),
        subset=subset,
        filename=plan.filename,
        data_version=plan.version,
        size=stored.size,
    )
    return DataFileRead.model_validate(record)


@dataclass(frozen=True)
class LabelsPlan:
    smoke: bool
    version: int

    def key(self, scope: Scope) -> str:
        key = (smoke_labels_key if self.smoke else labels_key)(scope, self.version)
        assert key is not None
        return key


def _labels_version(scope: Scope, smoke: bool) -> int:
    return (scope.smoke_labels_version if smoke else scope.labels_version) or 0


async def reserve_labels(
    sessionmaker: async_sessionmaker[AsyncSession], scope: Scope, *, smoke: bool
) -> LabelsPlan:
    """Every labels upload is a new version: taken before the bytes move."""
    kind = "smoke-labels" if smoke else "labels"
    return LabelsPlan(smoke, await reserve(sessionmaker, scope, kind, _labels_version(scope, smoke)))


async def check_labels(competition: Competition, scope: Scope, spooled: Spooled, *, smoke: bool) -> Labels:
    """Check a spooled labels CSV by the one labels parser (``shared.labels``, the
    scorer's too) against the competition's format and the stage's metrics (every
    registry column's): labels a metric could not score are refused here, not found out
    when every run fails. The smoke sample's labels may leave out ``Usage`` (every row is
    then public). No transaction is open: this reads the whole file."""
    metrics = scoring.registry_metrics(scoring.columns_of(scope))
    return await asyncio.to_thread(
        scoring.check_labels, Path(spooled.path), competition, metrics, usage_required=not smoke
    )


async def store_labels(storage: Storage, scope: Scope, plan: LabelsPlan, spooled: Spooled) -> None:
    await storage.put_file("labels", plan.key(scope), spooled.path)


async def record_labels(
    session: AsyncSession,
    competition: Competition,
    scope: Scope,
    plan: LabelsPlan,
    spooled: Spooled,
    summary: Labels,
) -> LabelsRead:
    """Make the stored labels the stage's new labels version."""
    now = utcnow()
    await _lock(session, scope, now)
    if _labels_version(scope, plan.smoke) >= plan.version:  # a later upload was recorded first
        raise _moved("smoke labels version" if plan.smoke else "labels version")
    if plan.smoke:
        scope.smoke_labels_version = plan.version
    else:
        scope.labels_version = plan.version
    competition.updated_at = scope.updated_at = now
    log.info(
        "competition.labels_uploaded",
        competition_id=str(competition.id),
        stage_id=str(scope.id),
        smoke=plan.smoke,
        labels_version=plan.version,
        rows=summary.rows,
    )
    return LabelsRead(
        labels_version=plan.version,
        rows=summary.rows,
        public_rows=int(summary.public.sum()),
        private_rows=int(summary.private.sum()),
        size_bytes=spooled.size,
        sha256=spooled.sha256,
    )
