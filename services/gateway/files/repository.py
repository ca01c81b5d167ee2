"""Participant-file queries; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import ParticipantFile


async def get(session: AsyncSession, competition_id: uuid.UUID, filename: str) -> ParticipantFile | None:
    return await session.get(ParticipantFile, (competition_id, filename))


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
