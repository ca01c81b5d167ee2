"""Scoring one run: parse the labels, validate the predictions, compute the metric on
the public rows and on the private rows.

Pure and CPU-bound: the consumer calls ``score`` in a worker thread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from services.scorer.metrics import Metric, UnknownMetric, get_metric
from services.scorer.validation import InvalidLabels, ScoringProblem, parse_labels, parse_predictions
from shared.events import ScoringSpec


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


def score(predictions: bytes, labels: bytes, spec: ScoringSpec) -> Scores:
    """Raise ``InvalidPredictions`` (participant's fault) or another ``ScoringProblem``."""
    try:
        metric = get_metric(spec.metric)
    except UnknownMetric as exc:
        raise MetricFailed(str(exc)) from None
    parsed = parse_labels(labels, spec.id_column, spec.target_columns, metric)
    y_pred = parse_predictions(predictions, parsed, metric)
    public = parsed.usage == "Public"
    private = parsed.usage == "Private"
    if not public.any():
        raise InvalidLabels("the labels file has no Public rows, so there is no public score")
    public_score = _compute(metric, parsed.values[public], y_pred[public], "public")
    private_score = None
    if private.any():
        private_score = _compute(metric, parsed.values[private], y_pred[private], "private")
    return Scores(
        metric=metric.name,
        higher_is_better=metric.higher_is_better,
        public_score=public_score,
        private_score=private_score,
        public_rows=int(public.sum()),
        private_rows=int(private.sum()),
    )
