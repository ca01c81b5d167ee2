"""How a stage is shown: the summary every competition read carries, and the full read
of ``GET .../stages/{position}``. Pure functions over a stage's scope."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.gateway.competitions import scoring
from services.gateway.competitions.schemas import DataFileRead, Limits, StageSummary
from services.gateway.models import DataFile
from services.gateway.stages import scope as scopes
from services.gateway.stages.schemas import StageRead
from services.gateway.stages.scope import Scope
from shared.db import as_aware


def _aware(value: datetime | None) -> datetime | None:
    return as_aware(value) if value is not None else None


def takes_uploads(stage: Scope, now: datetime) -> bool:
    return stage.accepts_submissions and scopes.is_open(stage, now)


def summary(stage: Scope, now: datetime) -> StageSummary:
    return StageSummary(
        position=stage.position,
        id=stage.id,
        name=stage.stage_name,
        opens_at=_aware(stage.opens_at),
        closes_at=_aware(stage.closes_at),
        accepts_submissions=stage.accepts_submissions,
        feed=stage.feed,
        kind="training" if stage.kind == "training" else "inference",
        is_open=takes_uploads(stage, now),
        metric=stage.metric,
        columns=scoring.columns_of(stage),
    )


def full(stage: Scope, files: Sequence[DataFile], now: datetime) -> StageRead:
    """``files``: the stage's data files of its current versions (test and smoke)."""
    test = [f for f in files if f.subset == "test" and f.data_version == stage.data_version]
    smoke = [f for f in files if f.subset == "smoke" and f.data_version == stage.smoke_data_version]
    return StageRead(
        **summary(stage, now).model_dump(),
        higher_is_better=scoring.columns_of(stage)[0].higher_is_better,
        extra_metrics=list(stage.extra_metrics or []),
        runtime=stage.runtime,
        limits=Limits.model_validate(stage.limits),
        daily_quota=stage.daily_quota,
        smoke_daily_quota=stage.smoke_daily_quota,
        cpu_hours_budget=stage.cpu_hours_budget,
        gpu_hours_budget=stage.gpu_hours_budget,
        show_logs=stage.show_logs,
        has_scoring_program=stage.scoring_program is not None,
        data_version=stage.data_version,
        data_files=[DataFileRead.model_validate(f) for f in test],
        labels_version=stage.labels_version,
        smoke_data_version=stage.smoke_data_version,
        smoke_data_files=[DataFileRead.model_validate(f) for f in smoke],
        smoke_labels_version=stage.smoke_labels_version,
        opened_at=_aware(stage.opened_at),
        closed_at=_aware(stage.closed_at),
    )
