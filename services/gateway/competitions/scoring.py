"""How a stage is scored, as the gateway checks it: the metric names, the board columns,
and whether hidden labels can be scored by every registry metric of the stage.

Sits under ``competitions.service`` and ``stages.service``: a competition's first stage
and its later stages are checked by the same rules (on create and after every edit, on
the merged result). Never touches the database.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from services.gateway.models import Competition
from services.gateway.stages.scope import Scope, labels_key, smoke_labels_key
from shared import labels as labels_format
from shared.events import COLUMN_KEY_PATTERN, ScoreColumn, ScoringSpec, board_columns
from shared.metrics_catalog import METRICS, MetricInfo, PredictionKind
from shared.storage import Storage
from shared.web import ProblemError


def higher_is_better(metric: str) -> bool:
    info = METRICS.get(metric)
    return info.higher_is_better if info is not None else True


def check_metrics(metric: str, extra: Sequence[str]) -> None:
    names = sorted(METRICS)
    unknown = [m for m in (metric, *extra) if m not in METRICS]
    if unknown:
        raise ProblemError(
            f"unknown metric {unknown[0]!r}; choose one of: {', '.join(names)}",
            status=422,
            code="unknown-metric",
            valid_metrics=names,
        )
    if len(set(extra)) != len(extra) or metric in extra:
        raise ProblemError(
            "extra_metrics must not repeat a name nor include the ranking metric",
            status=422,
            code="invalid-extra-metrics",
        )


def _invalid_column(index: int, problem: str) -> ProblemError:
    return ProblemError(f"columns[{index}]: {problem}", status=422, code="invalid-columns", column=index)


def check_columns(columns: Sequence[dict[str, Any]], *, program_keys: Collection[str]) -> list[ScoreColumn]:
    """Board columns as a host sent them (``ScoreColumn``-shaped dicts; ``higher_is_better``
    may be left out of a registry column, which then takes the metric's direction)."""
    names = sorted(METRICS)
    seen: set[str] = set()
    out: list[ScoreColumn] = []
    for i, raw in enumerate(columns):
        key = str(raw.get("key", ""))
        if not re.fullmatch(COLUMN_KEY_PATTERN, key):
            raise _invalid_column(
                i,
                f"the key {key!r} must be lower-case letters, digits and '_', starting with a letter "
                "(at most 64 characters)",
            )
        if key in seen:
            raise _invalid_column(i, f"the key {key!r} is used twice; each column needs its own key")
        seen.add(key)
        metric, threshold = raw.get("metric"), raw.get("threshold")
        info = METRICS.get(metric) if metric is not None else None
        if metric is None:
            if not program_keys:
                raise _invalid_column(
                    i,
                    f"{key!r} names no metric, so a scoring program must compute it: upload a scoring "
                    "program for the stage first (PUT .../scoring-program), or give the column a metric",
                )
            if key not in program_keys:
                raise _invalid_column(
                    i,
                    f"{key!r} names no metric and the stage's scoring program does not write it: "
                    f"its trial wrote {', '.join(sorted(program_keys))}; use one of those keys or "
                    "give the column a metric",
                )
        elif info is None:
            raise ProblemError(
                f"columns[{i}]: unknown metric {metric!r}; choose one of: {', '.join(names)}",
                status=422,
                code="unknown-metric",
                column=i,
                valid_metrics=names,
            )
        if threshold is not None:
            if info is None or info.kind is not PredictionKind.LABEL:
                raise _invalid_column(
                    i,
                    f"threshold applies only to metrics that compare classes ({_label_metrics()}): "
                    f"it turns predicted probabilities into 0/1 before scoring; {metric!r} takes none",
                )
            if not 0 < float(threshold) < 1:
                raise _invalid_column(i, f"threshold must be between 0 and 1 (exclusive), not {threshold}")
        direction = raw.get("higher_is_better")
        if info is not None:
            if direction is not None and direction != info.higher_is_better:
                better = "higher" if info.higher_is_better else "lower"
                raise _invalid_column(
                    i, f"{metric} is better when {better}; leave higher_is_better out or set it to match"
                )
            direction = info.higher_is_better
        try:
            out.append(
                ScoreColumn.model_validate(
                    {**raw, "higher_is_better": True if direction is None else direction}
                )
            )
        except ValueError as exc:
            raise _invalid_column(i, str(exc)) from None
    return out


def _label_metrics() -> str:
    return ", ".join(sorted(m.name for m in METRICS.values() if m.kind is PredictionKind.LABEL))


def columns_of(scope: Scope) -> list[ScoreColumn]:
    """The stage's board columns in ranking order (its ``columns``, else metric + extra_metrics)."""
    return board_columns_of(scope.metric, list(scope.extra_metrics or []), list(scope.columns or []))


def board_columns_of(
    metric: str, extra: Sequence[str], columns: Sequence[dict[str, Any]]
) -> list[ScoreColumn]:
    return board_columns(
        ScoringSpec(
            metric=metric,
            id_column="",
            target_columns=[],
            labels_key="",
            extra_metrics=list(extra),
            columns=[ScoreColumn.model_validate(c) for c in columns],
        )
    )


def registry_metrics(columns: Sequence[ScoreColumn]) -> list[MetricInfo]:
    """The catalog metrics the columns are scored by, once each."""
    names = dict.fromkeys(c.metric for c in columns if c.metric is not None)
    return [METRICS[name] for name in names]


class LabelsRefused(ProblemError):
    def __init__(self, problem: str) -> None:
        super().__init__(
            f"the labels file was rejected: {problem}",
            status=422,
            code="invalid-labels",
            problems=[problem],
        )


def check_labels(
    data: Path | bytes,
    competition: Competition,
    metrics: Sequence[MetricInfo],
    *,
    usage_required: bool,
) -> labels_format.Labels:
    """Parse and check labels against the format and every metric (blocking: run it in a thread)."""
    try:
        parsed = labels_format.parse(
            data.read_bytes() if isinstance(data, Path) else data,
            competition.id_column,
            list(competition.target_columns),
            numeric=any(labels_format.is_numeric(m) for m in metrics),
            usage_required=usage_required,
        )
        for metric in metrics:
            labels_format.check_scorable(parsed, metric)
    except labels_format.LabelsInvalid as exc:
        raise LabelsRefused(exc.detail) from None
    return parsed


async def check_stored_labels(
    storage: Storage, competition: Competition, scope: Scope, metrics: Sequence[MetricInfo]
) -> None:
    """Refuse a scoring change whose metrics could not score the stage's uploaded labels."""
    for key, smoke in ((labels_key(scope), False), (smoke_labels_key(scope), True)):
        if key is None:
            continue
        data = await storage.get_bytes("labels", key)
        try:
            await asyncio.to_thread(check_labels, data, competition, metrics, usage_required=False)
        except LabelsRefused as exc:
            which = "smoke sample's labels" if smoke else "labels"
            names = ", ".join(m.name for m in metrics)
            names = f"the metric {names}" if len(metrics) == 1 else f"the metrics {names}"
            raise ProblemError(
                f"{names} cannot score the {which} already uploaded: {exc.extra['problems'][0]}; "
                "upload labels it can score first, or keep the metric",
                status=422,
                code="labels-not-scorable",
            ) from None
