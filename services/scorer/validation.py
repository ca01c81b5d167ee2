"""Reading and checking a predictions file against the hidden labels.

Pure functions over bytes (no I/O, no database), called from ``scoring`` in a worker
thread. The labels are parsed by the one labels parser, ``shared.labels`` (the
gateway checked them with it at upload). A predictions file is first read on the fast
path (``columnar``, pyarrow); when that path has any doubt, the file is read again
here, cell by cell as text, to find and word the problem (or to accept what the fast
path was too strict about).

Every problem a participant can cause raises ``InvalidPredictions`` with a detail that
says what was wrong, where (lines, ids, columns, a few examples) and what was expected.
A broken labels file is the host's problem, not the participant's: it raises
``InvalidLabels``, which the consumer reports as an internal error.

The detailed path reads every cell as text, so ids compare exactly as written and
each value's problem can be quoted back as it appears in the file. Line numbers count
the header as line 1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from services.scorer import columnar
from services.scorer.metrics import ROW_SUM_TOLERANCE, Metric
from shared import labels as labels_format
from shared.csvdata import MAX_EXAMPLES, ColumnKind, CsvProblem, Defer, examples, read_csv, read_header
from shared.csvdata import count as _count
from shared.csvdata import plural as _plural
from shared.csvdata import stack as _stack
from shared.csvdata import where as _where
from shared.labels import Labels
from shared.metrics_catalog import METRICS as CATALOG
from shared.metrics_catalog import LabelKind as LabelsHold
from shared.metrics_catalog import MetricInfo, PredictionKind

__all__ = [
    "InvalidLabels",
    "InvalidPredictions",
    "Labels",
    "Reading",
    "ScoringProblem",
    "parse_labels",
    "parse_predictions",
]


class ScoringProblem(CsvProblem):
    """A submission could not be scored; ``detail`` says why."""


class InvalidPredictions(ScoringProblem):
    """The participant's predictions file is wrong (their fault)."""


class InvalidLabels(ScoringProblem):
    """The host's labels file is unusable (the platform's fault, not the participant's)."""


LabelKind = ColumnKind


@dataclass(frozen=True)
class Reading:
    """How the predictions of a spec are read and checked: what its ranking column needs.

    One metric's needs (``of``); a label metric at a threshold (``thresholded``: the
    predictions are probabilities, the labels 0/1); or a scoring program's (``program``:
    any labels; predictions of the labels' types, numbers finite, nothing more).
    """

    name: str  # what the checks are for, in their messages
    numeric_labels: bool  # the labels must be numbers (no text classes)
    integer_classes: bool  # integer labels need integer predictions (hard classes)
    value_range: tuple[float, float] | None = None
    multiclass: bool = False  # several target columns are one distribution per row
    scorable: MetricInfo | None = None  # what the labels must hold (None: anything)

    @classmethod
    def of(cls, metric: Metric) -> Reading:
        return cls(
            name=metric.name,
            numeric_labels=metric.kind is not PredictionKind.LABEL,
            integer_classes=metric.kind is PredictionKind.LABEL,
            value_range=metric.value_range,
            multiclass=metric.multiclass,
            scorable=CATALOG[metric.name],
        )

    @classmethod
    def thresholded(cls, metric: Metric, threshold: float) -> Reading:
        return cls(
            name=f"{metric.name} at the threshold {threshold:g}",
            numeric_labels=True,
            integer_classes=False,
            scorable=dataclasses.replace(CATALOG[metric.name], label_kind=LabelsHold.BINARY),
        )

    @classmethod
    def program(cls) -> Reading:
        return cls(name="the scoring program", numeric_labels=False, integer_classes=False)


def _reading(how: Reading | Metric) -> Reading:
    return how if isinstance(how, Reading) else Reading.of(how)


def parse_labels(data: bytes, id_column: str, target_columns: Sequence[str], how: Reading | Metric) -> Labels:
    """The labels, parsed and checked by the one labels parser (``shared.labels``)."""
    reading = _reading(how)
    try:
        parsed = labels_format.parse(data, id_column, target_columns, numeric=reading.numeric_labels)
        if reading.scorable is not None:
            labels_format.check_scorable(parsed, reading.scorable)
    except labels_format.LabelsInvalid as exc:
        raise InvalidLabels(exc.detail) from None
    return parsed


def check_labels(labels: Labels, metric: MetricInfo) -> None:
    """Refuse labels ``metric`` cannot score (a column other than the ranking one)."""
    try:
        labels_format.check_scorable(labels, metric)
    except labels_format.LabelsInvalid as exc:
        raise InvalidLabels(exc.detail) from None


def _check_columns(header: Sequence[str], labels: Labels) -> None:
    expected = [labels.id_column, *labels.target_columns]
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {examples(missing, limit=20)}")
        if extra:
            parts.append(f"unexpected {examples(extra, limit=20)}")
        raise InvalidPredictions(
            f"the predictions must have exactly the columns {', '.join(expected)} (in any order); "
            + "; ".join(parts)
        )


