"""The metric names a competition may choose, and which way is better.

A contract, not an implementation: the gateway validates a competition's metric (and
its extra display metrics) against this list and the leaderboard ranks by
``higher_is_better``; the scorer implements every name (a test holds it to that).

How predictions and labels are laid out for each kind:

- ``label``: one predicted class per row and target column (text or integer classes);
- ``probability``: one score or probability per row and target column; with several
  target columns, ``multiclass`` metrics read the columns as classes (the labels are
  one-hot, each predicted row is a probability distribution summing to one), the
  others score each column on its own (multilabel) and average;
- ``value``: a real number per row and target column (regression).

What the hidden labels must hold (``LabelKind``), checked when the host uploads them
(``shared.labels.check_scorable``) so that no run fails for the host's mistake:

- ``class``: a class per row (integers or text, not fractional numbers);
- ``binary``: 0 or 1 in each column (a multi-class metric's columns: one-hot rows);
- ``real``: any finite number; ``nonzero_real``: any but 0 (MAPE divides by it).

``needs_every_class``: the metric is undefined unless each board's rows (public, and
private if any) hold every class (ROC AUC, average precision).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PredictionKind(StrEnum):
    LABEL = "label"  # one predicted class per row
    PROBABILITY = "probability"  # scores or probabilities per row (and class)
    VALUE = "value"  # a real number per row (regression)


class LabelKind(StrEnum):
    CLASS = "class"
    BINARY = "binary"
    REAL = "real"
    NONZERO_REAL = "nonzero_real"


_LABELS_OF = {
    PredictionKind.LABEL: LabelKind.CLASS,
    PredictionKind.PROBABILITY: LabelKind.BINARY,
    PredictionKind.VALUE: LabelKind.REAL,
}


@dataclass(frozen=True)
class MetricInfo:
    name: str
    higher_is_better: bool
    kind: PredictionKind
    description: str
    # several target columns are the classes of one multi-class problem (labels one-hot)
    multiclass: bool = False
    # what the labels must hold (None: what ``kind`` implies, see the module docstring)
    label_kind: LabelKind | None = None
    needs_every_class: bool = False

    @property
    def labels(self) -> LabelKind:
        return self.label_kind or _LABELS_OF[self.kind]


METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in (
        MetricInfo("accuracy", True, PredictionKind.LABEL, "fraction of rows classified correctly"),
        MetricInfo("balanced_accuracy", True, PredictionKind.LABEL, "mean recall over classes"),
        MetricInfo("f1_macro", True, PredictionKind.LABEL, "F1 averaged over classes"),
        MetricInfo("f1_micro", True, PredictionKind.LABEL, "F1 over all rows"),
        MetricInfo("f1_weighted", True, PredictionKind.LABEL, "F1 averaged over classes by support"),
        MetricInfo(
            "jaccard",
            True,
            PredictionKind.LABEL,
            "Jaccard index (intersection over union) averaged over classes",
        ),
        MetricInfo(
            "roc_auc",
            True,
            PredictionKind.PROBABILITY,
            "area under the ROC curve (binary; several columns: averaged per column)",
            needs_every_class=True,
        ),
        MetricInfo(
            "roc_auc_ovr",
            True,
            PredictionKind.PROBABILITY,
            "multi-class ROC AUC, one-vs-rest, macro-averaged (one probability column per class)",
            multiclass=True,
            needs_every_class=True,
        ),
        MetricInfo(
            "log_loss",
            False,
            PredictionKind.PROBABILITY,
            "cross-entropy of predicted probabilities (several columns: one per class)",
            multiclass=True,
        ),
        MetricInfo(
            "average_precision",
            True,
            PredictionKind.PROBABILITY,
            "average precision (several columns: mean average precision over columns)",
            needs_every_class=True,
        ),
        MetricInfo("rmse", False, PredictionKind.VALUE, "root mean squared error"),
        MetricInfo("mae", False, PredictionKind.VALUE, "mean absolute error"),
        MetricInfo("r2", True, PredictionKind.VALUE, "coefficient of determination"),
        MetricInfo(
            "mape",
            False,
            PredictionKind.VALUE,
            "mean absolute percentage error (as a fraction)",
            label_kind=LabelKind.NONZERO_REAL,
        ),
    )
}
