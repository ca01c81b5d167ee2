"""Which stage a request, a submission or an event is about, and where the stage's
own data lives.

A stage's *scope* is the row that holds its settings (``models.StageSettings``): the
competition itself for the first stage, a ``stages`` row for the later ones. Its
``id`` is the stage id; storage keys are laid out by it, so the first stage's keys are
the ones every competition had before stages existed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import Competition, Stage
from services.gateway.stages import repository
from shared.db import as_aware
from shared.web import NotFound

Scope = Competition | Stage
Subset = Literal["test", "smoke"]


async def all_stages(session: AsyncSession, competition: Competition) -> list[Scope]:
    return [competition, *await repository.later_stages(session, competition.id)]


async def get(session: AsyncSession, competition: Competition, position: int) -> Scope:
    if position == 1:
        return competition
    stage = await repository.by_position(session, competition.id, position) if position > 1 else None
    if stage is None:
        raise NotFound(
            f"{competition.slug!r} has no stage {position} (stages are numbered from 1)",
            code="stage-not-found",
        )
    return stage


async def by_id(session: AsyncSession, competition: Competition, stage_id: uuid.UUID | None) -> Scope:
    """The stage of a submission or an event (None and the competition's id: the first)."""
    if stage_id is None or stage_id == competition.id:
        return competition
    stage = await repository.by_id(session, stage_id)
    if stage is None or stage.competition_id != competition.id:
        raise NotFound(f"{competition.slug!r} has no stage {stage_id}", code="stage-not-found")
    return stage


def is_open(scope: Scope, now: datetime) -> bool:
    if scope.opens_at is not None and now < as_aware(scope.opens_at):
        return False
    return scope.closes_at is None or now < as_aware(scope.closes_at)


def current(stages: Sequence[Scope], now: datetime) -> Scope | None:
    """The open stage (the latest of them, should schedules overlap), or none."""
    open_now = [s for s in stages if is_open(s, now)]
    return open_now[-1] if open_now else None


def active(stages: Sequence[Scope], now: datetime) -> Scope:
    """The stage that matters now: the open one, else the latest that has opened, else the first."""
    open_now = current(stages, now)
    if open_now is not None:
        return open_now
    started = [s for s in stages if s.opens_at is None or as_aware(s.opens_at) <= now]
    return started[-1] if started else stages[0]


def data_version(scope: Scope, subset: Subset) -> int:
    return scope.smoke_data_version if subset == "smoke" else scope.data_version


def data_prefix(scope: Scope, subset: Subset = "test", version: int | None = None) -> str:
    """Where a data version's files sit (``version``: the stage's current one by default)."""
    version = data_version(scope, subset) if version is None else version
    # the smoke sample sits beside the versions, never inside one: a pod mounting a
    # test version's prefix must not see it, nor the other way round
    if subset == "smoke":
        return f"{scope.id}/smoke-{version}/"
    return f"{scope.id}/{version}/"


def labels_key(scope: Scope, version: int | None = None) -> str | None:
    """The labels' key of ``version`` (the stage's current one by default; None: none)."""
    version = scope.labels_version if version is None else version
    if version is None:
        return None
    return f"{scope.id}/{version}.csv"


def smoke_labels_key(scope: Scope, version: int | None = None) -> str | None:
    version = scope.smoke_labels_version if version is None else version
    if version is None:
        return None
    return f"{scope.id}/smoke-{version}.csv"