def _check_ids(frame: pd.DataFrame, labels: Labels) -> None:
    ids = frame[labels.id_column]
    problems = []
    empty = np.flatnonzero((ids == "").to_numpy())
    if len(empty):
        lines = [f"line {p + 2}" for p in empty]
        problems.append(f"{_plural(len(empty), 'row')} with an empty id: {examples(lines, quote=False)}")
    duplicated = ids[ids.duplicated() & (ids != "")].unique()
    if len(duplicated):
        problems.append(
            f"{_count(len(duplicated), 'id', 'appears', 'appear')} more than once, "
            f"e.g. {examples(duplicated)} (expected exactly one row per id)"
        )
    label_ids = labels.id_series()
    missing = label_ids[~label_ids.isin(ids)]
    if len(missing):
        problems.append(
            f"{_plural(len(missing), 'id')} of the test set {'has' if len(missing) == 1 else 'have'} "
            f"no prediction, e.g. {examples(missing)}"
        )
    extra = ids[~ids.isin(label_ids) & (ids != "")].unique()
    if len(extra):
        problems.append(f"{_count(len(extra), 'id')} not in the test set, e.g. {examples(extra)}")
    if problems:
        total = len(label_ids)
        raise InvalidPredictions(
            "; ".join(problems) + f" — expected one row for each of the {total} ids of the test set"
        )


def _column_values(frame: pd.DataFrame, col: str, labels: Labels, kind: str, reading: Reading) -> np.ndarray:
    """Convert one predicted column to what the metric compares, or say which rows are bad."""
    raw = frame[col]
    id_col = labels.id_column
    if not reading.numeric_labels and kind == LabelKind.TEXT:
        empty = np.flatnonzero((raw == "").to_numpy())
        if len(empty):
            raise InvalidPredictions(
                f"column {col!r}: {_count(len(empty), 'value')} empty: {_where(frame, id_col, empty)}; "
                "expected a class label in every row"
            )
        return np.asarray(raw.to_numpy(dtype=object))

    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(numbers)
    bad = np.flatnonzero(~finite)
    if len(bad):
        reasons = []
        for p in bad[:MAX_EXAMPLES]:
            where = f"line {p + 2} (id {frame[id_col].iat[p]!r})"
            value = raw.iat[p]
            if value == "":
                reasons.append(f"{where}: empty")
            elif np.isnan(numbers[p]):
                reasons.append(f"{where}: {value!r} is not a number")
            else:
                reasons.append(f"{where}: {value!r} is not finite")
        more = ", ..." if len(bad) > MAX_EXAMPLES else ""
        raise InvalidPredictions(
            f"column {col!r}: {_count(len(bad), 'value')} not a finite number: {', '.join(reasons)}{more}"
        )
    if reading.integer_classes and kind == LabelKind.INTEGER:
        fractional = np.flatnonzero(numbers != np.round(numbers))
        if len(fractional):
            raise InvalidPredictions(
                f"column {col!r}: {_count(len(fractional), 'value')} not an integer: "
                f"{_where(frame, id_col, fractional, raw)}; "
                "the labels are integer classes, so predict one of them"
            )
        return np.asarray(numbers.astype(np.int64))
    if reading.value_range is not None:
        low, high = reading.value_range
        outside = np.flatnonzero((numbers < low) | (numbers > high))
        if len(outside):
            raise InvalidPredictions(
                f"column {col!r}: {_count(len(outside), 'value')} outside [{low:g}, {high:g}]: "
                f"{_where(frame, id_col, outside, raw)}; {reading.name} expects probabilities"
            )
    return np.asarray(numbers)


def _check_row_sums(frame: pd.DataFrame, labels: Labels, values: np.ndarray, reading: Reading) -> None:
    bad = _bad_row_sums(values, reading)
    if len(bad):
        sums = values[bad[:MAX_EXAMPLES]].sum(axis=1)
        shown = ", ".join(
            f"line {p + 2} (id {frame[labels.id_column].iat[p]!r}) sums to {total:.6g}"
            for p, total in zip(bad[:MAX_EXAMPLES], sums, strict=True)
        )
        more = ", ..." if len(bad) > MAX_EXAMPLES else ""
        raise InvalidPredictions(
            f"{reading.name} reads the columns {', '.join(labels.target_columns)} as the probabilities "
            f"of each class, so every row must sum to 1 (within {ROW_SUM_TOLERANCE:g}); "
            f"{_count(len(bad), 'row')} not: {shown}{more}"
        )


def _bad_row_sums(values: np.ndarray, reading: Reading) -> np.ndarray:
    if not reading.multiclass or values.shape[1] < 2:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.abs(values.sum(axis=1) - 1.0) > ROW_SUM_TOLERANCE)


def parse_predictions(data: bytes, labels: Labels, how: Reading | Metric) -> np.ndarray:
    """Validate the predictions; return their values aligned row by row with ``labels``."""
    reading = _reading(how)
    expected = [labels.id_column, *labels.target_columns]
    _check_columns(read_header(data, "predictions", expected, InvalidPredictions), labels)
    try:
        columns = columnar.predictions(
            data,
            labels.id_column,
            labels.target_columns,
            labels.kinds,
            labels.ids,
            text_classes=not reading.numeric_labels,
            integer_classes=reading.integer_classes,
            value_range=reading.value_range,
        )
        values = _stack(columns)
        if len(_bad_row_sums(values, reading)):
            raise Defer
        return values
    except Defer:
        return _parse_predictions_detailed(data, labels, reading)


def _parse_predictions_detailed(data: bytes, labels: Labels, reading: Reading) -> np.ndarray:
    frame = read_csv(data, "predictions", [labels.id_column, *labels.target_columns], InvalidPredictions)
    _check_columns(list(frame.columns), labels)
    _check_ids(frame, labels)
    columns = [
        _column_values(frame, col, labels, kind, reading)
        for col, kind in zip(labels.target_columns, labels.kinds, strict=True)
    ]
    values = _stack(columns)
    _check_row_sums(frame, labels, values, reading)
    # ids are exactly the label ids (checked above), so this is a permutation
    order = pd.Index(frame[labels.id_column]).get_indexer(labels.id_series())
    return np.asarray(values[order])
