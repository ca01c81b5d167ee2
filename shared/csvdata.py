"""Reading the CSV files Holdout scores: hidden labels and predictions.

Plumbing under ``shared.labels`` (the labels format, used by the gateway at upload and
the scorer at scoring) and the scorer's predictions validation. Two ways to read:

- the fast path (pyarrow): typed Arrow columns, checked with vectorised kernels. It
  never words a problem: at the first doubt it raises ``Defer``;
- the detailed path (pandas, every cell as stripped text): slower, but it finds the
  problem and says where it is, quoting values as they appear in the file.

Line numbers count the header as line 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

MAX_EXAMPLES = 5

if TYPE_CHECKING:  # pandas costs half a second to import: only where a file is parsed
    import pandas as pd


class CsvProblem(Exception):
    """A file cannot be used; ``detail`` says why, where, and what was expected."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Defer(Exception):
    """The fast path has a doubt; the detailed path will find and word it."""


class ColumnKind:
    INTEGER = "integer"
    NUMBER = "number"
    TEXT = "text"


# what a file that is not CSV text starts with, and what to tell its author
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (
        b"PK\x03\x04",
        "is a ZIP archive (an Excel .xlsx workbook, or a zipped file?); export it as a plain CSV",
    ),
    (b"\xd0\xcf\x11\xe0", "is an Excel .xls workbook; export it as a plain CSV"),
    (b"\x1f\x8b", "is gzip-compressed; write it uncompressed"),
    (b"PAR1", "is a Parquet file; write it as CSV (for pandas: DataFrame.to_csv(path, index=False))"),
    (b"\xff\xfe", "is UTF-16 text; save it as UTF-8"),
    (b"\xfe\xff", "is UTF-16 text; save it as UTF-8"),
)


# --- wording ----------------------------------------------------------------------------


def examples(values: Iterable[object], limit: int = MAX_EXAMPLES, *, quote: bool = True) -> str:
    """The first few values, quoted as they appear in the file, then "..." if there are more."""
    shown = []
    for i, v in enumerate(values):
        if i == limit:
            shown.append("...")
            break
        shown.append(repr(v) if quote and isinstance(v, str) else str(v))
    return ", ".join(shown)


def plural(n: int, one: str) -> str:
    return f"{n} {one if n == 1 else one + 's'}"


def count(n: int, one: str, verb_one: str = "is", verb_many: str = "are") -> str:
    """``1 id is`` / ``3 ids are`` (or other verbs)."""
    return f"{plural(n, one)} {verb_one if n == 1 else verb_many}"


def where(frame: pd.DataFrame, id_column: str, positions: np.ndarray, raw: pd.Series | None = None) -> str:
    """``line 4 (id '17'): 'abc', ...`` for the first few of ``positions`` (0-based data rows)."""
    refs = []
    for p in positions[:MAX_EXAMPLES]:
        ref = f"line {p + 2} (id {frame[id_column].iat[p]!r})"
        refs.append(ref if raw is None else f"{ref}: {raw.iat[p]!r}")
    if len(positions) > MAX_EXAMPLES:
        refs.append("...")
    return ", ".join(refs)


def _undecodable(what: str, exc: UnicodeDecodeError, base: int = 0) -> str:
    return (
        f"the {what} file is not UTF-8 text (undecodable byte at offset {base + exc.start}); "
        "save it as a UTF-8 CSV"
    )


# --- the detailed path ------------------------------------------------------------------


def read_header(data: bytes, what: str, expected: Sequence[str], error: type[CsvProblem]) -> list[str]:
    """The header's column names, after the checks that need only the file's start."""
    # only a file that starts blank can be all blank: don't copy a big file to find out
    if not data[:4096].strip() and not data.strip():
        wanted = ",".join(expected)
        raise error(f"the {what} file is empty; expected a CSV with the header {wanted} and one row per id")
    for signature, why in _SIGNATURES:
        if data.startswith(signature):
            raise error(f"the {what} file {why}")
    if b"\x00" in data[:65536]:
        raise error(f"the {what} file is not a CSV text file (it contains NUL bytes: is it binary?)")
    end = data.find(b"\n")
    try:
        first_line = data[: end if end >= 0 else len(data)].decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise error(_undecodable(what, exc)) from None
    header = [h.strip() for h in next(csv.reader([first_line]), [])]
    seen: set[str] = set()
    repeated = [h for h in header if h in seen or seen.add(h)]  # type: ignore[func-returns-value]
    if repeated:
        raise error(f"the {what} file has repeated columns in its header: {examples(repeated)}")
    return header


