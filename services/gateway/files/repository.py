"""Participant-file queries; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import ParticipantFile


async def get(session: AsyncSession, competition_id: uuid.UUID, filename: str) -> ParticipantFile | None:
    return await session.get(ParticipantFile, (competition_id, filename))


async def page(
    session: AsyncSession, competition_id: uuid.UUID, offset: int, limit: int
) -> tuple[Sequence[ParticipantFile], int]:
    where = ParticipantFile.competition_id == competition_id
    total = await session.scalar(select(func.count()).select_from(ParticipantFile).where(where)) or 0
    rows = await session.scalars(
        select(ParticipantFile).where(where).order_by(ParticipantFile.filename).offset(offset).limit(limit)
    )
    return rows.all(), total


async def of_competitions(
    session: AsyncSession, competition_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ParticipantFile]]:
    """The participant files of several competitions in one query, by file name."""
    out: dict[uuid.UUID, list[ParticipantFile]] = {cid: [] for cid in competition_ids}
    if not competition_ids:
        return out
    rows = await session.scalars(
        select(ParticipantFile)
        .where(ParticipantFile.competition_id.in_(competition_ids))
        .order_by(ParticipantFile.filename)
    )
    for row in rows:
        out[row.competition_id].append(row)
    return out


async def delete(session: AsyncSession, record: ParticipantFile) -> None:
    await session.delete(record)
