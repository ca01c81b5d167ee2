"""The metric registry: every name in ``shared.metrics_catalog``, backed by scikit-learn.

A metric takes ``y_true`` and ``y_pred`` already validated and aligned by id (see
``validation``): 1-D arrays for a single target column, 2-D ``(rows, columns)`` for
several. For a probability metric on a single column, that column holds the
positive-class probability. With several target columns:

- label metrics score each column on its own and average the results;
- ``roc_auc`` and ``average_precision`` average the per-column scores (multilabel, macro);
- ``log_loss`` and ``roc_auc_ovr`` read the columns as classes: the labels are one-hot,
  the predictions are per-class probabilities (rows are normalised to sum to exactly
  one after validation has checked they sum to one within ``ROW_SUM_TOLERANCE``);
- ``rmse``, ``mae``, ``r2`` and ``mape`` average over the columns (scikit-learn's default).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from shared.metrics_catalog import METRICS as CATALOG
from shared.metrics_catalog import PredictionKind

MetricFn = Callable[[np.ndarray, np.ndarray], float]


def sklearn_metrics() -> ModuleType:
    """scikit-learn's metrics, imported on first use rather than with the scorer: the import
    (scipy and the rest come with it) takes about 3 s, and a scorer (``holdout up``, a pod
    after a restart) that waited for it would be ready that much later. The first run
    judged pays it instead, once. (Importing it in a thread at start-up made ``holdout up``
    slower still: the import holds the GIL the other three services start on.)"""
    return importlib.import_module("sklearn.metrics")


# how far a multi-class row of probabilities may be from summing to one (6-digit rounding
# of a dozen classes stays well inside; a row of raw scores does not)
ROW_SUM_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    kind: PredictionKind
    compute: MetricFn
    # predictions outside this closed range are invalid (log loss needs probabilities)
    value_range: tuple[float, float] | None = None
    # with several target columns, each predicted row is a distribution over the classes
    multiclass: bool = False


def _per_column(name: str, **kwargs: Any) -> MetricFn:
    def compute(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        fn = getattr(sklearn_metrics(), name)
        if y_true.ndim == 1:
            return float(fn(y_true, y_pred, **kwargs))
        return float(np.mean([fn(y_true[:, j], y_pred[:, j], **kwargs) for j in range(y_true.shape[1])]))

    return compute


def _normalised(y_pred: np.ndarray) -> np.ndarray:
    return np.asarray(y_pred / y_pred.sum(axis=1, keepdims=True))


def _roc_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """scikit-learn's ROC AUC. For one 0/1 column of finite scores it is computed as the
    rank sum (Mann-Whitney U, ties at their average rank), the same number without
    building the curve: several times faster on millions of rows. Anything else (one
    class only, other labels, several columns) goes to scikit-learn, errors included."""
    if y_true.ndim == 1 and y_pred.ndim == 1 and y_true.dtype.kind in "iu" and y_pred.dtype.kind == "f":
        positive = y_true == 1
        positives = int(np.count_nonzero(positive))
        negatives = int(np.count_nonzero(y_true == 0))
        if positives and negatives and positives + negatives == len(y_true) and np.isfinite(y_pred).all():
            order = np.argsort(y_pred)
            ordered = y_pred[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            counts = np.diff(np.r_[starts, len(ordered)])
            ranks = np.repeat(starts + (counts + 1) / 2, counts)  # 1-based, in score order
            rank_sum = float(ranks[positive[order]].sum())
            return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
    return float(sklearn_metrics().roc_auc_score(y_true, y_pred))


def _roc_auc_ovr(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    if y_true.ndim == 1:
        return float(sklearn_metrics().roc_auc_score(y_true, y_pred))
    classes = list(range(y_true.shape[1]))
    return float(
        sklearn_metrics().roc_auc_score(
            np.argmax(y_true, axis=1), _normalised(y_pred), multi_class="ovr", average="macro", labels=classes
        )
    )


def _log_loss(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    if y_true.ndim == 1:
        return float(sklearn_metrics().log_loss(y_true, y_pred, labels=[0, 1]))
    classes = list(range(y_true.shape[1]))
    return float(sklearn_metrics().log_loss(np.argmax(y_true, axis=1), _normalised(y_pred), labels=classes))


def _sk(name: str, **kwargs: Any) -> MetricFn:
    def compute(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(getattr(sklearn_metrics(), name)(y_true, y_pred, **kwargs))

    return compute


_PROBABILITIES = (0.0, 1.0)

_IMPLEMENTATIONS: dict[str, tuple[MetricFn, tuple[float, float] | None]] = {
    "accuracy": (_per_column("accuracy_score"), None),
    "balanced_accuracy": (_per_column("balanced_accuracy_score"), None),
    "f1_macro": (_per_column("f1_score", average="macro"), None),
    "f1_micro": (_per_column("f1_score", average="micro"), None),
    "f1_weighted": (_per_column("f1_score", average="weighted"), None),
    "jaccard": (_per_column("jaccard_score", average="macro"), None),
    "roc_auc": (_roc_auc, None),
    "roc_auc_ovr": (_roc_auc_ovr, _PROBABILITIES),
    "log_loss": (_log_loss, _PROBABILITIES),
    "average_precision": (_sk("average_precision_score"), None),
    "rmse": (_sk("root_mean_squared_error"), None),
    "mae": (_sk("mean_absolute_error"), None),
    "r2": (_sk("r2_score"), None),
    "mape": (_sk("mean_absolute_percentage_error"), None),
}

METRICS: dict[str, Metric] = {
    name: Metric(
        name=name,
        higher_is_better=info.higher_is_better,
        kind=info.kind,
        compute=_IMPLEMENTATIONS[name][0],
        value_range=_IMPLEMENTATIONS[name][1],
        multiclass=info.multiclass,
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
