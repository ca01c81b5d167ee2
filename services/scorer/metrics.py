"""The metric registry: every name in ``shared.metrics_catalog``, backed by scikit-learn.

A metric takes ``y_true`` and ``y_pred`` already validated and aligned by id (see
``validation``): 1-D arrays for a single target column, 2-D ``(rows, columns)`` for
several. For a probability metric on a single column, that column holds the
positive-class probability. With several target columns:

- label metrics score each column on its own and average the results;
- ``roc_auc`` averages the per-column AUCs (multilabel, macro);
- ``log_loss`` reads the columns as classes: the labels are one-hot, the predictions
  are per-class probabilities;
- ``rmse``, ``mae`` and ``r2`` average over the columns (scikit-learn's default).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn import metrics as skm

from shared.metrics_catalog import METRICS as CATALOG
from shared.metrics_catalog import PredictionKind

MetricFn = Callable[[np.ndarray, np.ndarray], float]


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    kind: PredictionKind
    compute: MetricFn
    # predictions outside this closed range are invalid (log loss needs probabilities)
    value_range: tuple[float, float] | None = None


def _per_column(fn: Callable[..., Any], **kwargs: Any) -> MetricFn:
    def compute(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        if y_true.ndim == 1:
            return float(fn(y_true, y_pred, **kwargs))
        return float(np.mean([fn(y_true[:, j], y_pred[:, j], **kwargs) for j in range(y_true.shape[1])]))

    return compute


def _roc_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(skm.roc_auc_score(y_true, y_pred))


def _log_loss(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    if y_true.ndim == 1:
        return float(skm.log_loss(y_true, y_pred, labels=[0, 1]))
    classes = list(range(y_true.shape[1]))
    return float(skm.log_loss(np.argmax(y_true, axis=1), y_pred, labels=classes))


def _sk(fn: Callable[..., Any]) -> MetricFn:
    def compute(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(fn(y_true, y_pred))

    return compute


_IMPLEMENTATIONS: dict[str, tuple[MetricFn, tuple[float, float] | None]] = {
    "accuracy": (_per_column(skm.accuracy_score), None),
    "balanced_accuracy": (_per_column(skm.balanced_accuracy_score), None),
    "f1_macro": (_per_column(skm.f1_score, average="macro"), None),
    "f1_micro": (_per_column(skm.f1_score, average="micro"), None),
    "f1_weighted": (_per_column(skm.f1_score, average="weighted"), None),
    "roc_auc": (_roc_auc, None),
    "log_loss": (_log_loss, (0.0, 1.0)),
    "rmse": (_sk(skm.root_mean_squared_error), None),
    "mae": (_sk(skm.mean_absolute_error), None),
    "r2": (_sk(skm.r2_score), None),
}

METRICS: dict[str, Metric] = {
    name: Metric(
        name=name,
        higher_is_better=info.higher_is_better,
        kind=info.kind,
        compute=_IMPLEMENTATIONS[name][0],
        value_range=_IMPLEMENTATIONS[name][1],
    )
    for name, info in CATALOG.items()
    if name in _IMPLEMENTATIONS
}


class UnknownMetric(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown metric {name!r}; known: {', '.join(sorted(METRICS))}")
        self.name = name


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise UnknownMetric(name) from None
