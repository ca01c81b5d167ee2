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

from collections.abc import Sequence

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
from shared.metrics_catalog import PredictionKind

__all__ = [
    "InvalidLabels",
    "InvalidPredictions",
    "Labels",
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


def parse_labels(data: bytes, id_column: str, target_columns: Sequence[str], metric: Metric) -> Labels:
    """The labels, parsed and checked by the one labels parser (``shared.labels``)."""
    try:
        parsed = labels_format.parse(
            data, id_column, target_columns, numeric=metric.kind != PredictionKind.LABEL
        )
        labels_format.check_scorable(parsed, CATALOG[metric.name])
    except labels_format.LabelsInvalid as exc:
        raise InvalidLabels(exc.detail) from None
    return parsed


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


def _column_values(frame: pd.DataFrame, col: str, labels: Labels, kind: str, metric: Metric) -> np.ndarray:
    """Convert one predicted column to what the metric compares, or say which rows are bad."""
    raw = frame[col]
    id_col = labels.id_column
    if metric.kind is PredictionKind.LABEL and kind == LabelKind.TEXT:
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
    if metric.kind is PredictionKind.LABEL and kind == LabelKind.INTEGER:
        fractional = np.flatnonzero(numbers != np.round(numbers))
        if len(fractional):
            raise InvalidPredictions(
                f"column {col!r}: {_count(len(fractional), 'value')} not an integer: "
                f"{_where(frame, id_col, fractional, raw)}; "
                "the labels are integer classes, so predict one of them"
            )
        return np.asarray(numbers.astype(np.int64))
    if metric.value_range is not None:
        low, high = metric.value_range
        outside = np.flatnonzero((numbers < low) | (numbers > high))
        if len(outside):
            raise InvalidPredictions(
                f"column {col!r}: {_count(len(outside), 'value')} outside [{low:g}, {high:g}]: "
                f"{_where(frame, id_col, outside, raw)}; {metric.name} expects probabilities"
            )
    return np.asarray(numbers)


def _check_row_sums(frame: pd.DataFrame, labels: Labels, values: np.ndarray, metric: Metric) -> None:
    bad = _bad_row_sums(values, metric)
    if len(bad):
        sums = values[bad[:MAX_EXAMPLES]].sum(axis=1)
        shown = ", ".join(
            f"line {p + 2} (id {frame[labels.id_column].iat[p]!r}) sums to {total:.6g}"
            for p, total in zip(bad[:MAX_EXAMPLES], sums, strict=True)
        )
        more = ", ..." if len(bad) > MAX_EXAMPLES else ""
        raise InvalidPredictions(
            f"{metric.name} reads the columns {', '.join(labels.target_columns)} as the probabilities "
            f"of each class, so every row must sum to 1 (within {ROW_SUM_TOLERANCE:g}); "
            f"{_count(len(bad), 'row')} not: {shown}{more}"
        )


def _bad_row_sums(values: np.ndarray, metric: Metric) -> np.ndarray:
    if not metric.multiclass or values.shape[1] < 2:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.abs(values.sum(axis=1) - 1.0) > ROW_SUM_TOLERANCE)


def parse_predictions(data: bytes, labels: Labels, metric: Metric) -> np.ndarray:
    """Validate the predictions; return their values aligned row by row with ``labels``."""
    expected = [labels.id_column, *labels.target_columns]
    _check_columns(read_header(data, "predictions", expected, InvalidPredictions), labels)
    try:
        columns = columnar.predictions(
            data,
            labels.id_column,
            labels.target_columns,
            labels.kinds,
            labels.ids,
            as_labels=metric.kind == PredictionKind.LABEL,
            value_range=metric.value_range,
        )
        values = _stack(columns)
        if len(_bad_row_sums(values, metric)):
            raise Defer
        return values
    except Defer:
        return _parse_predictions_detailed(data, labels, metric)


def _parse_predictions_detailed(data: bytes, labels: Labels, metric: Metric) -> np.ndarray:
    frame = read_csv(data, "predictions", [labels.id_column, *labels.target_columns], InvalidPredictions)
    _check_columns(list(frame.columns), labels)
    _check_ids(frame, labels)
    columns = [
        _column_values(frame, col, labels, kind, metric)
        for col, kind in zip(labels.target_columns, labels.kinds, strict=True)
    ]
    values = _stack(columns)
    _check_row_sums(frame, labels, values, metric)
    # ids are exactly the label ids (checked above), so this is a permutation
    order = pd.Index(frame[labels.id_column]).get_indexer(labels.id_series())
    return np.asarray(values[order])
