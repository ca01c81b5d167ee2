"""The fast path of validation: read a labels or predictions file with pyarrow.

Sits under ``validation``. A valid file (the common case, and the one that must be
fast at millions of rows) is parsed straight into typed Arrow columns, checked with
vectorised kernels and aligned by id without ever turning a cell into a Python object.
This path never words a problem: at the first doubt it raises ``Defer``, and
``validation`` re-reads the file on its detailed path, which finds the problem and
says where it is. Whatever the detailed path accepts, it scores identically, so a
deferral costs time, never a different result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

USAGE_VALUES = ("Public", "Private")


class Defer(Exception):
    """Something is off; the detailed path will find and word it."""


class ColumnKind:
    INTEGER = "integer"
    NUMBER = "number"
    TEXT = "text"


@dataclass(frozen=True)
class ColumnarLabels:
    ids: pa.Array  # trimmed text
    values: list[np.ndarray]  # one per target column
    kinds: tuple[str, ...]
    public: np.ndarray  # bool per row
    private: np.ndarray


def read_table(data: bytes, columns: dict[str, pa.DataType | None]) -> pa.Table:
    """Read only ``columns`` (typed where a type is given, inferred otherwise)."""
    convert = pacsv.ConvertOptions(
        column_types={name: t for name, t in columns.items() if t is not None},
        include_columns=list(columns),
        null_values=[""],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        true_values=[],  # no bool inference: "True"/"False" classes stay text
        false_values=[],
    )
    try:
        return pacsv.read_csv(pa.py_buffer(data), convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise Defer from None


def _text(column: pa.ChunkedArray) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(column.combine_chunks())
    if len(trimmed) and pc.min(pc.binary_length(trimmed)).as_py() == 0:
        raise Defer
    return trimmed


def _same_text(a: pa.Array, b: pa.Array) -> bool:
    """Element-wise equal string arrays, compared as raw buffers (memcmp speed)."""
    if len(a) != len(b) or a.null_count or b.null_count:
        return False
    a_offsets, b_offsets = (_buffer(x, 1, np.int32)[x.offset : x.offset + len(x) + 1] for x in (a, b))
    a_start, b_start = int(a_offsets[0]), int(b_offsets[0])
    if not np.array_equal(a_offsets - a_start, b_offsets - b_start):
        return False
    size = int(a_offsets[-1]) - a_start
    a_data, b_data = _buffer(a, 2, np.uint8), _buffer(b, 2, np.uint8)
    return bool(np.array_equal(a_data[a_start : a_start + size], b_data[b_start : b_start + size]))


def _buffer(array: pa.Array, index: int, dtype: type[np.generic]) -> np.ndarray:
    buffer = array.buffers()[index]
    return np.frombuffer(buffer, dtype=dtype) if buffer is not None else np.zeros(1, dtype=dtype)


def _unique(ids: pa.Array) -> bool:
    return len(pc.unique(ids)) == len(ids)


def compact_integers(values: np.ndarray) -> np.ndarray:
    """Integer classes in the smallest integer type that holds them: scikit-learn's
    checks (``np.unique`` on the labels, several times per metric) run several times
    faster on ``int8`` than on ``int64`` for the usual 0/1 or few-class labels."""
    if len(values) == 0:
        return values.astype(np.int64)
    low, high = values.min(), values.max()
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype)
    return values.astype(np.int64)


def _finite(column: pa.ChunkedArray) -> np.ndarray:
    if column.null_count:
        raise Defer
    values = column.to_numpy()
    if not np.isfinite(values).all():
        raise Defer
    return np.asarray(values, dtype=float)


def labels(
    data: bytes, id_column: str, targets: Sequence[str], has_usage: bool, numeric: bool
) -> ColumnarLabels:
    """``numeric``: the metric needs numbers (text classes are for label metrics only)."""
    wanted: dict[str, pa.DataType | None] = {id_column: pa.string(), **{c: None for c in targets}}
    if has_usage:
        wanted["Usage"] = pa.string()
    table = read_table(data, wanted)
    if table.num_rows == 0:
        raise Defer
    ids = _text(table[id_column])
    if not _unique(ids):
        raise Defer
    if has_usage:
        usage = pc.utf8_trim_whitespace(table["Usage"].combine_chunks())
        public = pc.equal(usage, USAGE_VALUES[0]).to_numpy(zero_copy_only=False)
        private = pc.equal(usage, USAGE_VALUES[1]).to_numpy(zero_copy_only=False)
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
            values.append(compact_integers(column.to_numpy()))
            kinds.append(ColumnKind.INTEGER)
        elif pa.types.is_floating(column.type):
            floats = _finite(column)
            integral = bool((floats == np.round(floats)).all())
            values.append(compact_integers(floats) if integral else floats)
            kinds.append(ColumnKind.INTEGER if integral else ColumnKind.NUMBER)
        elif pa.types.is_string(column.type) and not numeric:
            values.append(np.asarray(_text(column).to_numpy(zero_copy_only=False), dtype=object))
            kinds.append(ColumnKind.TEXT)
        else:
            raise Defer
    return ColumnarLabels(ids=ids, values=values, kinds=tuple(kinds), public=public, private=private)


def predictions(
    data: bytes,
    id_column: str,
    targets: Sequence[str],
    kinds: Sequence[str],
    label_ids: pa.Array,
    as_labels: bool,
    value_range: tuple[float, float] | None,
) -> list[np.ndarray]:
    """The predicted columns in the order of ``label_ids``; ``as_labels``: a label metric."""
    text = [as_labels and kind == ColumnKind.TEXT for kind in kinds]
    wanted: dict[str, pa.DataType | None] = {id_column: pa.string()}
    wanted.update({c: pa.string() if t else pa.float64() for c, t in zip(targets, text, strict=True)})
    table = read_table(data, wanted)
    if table.num_rows != len(label_ids):
        raise Defer
    ids = pc.utf8_trim_whitespace(table[id_column].combine_chunks())
    order: pa.Array | None = None
    # most files list the ids in the test set's order: then no hashing is needed at all
    if not _same_text(ids, label_ids):
        if not _unique(ids):
            raise Defer
        # the same number of distinct ids and every label id found: the sets are equal
        order = pc.index_in(label_ids, value_set=ids)
        if order.null_count:
            raise Defer
    positions = None if order is None else order.to_numpy()
    columns: list[np.ndarray] = []
    for col, is_text, kind in zip(targets, text, kinds, strict=True):
        if is_text:
            texts = _text(table[col])
            texts = texts if order is None else texts.take(order)
            columns.append(np.asarray(texts.to_numpy(zero_copy_only=False), dtype=object))
            continue
        values = _finite(table[col])
        values = values if positions is None else values[positions]
        if as_labels and kind == ColumnKind.INTEGER:
            if not (values == np.round(values)).all():
                raise Defer
            values = values.astype(np.int64)
        elif value_range is not None and ((values < value_range[0]) | (values > value_range[1])).any():
            raise Defer
        columns.append(values)
    return columns
