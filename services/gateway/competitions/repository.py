"""Competition and data-file queries; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import (
    Competition,
    DataFile,
    Rescore,
    RuntimeChange,
    Submission,
    TeamMember,
    User,
)


async def get(session: AsyncSession, competition_id: uuid.UUID) -> Competition | None:
    return await session.get(Competition, competition_id)


async def get_by_ref(session: AsyncSession, ref: str) -> Competition | None:
    """``ref`` is an id or a slug."""
    try:
        competition_id = uuid.UUID(ref)
    except ValueError:
        found: Competition | None = await session.scalar(select(Competition).where(Competition.slug == ref))
        return found
    return await session.get(Competition, competition_id)


async def host_team_ids(session: AsyncSession, competition: Competition) -> list[uuid.UUID]:
    """The teams with the competition's host or an admin among their members."""
    rows = await session.scalars(
        select(TeamMember.team_id)
        .join(User, User.id == TeamMember.user_id)
        .where(
            TeamMember.competition_id == competition.id,
            (User.id == competition.host_id) | User.is_admin,
        )
        .distinct()
        .order_by(TeamMember.team_id)
    )
    return list(rows)


async def slug_taken(session: AsyncSession, slug: str) -> bool:
    return await session.scalar(select(Competition.id).where(Competition.slug == slug)) is not None


async def page(session: AsyncSession, offset: int, limit: int) -> tuple[Sequence[Competition], int]:
    total = await session.scalar(select(func.count()).select_from(Competition)) or 0
    rows = await session.scalars(
        select(Competition)
        .order_by(Competition.created_at.desc(), Competition.id)
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), total


async def data_files(
    session: AsyncSession, stage_id: uuid.UUID, version: int, subset: str = "test"
) -> Sequence[DataFile]:
    """The files of one data version of a stage (the first stage's id is the competition's)."""
    rows = await session.scalars(
        select(DataFile)
        .where(
            DataFile.stage_id == stage_id,
            DataFile.data_version == version,
            DataFile.subset == subset,
        )
        .order_by(DataFile.filename)
    )
    return rows.all()


async def data_files_of(
    session: AsyncSession, competitions: Sequence[Competition]
) -> dict[uuid.UUID, list[DataFile]]:
    """The current data files of several competitions' first stages in one query."""
    out: dict[uuid.UUID, list[DataFile]] = {c.id: [] for c in competitions}
    if not competitions:
        return out
    versions = {c.id: {"test": c.data_version, "smoke": c.smoke_data_version} for c in competitions}
    rows = await session.scalars(
        select(DataFile).where(DataFile.stage_id.in_(versions)).order_by(DataFile.filename)
    )
    for row in rows:
        if versions[row.competition_id].get(row.subset) == row.data_version:
            out[row.competition_id].append(row)
    return out


async def upsert_data_file(session: AsyncSession, file: DataFile) -> None:
    existing = await session.get(DataFile, (file.stage_id, file.data_version, file.subset, file.filename))
    if existing is None:
        session.add(file)
    else:
        existing.size_bytes = file.size_bytes
        existing.sha256 = file.sha256
        existing.uploaded_at = file.uploaded_at


async def has_submissions(session: AsyncSession, competition_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(Submission.id).where(Submission.competition_id == competition_id).limit(1)
    )
    return found is not None


async def latest_rescore(session: AsyncSession, competition_id: uuid.UUID) -> Rescore | None:
    found: Rescore | None = await session.scalar(
        select(Rescore)
        .where(Rescore.competition_id == competition_id)
        .order_by(Rescore.requested_at.desc(), Rescore.id)
        .limit(1)
    )
    return found


async def rescores(
    session: AsyncSession, competition_id: uuid.UUID, offset: int, limit: int
) -> tuple[Sequence[Rescore], int]:
    where = Rescore.competition_id == competition_id
    total = await session.scalar(select(func.count()).select_from(Rescore).where(where)) or 0
    rows = await session.scalars(
        select(Rescore)
        .where(where)
        .order_by(Rescore.requested_at.desc(), Rescore.id)
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), total


async def runtime_changes(
    session: AsyncSession, competition_id: uuid.UUID, offset: int, limit: int
) -> tuple[Sequence[tuple[RuntimeChange, str]], int]:
    """A competition's runtime changes, newest first, each with its host's username."""
    where = RuntimeChange.competition_id == competition_id
    total = await session.scalar(select(func.count()).select_from(RuntimeChange).where(where)) or 0
    rows = await session.execute(
        select(RuntimeChange, User.username)
        .join(User, User.id == RuntimeChange.changed_by)
        .where(where)
        .order_by(RuntimeChange.changed_at.desc(), RuntimeChange.id)
        .offset(offset)
        .limit(limit)
    )
    return [(change, username) for change, username in rows.all()], total
