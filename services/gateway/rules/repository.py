"""Rules-acceptance queries; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import RulesAcceptance


async def get(
    session: AsyncSession, competition_id: uuid.UUID, user_id: uuid.UUID, version: int
) -> RulesAcceptance | None:
    return await session.get(RulesAcceptance, (competition_id, user_id, version))


async def accepted_versions(
    session: AsyncSession, competition_ids: Sequence[uuid.UUID], user_id: uuid.UUID
) -> set[tuple[uuid.UUID, int]]:
    """Every (competition, version) of these competitions' rules that the user accepted."""
    if not competition_ids:
        return set()
    rows = await session.execute(
        select(RulesAcceptance.competition_id, RulesAcceptance.rules_version).where(
            RulesAcceptance.user_id == user_id, RulesAcceptance.competition_id.in_(competition_ids)
        )
    )
    return {(cid, version) for cid, version in rows.all()}
