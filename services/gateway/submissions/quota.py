"""Daily quotas: per team, per stage, per UTC day, real runs and smoke runs counted apart;
and the stage's compute budgets (``submissions.budget``), checked with them.

What counts is decided by ``repository.count_against_quota``: runs that ended in
``internal_error`` (the platform's fault) and runs cancelled before they started are
refunded, and a stage's automatic re-runs are charged to nobody. The count is
re-checked under the team's lock when a submission is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import Team
from services.gateway.stages.scope import Scope
from services.gateway.submissions import budget, repository
from services.gateway.submissions.schemas import QuotaCounter, QuotaRead
from shared.web import TooManyRequests


def utc_day(now: datetime) -> tuple[datetime, datetime]:
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


async def counter(
    session: AsyncSession, stage: Scope, team: Team | None, *, smoke: bool, now: datetime
) -> QuotaCounter:
    limit = stage.smoke_daily_quota if smoke else stage.daily_quota
    start, _ = utc_day(now)
    used = 0
    if team is not None:
        used = await repository.count_against_quota(session, team.id, stage.id, is_smoke=smoke, since=start)
    return QuotaCounter(limit=limit, used=used, remaining=max(0, limit - used))


async def status(session: AsyncSession, stage: Scope, team: Team | None, now: datetime) -> QuotaRead:
    return QuotaRead(
        team_id=team.id if team is not None else None,
        resets_at=utc_day(now)[1],
        submissions=await counter(session, stage, team, smoke=False, now=now),
        smoke_runs=await counter(session, stage, team, smoke=True, now=now),
        compute=await budget.usage(session, stage, team),
    )


async def check(
    session: AsyncSession, stage: Scope, team: Team, *, smoke: bool, now: datetime
) -> QuotaCounter:
    """The counter before this submission; 429 (with Retry-After) when none is left, and 429
    (without: it does not reset) when the team has used the stage's compute budget."""
    current = await counter(session, stage, team, smoke=smoke, now=now)
    if current.remaining <= 0:
        resets_at = utc_day(now)[1]
        kind = "smoke-run" if smoke else "submission"
        error = TooManyRequests(
            f"team {team.name!r} has used its {current.limit} {kind}s for today (UTC); "
            f"the quota resets at {resets_at.isoformat()}",
            limit=current.limit,
            remaining=0,
            resets_at=resets_at.isoformat(),
        )
        error.headers = {**headers(current, resets_at), "Retry-After": str(_seconds_until(now, resets_at))}
        raise error
    await budget.check(session, stage, team)
    return current


def headers(current: QuotaCounter, resets_at: datetime) -> dict[str, str]:
    return {
        "X-Quota-Limit": str(current.limit),
        "X-Quota-Remaining": str(current.remaining),
        "X-Quota-Reset": resets_at.isoformat(),
    }


def _seconds_until(now: datetime, then: datetime) -> int:
    return max(1, int((then - now).total_seconds()) + 1)
