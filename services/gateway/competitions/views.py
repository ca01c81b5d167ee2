"""How a competition reads back (``CompetitionRead``): its stages, data files, shared
files and, for a signed-in viewer, whether they accepted the current rules.

Read-only; batched so a page of competitions costs a fixed number of queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository, scoring
from services.gateway.competitions.schemas import (
    CompetitionRead,
    DataFileRead,
    Limits,
)
from services.gateway.competitions.scoring import higher_is_better as higher_is_better  # callers use it here
from services.gateway.competitions.service import is_host
from services.gateway.files import repository as files_repo
from services.gateway.files.schemas import ParticipantFileRead
from services.gateway.models import Competition, DataFile, ParticipantFile, User
from services.gateway.rules import repository as rules_repo
from services.gateway.stages import repository as stages_repo
from services.gateway.stages import scope as scopes
from services.gateway.stages import training
from services.gateway.stages import views as stage_views
from services.gateway.stages.scope import (
    Scope,
)
from shared.db import as_aware
from shared.events import (
    utcnow,
)


async def read(
    session: AsyncSession, competition: Competition, viewer: User | None = None
) -> CompetitionRead:
    return (await _read_many(session, [competition], viewer))[0]


async def page(
    session: AsyncSession, offset: int, limit: int, viewer: User | None = None
) -> tuple[list[CompetitionRead], int]:
    rows, total = await repository.page(session, offset, limit)
    return await _read_many(session, rows, viewer), total


async def _read_many(
    session: AsyncSession, competitions: Sequence[Competition], viewer: User | None
) -> list[CompetitionRead]:
    files = await repository.data_files_of(session, competitions)
    shared = await files_repo.of_competitions(session, [c.id for c in competitions])
    accepted: set[tuple[uuid.UUID, int]] = set()
    if viewer is not None:
        accepted = await rules_repo.accepted_versions(session, [c.id for c in competitions], viewer.id)

    def rules_accepted(c: Competition) -> bool | None:
        if viewer is None:
            return None
        return is_host(c, viewer) or (c.id, c.rules_version) in accepted

    later = await stages_repo.later_stages_of(session, [c.id for c in competitions])
    return [to_read(c, [c, *later[c.id]], files[c.id], shared[c.id], rules_accepted(c)) for c in competitions]


def to_read(
    competition: Competition,
    stages: Sequence[Scope],
    files: Sequence[DataFile],
    participant_files: Sequence[ParticipantFile] = (),
    rules_accepted: bool | None = None,
) -> CompetitionRead:
    """``stages``: every stage in order (the competition first); ``files``: the first stage's."""

    def aware(value: datetime | None) -> datetime | None:
        return as_aware(value) if value is not None else None

    smoke_files = [f for f in files if f.subset == "smoke"]
    now = utcnow()
    current = scopes.current(stages, now)
    return CompetitionRead(
        id=competition.id,
        slug=competition.slug,
        title=competition.title,
        description=competition.description,
        rules=competition.rules,
        rules_version=competition.rules_version,
        rules_accepted=rules_accepted,
        participant_files=[ParticipantFileRead.model_validate(f) for f in participant_files],
        smoke_sample_available=bool(smoke_files) and competition.smoke_labels_version is not None,
        metric=competition.metric,
        higher_is_better=scoring.columns_of(competition)[0].higher_is_better,
        id_column=competition.id_column,
        target_columns=list(competition.target_columns),
        predictions_filename=competition.predictions_filename,
        runtime=competition.runtime,
        runtime_digest=competition.runtime_digest,
        limits=Limits.model_validate(competition.limits),
        daily_quota=competition.daily_quota,
        smoke_daily_quota=competition.smoke_daily_quota,
        cpu_hours_budget=competition.cpu_hours_budget,
        gpu_hours_budget=competition.gpu_hours_budget,
        show_logs=competition.show_logs,
        opens_at=aware(competition.opens_at),
        closes_at=aware(competition.closes_at),
        host_id=competition.host_id,
        data_version=competition.data_version,
        data_files=[DataFileRead.model_validate(f) for f in files if f.subset == "test"],
        labels_version=competition.labels_version,
        smoke_data_version=competition.smoke_data_version,
        smoke_data_files=[DataFileRead.model_validate(f) for f in smoke_files],
        smoke_labels_version=competition.smoke_labels_version,
        extra_metrics=list(competition.extra_metrics or []),
        final_count=competition.final_count,
        rank_host_submissions=competition.rank_host_submissions,
        requires_approval=competition.requires_approval,
        participants_download_own=competition.participants_download_own,
        model_source=training.model_source(competition),
        is_open=current is not None and stage_views.takes_uploads(current, now),
        stages=[stage_views.summary(s, now) for s in stages],
        current_stage=current.position if current is not None else None,
        revealed_at=aware(competition.revealed_at),
        created_at=as_aware(competition.created_at),
        updated_at=as_aware(competition.updated_at),
    )
