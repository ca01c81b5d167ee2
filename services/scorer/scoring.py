"""Scoring one run: parse the labels, validate the predictions, compute every board column
that has a registry metric (``shared.events.board_columns``) on the public rows and on the
private rows.

Pure and CPU-bound: the consumer calls ``score`` in a worker thread. A rescoring parses
the labels once (``prepare``) and scores every submission against them (``score_prepared``).
The columns a stage's scoring program computes are left to ``programs``; their values
join the others with ``with_program``.

The ranking (first) column decides how the predictions are read and checked
(``validation.Reading``), as the single metric always did; a label metric at a
``threshold`` reads probabilities and turns them into 0/1 classes before it compares them
with 0/1 labels. A spec that cannot be scored as written (an unknown metric, a threshold
on a metric that does not compare classes, a program's column with no program) is the
platform's problem (``SpecProblem``), never the participant's.
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
    Reading,
    ScoringProblem,
    check_labels,
    parse_labels,
    parse_predictions,
)
from shared.events import ScoringSpec, board_columns
from shared.metrics_catalog import PredictionKind

log = structlog.get_logger(__name__)


class MetricFailed(ScoringProblem):
    """The metric could not be computed on valid inputs (e.g. one class in the labels)."""


class SpecProblem(MetricFailed):
    """The scoring spec cannot be scored as written (the gateway refuses such a spec, so
    meeting one here is the platform's fault)."""


@dataclass(frozen=True)
class Column:
    """A board column as the scorer computes it; ``metric`` None: the program's."""

    key: str
    metric: Metric | None
    threshold: float | None
    higher_is_better: bool


@dataclass(frozen=True)
class Scores:
    """Every computed column by key, public and private (``private`` None: no private rows)."""

    metric: str  # the ranking column's key
    higher_is_better: bool
    public: dict[str, float]
    private: dict[str, float] | None
    public_rows: int
    private_rows: int

    @property
    def public_score(self) -> float:
        return self.public[self.metric]

    @property
    def private_score(self) -> float | None:
        return None if self.private is None else self.private[self.metric]

    # the other columns: one that could not be computed on these predictions is left out
    @property
    def public_extra(self) -> dict[str, float]:
        return {k: v for k, v in self.public.items() if k != self.metric}

    @property
    def private_extra(self) -> dict[str, float]:
        return {k: v for k, v in (self.private or {}).items() if k != self.metric}


@dataclass(frozen=True)
class Prepared:
    """A competition's labels parsed for one scoring spec (reusable across submissions)."""

    spec: ScoringSpec
    columns: list[Column]
    labels: Labels
    reading: Reading = field(repr=False)

    @property
    def program_keys(self) -> list[str]:
        return [c.key for c in self.columns if c.metric is None]


def columns_of(spec: ScoringSpec) -> list[Column]:
    """The spec's board columns, checked; raise ``SpecProblem`` for one that cannot be scored."""
    columns: list[Column] = []
    for c in board_columns(spec):
        if any(c.key == seen.key for seen in columns):
            raise SpecProblem(f"the scoring spec names the column {c.key!r} twice")
        metric = None
        if c.metric is None:
            if spec.program is None:
                raise SpecProblem(
                    f"the column {c.key!r} has no metric and the stage has no scoring program to compute it"
                )
            if c.threshold is not None:
                raise SpecProblem(f"the column {c.key!r} has a threshold but no metric to apply it to")
        else:
            try:
                metric = get_metric(c.metric)
            except UnknownMetric as exc:
                if columns and not spec.columns:
                    # an old spec's extra display metric: left off the boards, as it always was
                    log.warning("scoring.column_skipped", column=c.key, error=str(exc))
                    continue
                raise SpecProblem(f"the column {c.key!r}: {exc}") from None
            if c.threshold is not None and metric.kind is not PredictionKind.LABEL:
                raise SpecProblem(
                    f"the column {c.key!r} sets a threshold for {metric.name}, which does not compare "
                    "classes; a threshold turns probabilities into 0/1 classes for a label metric "
                    "(accuracy, F1, balanced accuracy, ...)"
                )
        columns.append(Column(c.key, metric, c.threshold, c.higher_is_better))
    if not columns:
        raise SpecProblem("the scoring spec has no columns")
    return columns


def _reading(column: Column) -> Reading:
    if column.metric is None:
        return Reading.program()
    if column.threshold is not None:
        return Reading.thresholded(column.metric, column.threshold)
    return Reading.of(column.metric)


def _compute(column: Column, y_true: np.ndarray, y_pred: np.ndarray, part: str) -> float:
    metric = column.metric
    assert metric is not None
    if column.threshold is not None:
        y_pred = (y_pred >= column.threshold).astype(np.int64)
    if y_true.shape[1] == 1:
        y_true, y_pred = y_true[:, 0], y_pred[:, 0]
    try:
        value = metric.compute(y_true, y_pred)
    except ValueError as exc:
        raise MetricFailed(f"{column.key} could not be computed on the {part} rows: {exc}") from None
    if not math.isfinite(value):
        raise MetricFailed(f"{column.key} on the {part} rows is {value}, not a finite score")
    return value


def _part(columns: list[Column], y_true: np.ndarray, y_pred: np.ndarray, part: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for rank, column in enumerate(columns):
        if column.metric is None:
            continue
        if rank == 0:
            values[column.key] = _compute(column, y_true, y_pred, part)
            continue
        try:
            values[column.key] = _compute(column, y_true, y_pred, part)
        except (MetricFailed, TypeError) as exc:
            # e.g. accuracy on probabilities: the host chose a column these predictions cannot fill
            log.warning("scoring.column_skipped", column=column.key, part=part, error=str(exc))
    return values


def prepare(labels: bytes, spec: ScoringSpec) -> Prepared:
    columns = columns_of(spec)
    reading = _reading(columns[0])
    parsed = parse_labels(labels, spec.id_column, spec.target_columns, reading)
    if not parsed.public.any():
        raise InvalidLabels("the labels file has no Public rows, so there is no public score")
    for column in columns[1:]:
        # a threshold makes 0/1 classes, meaningless against other labels: refused once, here
        if column.threshold is not None:
            scorable = _reading(column).scorable
            assert scorable is not None
            check_labels(parsed, scorable)
    return Prepared(spec, columns, parsed, reading)


def score_prepared(predictions: bytes, prepared: Prepared) -> Scores:
    """Raise ``InvalidPredictions`` (participant's fault) or another ``ScoringProblem``.

    With a scoring program the result lacks the program's columns: see ``with_program``."""
    parsed, columns = prepared.labels, prepared.columns
    y_pred = parse_predictions(predictions, parsed, prepared.reading)
    public, private = parsed.public, parsed.private
    public_scores = _part(columns, parsed.values[public], y_pred[public], "public")
    private_scores = None
    if private.any():
        private_scores = _part(columns, parsed.values[private], y_pred[private], "private")
    return Scores(
        metric=columns[0].key,
        higher_is_better=columns[0].higher_is_better,
        public=public_scores,
        private=private_scores,
        public_rows=int(public.sum()),
        private_rows=int(private.sum()),
    )


def with_program(
    scores: Scores, prepared: Prepared, public: dict[str, float], private: dict[str, float]
) -> Scores:
    """``scores`` with the program's columns added, every column in board order."""

    def merged(computed: dict[str, float], program: dict[str, float]) -> dict[str, float]:
        both = {**computed, **program}
        return {c.key: both[c.key] for c in prepared.columns if c.key in both}

    return Scores(
        metric=scores.metric,
        higher_is_better=scores.higher_is_better,
        public=merged(scores.public, public),
        private=None if scores.private is None else merged(scores.private, private),
        public_rows=scores.public_rows,
        private_rows=scores.private_rows,
    )


def score(predictions: bytes, labels: bytes, spec: ScoringSpec) -> Scores:
    """Raise ``InvalidPredictions`` (participant's fault) or another ``ScoringProblem``.

    The registry's columns only: ``holdout test`` and the benchmarks run no program."""
    return score_prepared(predictions, prepare(labels, spec))
