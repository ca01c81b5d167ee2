"""Compute budgets: per team, per stage, the CPU-hours and GPU-hours its runs used.

Usage is what the runs measured (``submissions.resources``, from ``execution.finished``),
summed by ``repository.compute_used``: smoke runs count (they use the same machines),
runs that ended in ``internal_error`` are refunded, and a stage's automatic re-runs are
charged to nobody, as with the daily quota. A run's use is known when it finishes, so
the budget is checked when a submission is made: one made once the team has used its
budget is refused; runs already queued or running are never stopped for it (so a team
may end a little past its budget, by what its last runs used).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import Team
from services.gateway.stages.scope import Scope
from services.gateway.submissions import repository
from services.gateway.submissions.schemas import ComputeUsage
from shared.web import TooManyRequests

SECONDS_PER_HOUR = 3600.0


def _remaining(limit: float | None, used: float) -> float | None:
    return None if limit is None else max(0.0, limit - used)


async def usage(session: AsyncSession, stage: Scope, team: Team | None) -> ComputeUsage:
    cpu_s, gpu_s = await repository.compute_used(session, team.id, stage.id) if team else (0.0, 0.0)
    cpu, gpu = cpu_s / SECONDS_PER_HOUR, gpu_s / SECONDS_PER_HOUR
    return ComputeUsage(
        cpu_hours_used=cpu,
        cpu_hours_limit=stage.cpu_hours_budget,
        cpu_hours_remaining=_remaining(stage.cpu_hours_budget, cpu),
        gpu_hours_used=gpu,
        gpu_hours_limit=stage.gpu_hours_budget,
        gpu_hours_remaining=_remaining(stage.gpu_hours_budget, gpu),
    )


async def check(session: AsyncSession, stage: Scope, team: Team) -> None:
    """429 when the team has used the stage's CPU-hours or GPU-hours (where capped)."""
    if stage.cpu_hours_budget is None and stage.gpu_hours_budget is None:
        return
    current = await usage(session, stage, team)
    for unit, used, limit in (
        ("cpu_hours", current.cpu_hours_used, current.cpu_hours_limit),
        ("gpu_hours", current.gpu_hours_used, current.gpu_hours_limit),
    ):
        if limit is not None and used >= limit:
            where = "" if stage.position == 1 else f" of stage {stage.position} ({stage.stage_name!r})"
            kind = unit.split("_")[0].upper()
            raise TooManyRequests(
                f"team {team.name!r} has used {used:.4g} of its {limit:g} {kind}-hours{where}, so no "
                "more runs can start; the budget does not reset (runs that failed through the "
                "platform's fault are not counted)",
                code="compute-budget-exhausted",
                unit=unit,
                used=used,
                limit=limit,
            )
