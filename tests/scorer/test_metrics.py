"""The metric registry implements the catalog exactly, and agrees with scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from services.scorer.metrics import METRICS, UnknownMetric, get_metric
from shared.metrics_catalog import METRICS as CATALOG

LABELS_TRUE = np.array([0, 1, 2, 2, 1, 0, 1, 2])
LABELS_PRED = np.array([0, 2, 2, 2, 1, 0, 0, 1])
BINARY_TRUE = np.array([0, 1, 1, 0, 1, 0, 1, 1])
PROBS = np.array([0.1, 0.8, 0.6, 0.4, 0.9, 0.3, 0.2, 0.7])
VALUES_TRUE = np.array([1.5, 2.0, -0.5, 3.25, 0.0])
VALUES_PRED = np.array([1.0, 2.5, -0.25, 3.0, 0.5])

EXPECTED = {
    "accuracy": skm.accuracy_score(LABELS_TRUE, LABELS_PRED),
    "balanced_accuracy": skm.balanced_accuracy_score(LABELS_TRUE, LABELS_PRED),
    "f1_macro": skm.f1_score(LABELS_TRUE, LABELS_PRED, average="macro"),
    "f1_micro": skm.f1_score(LABELS_TRUE, LABELS_PRED, average="micro"),
    "f1_weighted": skm.f1_score(LABELS_TRUE, LABELS_PRED, average="weighted"),
    "roc_auc": skm.roc_auc_score(BINARY_TRUE, PROBS),
    "log_loss": skm.log_loss(BINARY_TRUE, PROBS),
    "rmse": float(np.sqrt(skm.mean_squared_error(VALUES_TRUE, VALUES_PRED))),
    "mae": skm.mean_absolute_error(VALUES_TRUE, VALUES_PRED),
    "r2": skm.r2_score(VALUES_TRUE, VALUES_PRED),
}
INPUTS = {
    "label": (LABELS_TRUE, LABELS_PRED),
    "probability": (BINARY_TRUE, PROBS),
    "value": (VALUES_TRUE, VALUES_PRED),
}


def test_registry_implements_exactly_the_catalog() -> None:
    assert set(METRICS) == set(CATALOG)
    for name, metric in METRICS.items():
        assert metric.higher_is_better == CATALOG[name].higher_is_better
        assert metric.kind == CATALOG[name].kind


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_metric_equals_scikit_learn(name: str) -> None:
    metric = get_metric(name)
    y_true, y_pred = INPUTS[metric.kind.value]
    assert metric.compute(y_true, y_pred) == pytest.approx(EXPECTED[name], abs=1e-12)


def test_label_metrics_accept_text_classes() -> None:
    y_true = np.array(["cat", "dog", "dog", "bird"], dtype=object)
    y_pred = np.array(["cat", "dog", "cat", "bird"], dtype=object)
    assert get_metric("accuracy").compute(y_true, y_pred) == pytest.approx(0.75)


def test_several_target_columns() -> None:
    one_hot = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]])
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]])
    assert get_metric("log_loss").compute(one_hot, probs) == pytest.approx(
        skm.log_loss([0, 1, 2, 1], probs, labels=[0, 1, 2])
    )
    labels_true = np.array([[0, 1], [1, 1], [1, 0]])
    labels_pred = np.array([[0, 1], [1, 0], [0, 0]])
    # each column scored on its own, then averaged: (2/3 + 2/3) / 2
    assert get_metric("accuracy").compute(labels_true, labels_pred) == pytest.approx(2 / 3)


def test_unknown_metric_names_the_known_ones() -> None:
    with pytest.raises(UnknownMetric, match="accuracy"):
        get_metric("nope")
