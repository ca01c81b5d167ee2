"""The fast path of validation: read a predictions file with pyarrow.

Sits under ``validation`` (the labels' own fast path is in ``shared.labels``, on the
same primitives from ``shared.csvdata``). A valid file (the common case, and the one that must be
fast at millions of rows) is parsed straight into typed Arrow columns, checked with
vectorised kernels and aligned by id without ever turning a cell into a Python object.
This path never words a problem: at the first doubt it raises ``Defer``, and
``validation`` re-reads the file on its detailed path, which finds the problem and
says where it is. Whatever the detailed path accepts, it scores identically, so a
deferral costs time, never a different result.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shared.csvdata import ColumnKind, Defer, finite, read_table, trim, unique
from shared.csvdata import text as trimmed_text

__all__ = ["ColumnKind", "Defer", "predictions"]


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


def predictions(
    data: bytes,
    id_column: str,
    targets: Sequence[str],
    kinds: Sequence[str],
    label_ids: pa.Array,
    text_classes: bool,
    integer_classes: bool,
    value_range: tuple[float, float] | None,
) -> list[np.ndarray]:
    """The predicted columns in the order of ``label_ids``. ``text_classes``: a text labels
    column is predicted as text; ``integer_classes``: an integer one needs whole numbers."""
    text = [text_classes and kind == ColumnKind.TEXT for kind in kinds]
    wanted: dict[str, pa.DataType | None] = {id_column: pa.string()}
    wanted.update({c: pa.string() if t else pa.float64() for c, t in zip(targets, text, strict=True)})
    table = read_table(data, wanted)
    if table.num_rows != len(label_ids):
        raise Defer
    ids = trim(table[id_column])
    order: pa.Array | None = None
    # most files list the ids in the test set's order: then no hashing is needed at all
    if not _same_text(ids, label_ids):
        if not unique(ids):
            raise Defer
        # the same number of distinct ids and every label id found: the sets are equal
        order = pc.index_in(label_ids, value_set=ids)
        if order.null_count:
            raise Defer
    positions = None if order is None else order.to_numpy()
    columns: list[np.ndarray] = []
    for col, is_text, kind in zip(targets, text, kinds, strict=True):
        if is_text:
            texts = trimmed_text(table[col])
            texts = texts if order is None else texts.take(order)
            columns.append(np.asarray(texts.to_numpy(zero_copy_only=False), dtype=object))
            continue
        values = finite(table[col])
        values = values if positions is None else values[positions]
        if integer_classes and kind == ColumnKind.INTEGER:
            if not (values == np.round(values)).all():
                raise Defer
            values = values.astype(np.int64)
        elif value_range is not None and ((values < value_range[0]) | (values > value_range[1])).any():
            raise Defer
        columns.append(values)
    return columns
