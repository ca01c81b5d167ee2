"""Stage queries; never commits. The first stage is the competition row itself."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import Competition, Stage


async def later_stages(session: AsyncSession, competition_id: uuid.UUID) -> Sequence[Stage]:
    rows = await session.scalars(
        select(Stage).where(Stage.competition_id == competition_id).order_by(Stage.position)
    )
    return rows.all()


async def later_stages_of(
    session: AsyncSession, competition_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Stage]]:
    out: dict[uuid.UUID, list[Stage]] = {c: [] for c in competition_ids}
    if competition_ids:
        rows = await session.scalars(
            select(Stage).where(Stage.competition_id.in_(competition_ids)).order_by(Stage.position)
        )
        for row in rows:
            out[row.competition_id].append(row)
    return out


async def positions(session: AsyncSession, stage_ids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The positions of later stages by id, in one query (a first stage's id is not among them)."""
    if not stage_ids:
        return {}
    rows = await session.execute(select(Stage.id, Stage.position).where(Stage.id.in_(stage_ids)))
    return {row.id: row.position for row in rows}


async def by_position(session: AsyncSession, competition_id: uuid.UUID, position: int) -> Stage | None:
    found: Stage | None = await session.scalar(
        select(Stage).where(Stage.competition_id == competition_id, Stage.position == position)
    )
    return found


async def by_id(session: AsyncSession, stage_id: uuid.UUID) -> Stage | None:
    return await session.get(Stage, stage_id)


async def competition_of(session: AsyncSession, stage: Stage) -> Competition:
    competition = await session.get(Competition, stage.competition_id)
    assert competition is not None  # the foreign key cascades
    return competition
