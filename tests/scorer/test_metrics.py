"""The metric registry implements the catalog exactly, and agrees with scikit-learn.

Each registry metric is computed on a known case and compared with the scikit-learn
function called directly (and, where the number is easy to work out by hand, with it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from services.scorer.metrics import METRICS, UnknownMetric, get_metric
from shared.metrics_catalog import METRICS as CATALOG

LABELS_TRUE = np.array([0, 1, 2, 2, 1, 0, 1, 2])
LABELS_PRED = np.array([0, 2, 2, 2, 1, 0, 0, 1])
BINARY_TRUE = np.array([0, 1, 1, 0, 1, 0, 1, 1])
PROBS = np.array([0.1, 0.8, 0.6, 0.4, 0.9, 0.3, 0.2, 0.7])
VALUES_TRUE = np.array([1.5, 2.0, -0.5, 3.25, 0.5])
VALUES_PRED = np.array([1.0, 2.5, -0.25, 3.0, 0.25])
# three classes, one probability column per class; the labels are one-hot
CLASSES = np.array([0, 1, 2, 1, 0, 2])
ONE_HOT = np.eye(3, dtype=np.int64)[CLASSES]
CLASS_PROBS = np.array(
    [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3], [0.5, 0.1, 0.4], [0.3, 0.3, 0.4]]
)
# two independent binary targets (multilabel)
MULTI_TRUE = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0]])
MULTI_SCORES = np.array([[0.9, 0.2], [0.3, 0.7], [0.6, 0.4], [0.2, 0.5], [0.4, 0.1]])

Case = tuple[np.ndarray, np.ndarray, Callable[[], Any]]

# metric -> (y_true, y_pred, what scikit-learn says when called directly)
CASES: dict[str, list[Case]] = {
    "accuracy": [(LABELS_TRUE, LABELS_PRED, lambda: skm.accuracy_score(LABELS_TRUE, LABELS_PRED))],
    "balanced_accuracy": [
        (LABELS_TRUE, LABELS_PRED, lambda: skm.balanced_accuracy_score(LABELS_TRUE, LABELS_PRED))
    ],
    "f1_macro": [(LABELS_TRUE, LABELS_PRED, lambda: skm.f1_score(LABELS_TRUE, LABELS_PRED, average="macro"))],
    "f1_micro": [(LABELS_TRUE, LABELS_PRED, lambda: skm.f1_score(LABELS_TRUE, LABELS_PRED, average="micro"))],
    "f1_weighted": [
        (LABELS_TRUE, LABELS_PRED, lambda: skm.f1_score(LABELS_TRUE, LABELS_PRED, average="weighted"))
    ],
    "jaccard": [
        (LABELS_TRUE, LABELS_PRED, lambda: skm.jaccard_score(LABELS_TRUE, LABELS_PRED, average="macro"))
    ],
    "roc_auc": [
        (BINARY_TRUE, PROBS, lambda: skm.roc_auc_score(BINARY_TRUE, PROBS)),
        (MULTI_TRUE, MULTI_SCORES, lambda: skm.roc_auc_score(MULTI_TRUE, MULTI_SCORES, average="macro")),
    ],
    "roc_auc_ovr": [
        (BINARY_TRUE, PROBS, lambda: skm.roc_auc_score(BINARY_TRUE, PROBS)),
        (ONE_HOT, CLASS_PROBS, lambda: skm.roc_auc_score(CLASSES, CLASS_PROBS, multi_class="ovr")),
    ],
    "log_loss": [
        (BINARY_TRUE, PROBS, lambda: skm.log_loss(BINARY_TRUE, PROBS)),
        (ONE_HOT, CLASS_PROBS, lambda: skm.log_loss(CLASSES, CLASS_PROBS)),
    ],
    "average_precision": [
        (BINARY_TRUE, PROBS, lambda: skm.average_precision_score(BINARY_TRUE, PROBS)),
        (
            MULTI_TRUE,
            MULTI_SCORES,
            lambda: skm.average_precision_score(MULTI_TRUE, MULTI_SCORES, average="macro"),
        ),
    ],
    "rmse": [(VALUES_TRUE, VALUES_PRED, lambda: skm.root_mean_squared_error(VALUES_TRUE, VALUES_PRED))],
    "mae": [(VALUES_TRUE, VALUES_PRED, lambda: skm.mean_absolute_error(VALUES_TRUE, VALUES_PRED))],
    "r2": [(VALUES_TRUE, VALUES_PRED, lambda: skm.r2_score(VALUES_TRUE, VALUES_PRED))],
    "mape": [
        (VALUES_TRUE, VALUES_PRED, lambda: skm.mean_absolute_percentage_error(VALUES_TRUE, VALUES_PRED))
    ],
}

# numbers worked out by hand for the same cases
BY_HAND = {
    "accuracy": 5 / 8,
    "f1_micro": 5 / 8,
    "mae": (0.5 + 0.5 + 0.25 + 0.25 + 0.25) / 5,
    "rmse": float(np.sqrt((0.25 + 0.25 + 0.0625 + 0.0625 + 0.0625) / 5)),
    # (positive, negative) pairs ranked correctly: 13 of 15 (0.2 is below 0.3 and 0.4)
    "roc_auc": 13 / 15,
}


def test_registry_implements_exactly_the_catalog() -> None:
    assert set(METRICS) == set(CATALOG)
    assert set(CASES) == set(CATALOG), "every catalog metric needs a known case here"
    for name, metric in METRICS.items():
        assert metric.higher_is_better == CATALOG[name].higher_is_better
        assert metric.kind == CATALOG[name].kind
        assert metric.multiclass == CATALOG[name].multiclass


def test_the_issue_lists_are_all_there() -> None:
    wanted = {
        "accuracy", "balanced_accuracy", "f1_macro", "f1_micro", "f1_weighted", "roc_auc", "roc_auc_ovr",
        "log_loss", "rmse", "mae", "r2", "mape", "average_precision", "jaccard",
    }  # fmt: skip
    assert wanted <= set(CATALOG)
    lower_is_better = {n for n, m in CATALOG.items() if not m.higher_is_better}
    assert lower_is_better == {"log_loss", "rmse", "mae", "mape"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_metric_equals_scikit_learn(name: str) -> None:
    metric = get_metric(name)
    for y_true, y_pred, direct in CASES[name]:
        assert metric.compute(y_true, y_pred) == pytest.approx(float(direct()), abs=1e-12)


@pytest.mark.parametrize("name", sorted(BY_HAND))
def test_metric_equals_the_hand_worked_number(name: str) -> None:
    y_true, y_pred, _ = CASES[name][0]
    assert get_metric(name).compute(y_true, y_pred) == pytest.approx(BY_HAND[name], abs=1e-12)


def test_label_metrics_accept_text_classes() -> None:
    y_true = np.array(["cat", "dog", "dog", "bird"], dtype=object)
    y_pred = np.array(["cat", "dog", "cat", "bird"], dtype=object)
    assert get_metric("accuracy").compute(y_true, y_pred) == pytest.approx(0.75)


def test_several_label_columns_are_averaged() -> None:
    labels_true = np.array([[0, 1], [1, 1], [1, 0]])
    labels_pred = np.array([[0, 1], [1, 0], [0, 0]])
    # each column scored on its own, then averaged: (2/3 + 2/3) / 2
    assert get_metric("accuracy").compute(labels_true, labels_pred) == pytest.approx(2 / 3)


def test_multiclass_rows_are_normalised_before_scoring() -> None:
    # rows that sum to 0.999 (rounded by the participant) score as their normalised selves
    rounded = np.round(CLASS_PROBS * 0.999, 6)
    assert get_metric("log_loss").compute(ONE_HOT, rounded) == pytest.approx(
        skm.log_loss(CLASSES, rounded / rounded.sum(axis=1, keepdims=True))
    )


def test_unknown_metric_names_the_known_ones() -> None:
    with pytest.raises(UnknownMetric, match="accuracy"):
        get_metric("nope")


@pytest.mark.parametrize("dtype", [np.int8, np.int64])
def test_roc_auc_by_ranks_is_scikit_learns(dtype: type[np.integer]) -> None:
    # one 0/1 column is scored by its rank sum: the same number as the curve, ties included
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 2, 20_000).astype(dtype)
    for y_pred in (rng.random(20_000), np.round(rng.random(20_000), 2), np.zeros(20_000)):
        ours = get_metric("roc_auc").compute(y_true, y_pred)
        assert ours == pytest.approx(skm.roc_auc_score(y_true, y_pred), abs=1e-12)


def test_roc_auc_of_one_class_is_left_to_scikit_learn() -> None:
    # undefined (scikit-learn warns and gives NaN, which scoring refuses as no finite score)
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(get_metric("roc_auc").compute(np.ones(10, dtype=np.int8), np.linspace(0, 1, 10)))