def read_csv(data: bytes, what: str, expected: Sequence[str], error: type[CsvProblem]) -> pd.DataFrame:
    """Parse CSV bytes (UTF-8, optional BOM, LF or CRLF) with every cell as stripped text."""
    import pandas as pd

    wanted = ",".join(expected)
    read_header(data, what, expected, error)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(_undecodable(what, exc)) from None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.ParserError as exc:
        raise error(f"the {what} file is not a valid CSV: {str(exc).strip()}") from None
    except pd.errors.EmptyDataError:
        raise error(f"the {what} file has no header; expected the header {wanted}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def classify(series: pd.Series) -> str:
    """The kind of a column of stripped text: integers, other numbers, or text."""
    import pandas as pd

    numbers = pd.to_numeric(series, errors="coerce")
    if not np.isfinite(numbers.to_numpy(dtype=float)).all():
        return ColumnKind.TEXT
    if (numbers == np.round(numbers)).all():
        return ColumnKind.INTEGER
    return ColumnKind.NUMBER


# --- the fast path ----------------------------------------------------------------------


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


def trim(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The text without surrounding whitespace (Arrow's, Unicode's included)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    # trimming copies every string; most files have no cell to trim, which two byte
    # gathers show (a cell that starts or ends with anything but visible ASCII is trimmed)
    if array.null_count == 0 and len(array):
        data, offsets = _text_buffers(array)
        lengths = np.diff(offsets)
        if lengths.min() > 0:
            # visible ASCII is 0x21..0x7E: an unsigned byte minus 0x21 below 0x5E
            first, last = data[offsets[:-1]] - 0x21, data[offsets[1:] - 1] - 0x21
            if ((first < 0x5E) & (last < 0x5E)).all():
                return array
    return pc.utf8_trim_whitespace(array)


def text(column: pa.ChunkedArray) -> pa.Array:
    """Trimmed text; an empty cell defers."""
    trimmed = trim(column)
    if len(trimmed) and pc.min(pc.binary_length(trimmed)).as_py() == 0:
        raise Defer
    return trimmed


def unique(ids: pa.Array) -> bool:
    """No value repeated. Millions of ids are hashed with numpy and the hashes sorted
    (several times faster than Arrow's hash table of the strings); only a repeated hash,
    a repeated id or a collision, asks Arrow for the exact answer."""
    if len(ids) < 2:
        return True
    if ids.null_count or not pa.types.is_string(ids.type):
        return len(pc.unique(ids)) == len(ids)
    hashes = np.sort(_hash64(ids))
    if not (hashes[1:] == hashes[:-1]).any():
        return True
    return len(pc.unique(ids)) == len(ids)


def _text_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string array's bytes and its ``len + 1`` offsets into them (int64)."""
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    return data, offsets.astype(np.int64)


_K = np.uint64(0x9E3779B97F4A7C15)
# _LOW[k]: the low k bytes of a word
_LOW = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def _hash64(array: pa.Array) -> np.ndarray:
    """A 64-bit hash of every string, read 8 bytes at a time from the shared buffer."""
    data, offsets = _text_buffers(array)
    starts, lengths = offsets[:-1], np.diff(offsets)
    longest = int(lengths.max())
    # a copy with room past the end: a string shorter than the word being read reads on
    # (into the next strings or the padding), and the mask below drops those bytes
    padded = np.zeros(len(data) + longest + 8, dtype=np.uint8)
    padded[: len(data)] = data
    # element i: the 8 bytes from byte i (an unaligned view, one gather per word)
    words = np.ndarray((len(data) + longest,), dtype="<u8", buffer=padded, strides=(1,))
    hashes = lengths.astype(np.uint64) * _K
    for j in range(0, longest, 8):
        word = words[starts + j]
        word &= _LOW[np.minimum(np.maximum(lengths - j, 0), 8)]
        hashes ^= word
        hashes *= _K
        hashes ^= hashes >> np.uint64(29)
    return hashes


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


def finite(column: pa.ChunkedArray) -> np.ndarray:
    """The column as floats; a null or a non-finite value defers."""
    if column.null_count:
        raise Defer
    values = column.to_numpy()
    if not np.isfinite(values).all():
        raise Defer
    return np.asarray(values, dtype=float)


def stack(columns: list[np.ndarray]) -> np.ndarray:
    """One ``(rows, columns)`` array from per-column arrays."""
    return np.column_stack(columns) if len(columns) > 1 else columns[0].reshape(-1, 1)
