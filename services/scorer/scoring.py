"""Scoring one run: parse the labels, validate the predictions, compute the metric (and
any extra display metrics) on the public rows and on the private rows.

Pure and CPU-bound: the consumer calls ``score`` in a worker thread. A rescoring parses
the labels once (``prepare``) and scores every submission against them (``score_prepared``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import structlog

from services.scorer.metrics import Metric, UnknownMetric, get_metric
from services.scorer.validation import (
    InvalidLabels,
    Labels,
    ScoringProblem,
    parse_labels,
    parse_predictions,
)
from shared.events import ScoringSpec

log = structlog.get_logger(__name__)


class MetricFailed(ScoringProblem):
    """The metric could not be computed on valid inputs (e.g. one class in the labels)."""


@dataclass(frozen=True)
class Scores:
    metric: str
    higher_is_better: bool
    public_score: float
    private_score: float | None
    public_rows: int
    private_rows: int
    # display-only metrics; one that cannot be computed on these predictions is left out
    public_extra: dict[str, float] = field(default_factory=dict)
    private_extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    """A competition's labels parsed for one scoring spec (reusable across submissions)."""

    spec: ScoringSpec
    metric: Metric
    labels: Labels


def _compute(metric: Metric, y_true: np.ndarray, y_pred: np.ndarray, part: str) -> float:
    if y_true.shape[1] == 1:
        y_true, y_pred = y_true[:, 0], y_pred[:, 0]
    try:
        value = metric.compute(y_true, y_pred)
    except ValueError as exc:
        raise MetricFailed(f"{metric.name} could not be computed on the {part} rows: {exc}") from None
    if not math.isfinite(value):
        raise MetricFailed(f"{metric.name} on the {part} rows is {value}, not a finite score")
    return value


def _extras(names: list[str], y_true: np.ndarray, y_pred: np.ndarray, part: str) -> dict[str, float]:
    extras: dict[str, float] = {}
    for name in names:
        try:
            extras[name] = _compute(get_metric(name), y_true, y_pred, part)
        except (UnknownMetric, MetricFailed, TypeError) as exc:
            # e.g. accuracy on probabilities: the host chose a column these predictions cannot fill
            log.warning("scoring.extra_metric_skipped", metric=name, part=part, error=str(exc))
    return extras


def prepare(labels: bytes, spec: ScoringSpec) -> Prepared:
    try:
        metric = get_metric(spec.metric)
    except UnknownMetric as exc:
        raise MetricFailed(str(exc)) from None
    parsed = parse_labels(labels, spec.id_column, spec.target_columns, metric)
    if not parsed.public.any():
        raise InvalidLabels("the labels file has no Public rows, so there is no public score")
    return Prepared(spec, metric, parsed)


def score_prepared(predictions: bytes, prepared: Prepared) -> Scores:
    """Raise ``InvalidPredictions`` (participant's fault) or another ``ScoringProblem``."""
    metric, parsed, extra = prepared.metric, prepared.labels, prepared.spec.extra_metrics
    y_pred = parse_predictions(predictions, parsed, metric)
    public, private = parsed.public, parsed.private
    public_score = _compute(metric, parsed.values[public], y_pred[public], "public")
    public_extra = _extras(extra, parsed.values[public], y_pred[public], "public")
    private_score = None
    private_extra: dict[str, float] = {}
    if private.any():
        private_score = _compute(metric, parsed.values[private], y_pred[private], "private")
        private_extra = _extras(extra, parsed.values[private], y_pred[private], "private")
    return Scores(
        metric=metric.name,
        higher_is_better=metric.higher_is_better,
        public_score=public_score,
        private_score=private_score,
        public_rows=int(public.sum()),
        private_rows=int(private.sum()),
        public_extra=public_extra,
        private_extra=private_extra,
    )


def score(predictions: bytes, labels: bytes, spec: ScoringSpec) -> Scores:
    """Raise ``InvalidPredictions`` (participant's fault) or another ``ScoringProblem``."""
    return score_prepared(predictions, prepare(labels, spec))
