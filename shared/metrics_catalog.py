"""The metric names a competition may choose, and which way is better.

A contract, not an implementation: the gateway validates a competition's metric
against this list and the leaderboard ranks by ``higher_is_better``; the scorer
implements every name (a test holds it to that).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PredictionKind(StrEnum):
    LABEL = "label"  # one predicted class per row
    PROBABILITY = "probability"  # scores or probabilities per row (and class)
    VALUE = "value"  # a real number per row (regression)


@dataclass(frozen=True)
class MetricInfo:
    name: str
    higher_is_better: bool
    kind: PredictionKind
    description: str


METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in (
        MetricInfo("accuracy", True, PredictionKind.LABEL, "fraction of rows classified correctly"),
        MetricInfo("balanced_accuracy", True, PredictionKind.LABEL, "mean recall over classes"),
        MetricInfo("f1_macro", True, PredictionKind.LABEL, "F1 averaged over classes"),
        MetricInfo("f1_micro", True, PredictionKind.LABEL, "F1 over all rows"),
        MetricInfo("f1_weighted", True, PredictionKind.LABEL, "F1 averaged over classes by support"),
        MetricInfo("roc_auc", True, PredictionKind.PROBABILITY, "area under the ROC curve (binary)"),
        MetricInfo("log_loss", False, PredictionKind.PROBABILITY, "cross-entropy of predicted probabilities"),
        MetricInfo("rmse", False, PredictionKind.VALUE, "root mean squared error"),
        MetricInfo("mae", False, PredictionKind.VALUE, "mean absolute error"),
        MetricInfo("r2", True, PredictionKind.VALUE, "coefficient of determination"),
    )
}
