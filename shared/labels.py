"""The hidden-labels file (a Kaggle-style solution file): its format and its one parser.

A contract between the gateway, which checks a host's labels at upload (and refuses
what could not be scored), and the scorer, which parses them to score every run.
Both call ``parse`` and ``check_scorable``, so a file the gateway accepted is one the
scorer can score.

The format: a CSV with a header naming the id column, every target column and
``Usage``, whose values are ``Public`` or ``Private`` (which board a row counts for);
other columns are ignored. Ids are unique and non-empty. At least one row is public.
A smoke sample's labels may leave ``Usage`` out: every row is then public.

What the target values must be depends on the metric (``metrics_catalog.LabelKind``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shared import csvdata
from shared.csvdata import ColumnKind, CsvProblem, Defer, count, examples, plural
from shared.metrics_catalog import LabelKind, MetricInfo, PredictionKind

USAGE_COLUMN = "Usage"
PUBLIC = "Public"
PRIVATE = "Private"
USAGE_VALUES = (PUBLIC, PRIVATE)

if TYPE_CHECKING:  # pandas costs half a second to import: only where a file is parsed
    import pandas as pd


class LabelsInvalid(CsvProblem):
    """The labels file cannot be used (the host's to fix)."""


@dataclass(frozen=True)
class Labels:
    """A parsed labels file: ids in file order, target values, the public/private split."""

    id_column: str
    target_columns: tuple[str, ...]
    ids: pa.Array  # text, trimmed, in file order
    values: np.ndarray  # (rows, targets)
    public: np.ndarray  # bool per row
    private: np.ndarray  # bool per row
    kinds: tuple[str, ...]  # one ColumnKind per target column

    @property
    def rows(self) -> int:
        return len(self.ids)

    def id_series(self) -> pd.Series:
        import pandas as pd

        return pd.Series(self.ids.to_pylist(), dtype=object)


def parse(
    data: bytes,
    id_column: str,
    target_columns: Sequence[str],
    *,
    numeric: bool,
    usage_required: bool = False,
) -> Labels:
    """Parse and check a labels file, or raise ``LabelsInvalid`` saying what is wrong.

    ``numeric``: the metric needs numbers (text classes are for label metrics only).
    ``usage_required``: refuse a file without ``Usage`` (the test labels need it).
    """
    targets = tuple(target_columns)
    expected = [id_column, *targets, USAGE_COLUMN]
    header = csvdata.read_header(data, "labels", expected, LabelsInvalid)
    wanted = expected if usage_required else expected[:-1]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise LabelsInvalid(
            f"the labels header lacks {examples(missing)}; expected the columns "
            f"{', '.join(wanted)} (found {examples(header, 50)})"
        )
    try:
        parsed = _fast(data, id_column, targets, USAGE_COLUMN in header, numeric)
    except Defer:
        parsed = _detailed(data, id_column, targets, numeric)
    if not parsed.public.any():
        raise LabelsInvalid(
            f"no row has {USAGE_COLUMN} {PUBLIC!r}; the public leaderboard needs at least one"
        )
    return parsed


def _fast(data: bytes, id_column: str, targets: tuple[str, ...], has_usage: bool, numeric: bool) -> Labels:
    wanted: dict[str, pa.DataType | None] = {id_column: pa.string(), **{c: None for c in targets}}
    if has_usage:
        wanted[USAGE_COLUMN] = pa.string()
    table = csvdata.read_table(data, wanted)
    if table.num_rows == 0:
        raise Defer
    ids = csvdata.text(table[id_column])
    if not csvdata.unique(ids):
        raise Defer
    if has_usage:
        usage = csvdata.trim(table[USAGE_COLUMN])
        public = pc.equal(usage, PUBLIC).to_numpy(zero_copy_only=False)
        private = pc.equal(usage, PRIVATE).to_numpy(zero_copy_only=False)
        if not (public | private).all():
            raise Defer
    else:
        public = np.ones(table.num_rows, dtype=bool)
        private = np.zeros(table.num_rows, dtype=bool)
    values: list[np.ndarray] = []
    kinds: list[str] = []
    for col in targets:
        column = table[col]
        if pa.types.is_integer(column.type) and not column.null_count:
            values.append(csvdata.compact_integers(column.to_numpy()))
            kinds.append(ColumnKind.INTEGER)
        elif pa.types.is_floating(column.type):
            floats = csvdata.finite(column)
            integral = bool((floats == np.round(floats)).all())
            values.append(csvdata.compact_integers(floats) if integral else floats)
            kinds.append(ColumnKind.INTEGER if integral else ColumnKind.NUMBER)
        elif pa.types.is_string(column.type) and not numeric:
            values.append(np.asarray(csvdata.text(column).to_numpy(zero_copy_only=False), dtype=object))
            kinds.append(ColumnKind.TEXT)
        else:
            raise Defer
    return Labels(
        id_column=id_column,
        target_columns=targets,
        ids=ids,
        values=csvdata.stack(values),
        public=public,
        private=private,
        kinds=tuple(kinds),
    )


def _detailed(data: bytes, id_column: str, targets: tuple[str, ...], numeric: bool) -> Labels:
    import pandas as pd

    frame = csvdata.read_csv(data, "labels", [id_column, *targets, USAGE_COLUMN], LabelsInvalid)
    if frame.empty:
        raise LabelsInvalid("the labels file has a header but no rows")
    ids = frame[id_column]
    empty = np.flatnonzero((ids == "").to_numpy())
    if len(empty):
        lines = examples((f"line {p + 2}" for p in empty), quote=False)
        raise LabelsInvalid(f"the labels file has {plural(len(empty), 'row')} with an empty id: {lines}")
    duplicated = ids[ids.duplicated()].unique()
    if len(duplicated):
        raise LabelsInvalid(
            f"the labels file repeats {plural(len(duplicated), 'id')}: {examples(duplicated)}"
        )
    if USAGE_COLUMN in frame.columns:
        usage = frame[USAGE_COLUMN].to_numpy(dtype=object)
        bad = np.flatnonzero(~np.isin(usage, USAGE_VALUES))
        if len(bad):
            raise LabelsInvalid(
                f"the labels file's {USAGE_COLUMN} column must be {PUBLIC} or {PRIVATE}; "
                f"{count(len(bad), 'row')} not: {csvdata.where(frame, id_column, bad, frame[USAGE_COLUMN])}"
            )
    else:
        # a labels file without Usage (a smoke sample) scores every row as public
        usage = np.full(len(frame), PUBLIC, dtype=object)

    kinds: list[str] = []
    columns: list[np.ndarray] = []
    for col in targets:
        series = frame[col]
        kind = csvdata.classify(series)
        if kind == ColumnKind.TEXT:
            empty = np.flatnonzero((series == "").to_numpy())
            if len(empty):
                raise LabelsInvalid(
                    f"the labels column {col!r} has empty values: {csvdata.where(frame, id_column, empty)}"
                )
            if numeric:
                text = np.flatnonzero(~np.isfinite(pd.to_numeric(series, errors="coerce").to_numpy(float)))
                raise LabelsInvalid(
                    f"the labels column {col!r} must hold numbers for this metric; "
                    f"{count(len(text), 'value')} not: {csvdata.where(frame, id_column, text, series)}"
                )
            columns.append(series.to_numpy(dtype=object))
        elif kind == ColumnKind.INTEGER:
            columns.append(csvdata.compact_integers(pd.to_numeric(series).to_numpy(dtype=np.int64)))
        else:
            columns.append(pd.to_numeric(series).to_numpy(dtype=float))
        kinds.append(kind)
    return Labels(
        id_column=id_column,
        target_columns=targets,
        ids=pa.array(ids.tolist(), type=pa.string()),
        values=csvdata.stack(columns),
        public=usage == PUBLIC,
        private=usage == PRIVATE,
        kinds=tuple(kinds),
    )


# --- what the metric can score ----------------------------------------------------------


def check_scorable(labels: Labels, metric: MetricInfo) -> None:
    """Refuse target values ``metric`` cannot score (``metrics_catalog.LabelKind``)."""
    multiclass = metric.multiclass and len(labels.target_columns) > 1
    for j, col in enumerate(labels.target_columns):
        values, kind = labels.values[:, j], labels.kinds[j]
        if metric.labels is LabelKind.CLASS and kind == ColumnKind.NUMBER:
            raise LabelsInvalid(
                f"the labels column {col!r} holds numbers that are not whole "
                f"(e.g. {_sample(values, values != np.round(values.astype(float)))}); "
                f"{metric.name} compares classes: give each row its class (an integer or a text "
                "label), not a probability or a measurement"
            )
        if metric.labels is LabelKind.BINARY and not (binary := _binary(values)).all():
            raise LabelsInvalid(
                f"the labels column {col!r} must hold 0 or 1 for {metric.name} "
                f"({'one column per class' if multiclass else 'binary: 1 is the positive class'}); "
                f"found {_sample(values, ~binary)}"
            )
        if metric.labels is LabelKind.NONZERO_REAL and (values == 0).any():
            raise LabelsInvalid(
                f"the labels column {col!r} holds 0 on {plural(int((values == 0).sum()), 'row')} "
                f"(e.g. id {_id_where(labels, values == 0)}); {metric.name} divides by the true "
                "value, so it cannot score a 0"
            )
    if multiclass:
        _check_one_hot(labels)
    if metric.needs_every_class:
        _check_every_class(labels, metric, multiclass)


def _binary(values: np.ndarray) -> np.ndarray:
    """Which values are 0 or 1 (two comparisons: ``np.isin`` sorts millions of rows)."""
    return np.asarray((values == 0) | (values == 1), dtype=bool)


def _sample(values: np.ndarray, mask: np.ndarray) -> str:
    return examples((v.item() if hasattr(v, "item") else v for v in values[mask]), limit=3)


def _id_where(labels: Labels, mask: np.ndarray) -> str:
    return repr(labels.ids[int(np.flatnonzero(mask)[0])].as_py())


def _check_one_hot(labels: Labels) -> None:
    """Several columns of a multi-class metric are the classes: one 1 per row, 0 elsewhere."""
    values = labels.values
    ok = _binary(values).all(axis=1) & (values.sum(axis=1) == 1)
    bad = np.flatnonzero(~ok)
    if len(bad):
        rows = ", ".join(f"id {labels.ids[int(p)].as_py()!r}" for p in bad[: csvdata.MAX_EXAMPLES])
        raise LabelsInvalid(
            f"the labels columns {', '.join(labels.target_columns)} are the classes of one "
            f"multi-class target, so each row must be one-hot (a single 1, the rest 0); "
            f"{count(len(bad), 'row')} not: {rows}"
        )


def _check_every_class(labels: Labels, metric: MetricInfo, multiclass: bool) -> None:
    """A ranking metric is undefined on a board whose rows all have one class."""
    for part, rows in ((PUBLIC, labels.public), (PRIVATE, labels.private)):
        if not rows.any():
            continue
        values = labels.values[rows]
        for j, col in enumerate(labels.target_columns):
            column = values[:, j]
            # a comparison per class: np.unique would sort the stage's millions of rows
            missing = [c for c in ((1,) if multiclass else (0, 1)) if not (column == c).any()]
            if missing:
                what = f"class {col!r}" if multiclass else f"the value {missing[0]} in column {col!r}"
                raise LabelsInvalid(
                    f"no {part} row has {what}; {metric.name} needs every class among the "
                    f"{part} rows (each board is scored on its own rows)"
                )


def is_numeric(metric: MetricInfo) -> bool:
    return metric.kind is not PredictionKind.LABEL
