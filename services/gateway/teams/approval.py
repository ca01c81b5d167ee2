"""Registration approval: where a competition ``requires_approval``, the host approves each
team before it may submit, or refuses it with a reason the team is shown.

A team's state is set when it is made (``initial``): pending where approval is required,
approved otherwise and always for a team the host or an administrator makes. Turning
``requires_approval`` on later leaves the teams already made approved. The host may
change a decision at any time; it stops (or allows) new submissions only, never the runs
already queued. Sits under ``teams.service`` (which makes teams) and
``submissions.service`` (which asks ``require_approved`` before taking an upload).
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import service as competitions
from services.gateway.models import Competition, Team, User
from services.gateway.teams.schemas import ApprovalDecision, ApprovalRead, ApprovalState
from shared.db import as_aware
from shared.events import utcnow
from shared.web import Forbidden

log = structlog.get_logger(__name__)

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"


def initial(competition: Competition, maker: User) -> dict[str, Any]:
    """The approval columns of a team ``maker`` makes now."""
    if competition.requires_approval and not competitions.is_host(competition, maker):
        return {"approval": PENDING}
    return {"approval": APPROVED}


def require_approved(competition: Competition, team: Team, user: User) -> None:
    """403 unless the team may submit (the host and administrators always may)."""
    if not competition.requires_approval or competitions.is_host(competition, user):
        return
    if team.approval == PENDING:
        raise Forbidden(
            f"team {team.name!r} is waiting for the host of {competition.slug!r} to approve its "
            "registration; it can submit once approved",
            code="team-not-approved",
            approval=PENDING,
            reason=None,
        )
    if team.approval == REFUSED:
        raise Forbidden(
            f"the host of {competition.slug!r} refused team {team.name!r}: {team.approval_reason}",
            code="team-not-approved",
            approval=REFUSED,
            reason=team.approval_reason,
        )


def decide(team: Team, host: User, decision: ApprovalDecision) -> Team:
    team.approval = APPROVED if decision.approved else REFUSED
    team.approval_reason = (decision.reason or "").strip() or None
    team.approval_decided_by = host.id
    team.approval_decided_at = utcnow()
    log.info("team.approval_decided", team_id=str(team.id), approval=team.approval, by=host.username)
    return team


async def read(session: AsyncSession, team: Team) -> ApprovalRead:
    decided_by = None
    if team.approval_decided_by is not None:
        decided_by = await session.scalar(select(User.username).where(User.id == team.approval_decided_by))
    state: ApprovalState = team.approval  # type: ignore[assignment]  # one of the three, by the writers
    return ApprovalRead(
        state=state,
        reason=team.approval_reason,
        decided_by=decided_by,
        decided_at=as_aware(team.approval_decided_at) if team.approval_decided_at is not None else None,
    )
