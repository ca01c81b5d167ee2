"""Reading and checking a predictions file against the hidden labels.

Pure functions over bytes (no I/O, no database), called from ``scoring`` in a worker
thread. A file is first read on the fast path (``columnar``, pyarrow); when that path
has any doubt, the file is read again here, cell by cell as text, to find and word the
problem (or to accept what the fast path was too strict about).

Every problem a participant can cause raises ``InvalidPredictions`` with a detail that
says what was wrong, where (lines, ids, columns, a few examples) and what was expected.
A broken labels file is the host's problem, not the participant's: it raises
``InvalidLabels``, which the consumer reports as an internal error.

The detailed path reads every cell as text, so ids compare exactly as written and
each value's problem can be quoted back as it appears in the file. Line numbers count
the header as line 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from services.scorer import columnar
from services.scorer.metrics import ROW_SUM_TOLERANCE, Metric
from shared.metrics_catalog import PredictionKind

USAGE_COLUMN = "Usage"
USAGE_VALUES = ("Public", "Private")
MAX_EXAMPLES = 5


class ScoringProblem(Exception):
    """A submission could not be scored; ``detail`` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidPredictions(ScoringProblem):
    """The participant's predictions file is wrong (their fault)."""


class InvalidLabels(ScoringProblem):
    """The host's labels file is unusable (the platform's fault, not the participant's)."""


LabelKind = columnar.ColumnKind

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


@dataclass(frozen=True)
class Labels:
    """A parsed labels file: ids in file order, target values, the public/private split."""

    id_column: str
    target_columns: tuple[str, ...]
    ids: pa.Array  # text, trimmed, in file order
    values: np.ndarray  # (rows, targets)
    public: np.ndarray  # bool per row
    private: np.ndarray  # bool per row
    kinds: tuple[str, ...]  # one LabelKind per target column

    def id_series(self) -> pd.Series:
        return pd.Series(self.ids.to_pylist(), dtype=object)


def examples(values: Iterable[object], limit: int = MAX_EXAMPLES, *, quote: bool = True) -> str:
    """The first few values, quoted as they appear in the file, then "..." if there are more."""
    shown = []
    for i, v in enumerate(values):
        if i == limit:
            shown.append("...")
            break
        shown.append(repr(v) if quote and isinstance(v, str) else str(v))
    return ", ".join(shown)


def _plural(n: int, one: str) -> str:
    return f"{n} {one if n == 1 else one + 's'}"


def _count(n: int, one: str, verb_one: str = "is", verb_many: str = "are") -> str:
    """``1 id is`` / ``3 ids are`` (or other verbs)."""
    return f"{_plural(n, one)} {verb_one if n == 1 else verb_many}"


def _undecodable(what: str, exc: UnicodeDecodeError, base: int = 0) -> str:
    return (
        f"the {what} file is not UTF-8 text (undecodable byte at offset {base + exc.start}); "
        "save it as a UTF-8 CSV"
    )


def read_header(data: bytes, what: str, expected: Sequence[str], error: type[ScoringProblem]) -> list[str]:
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


def read_csv(data: bytes, what: str, expected: Sequence[str], error: type[ScoringProblem]) -> pd.DataFrame:
    """Parse CSV bytes (UTF-8, optional BOM, LF or CRLF) with every cell as stripped text."""
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


def _where(frame: pd.DataFrame, id_column: str, positions: np.ndarray, raw: pd.Series | None = None) -> str:
    """``line 4 (id '17'): 'abc', ...`` for the first few of ``positions`` (0-based data rows)."""
    refs = []
    for p in positions[:MAX_EXAMPLES]:
        ref = f"line {p + 2} (id {frame[id_column].iat[p]!r})"
        refs.append(ref if raw is None else f"{ref}: {raw.iat[p]!r}")
    if len(positions) > MAX_EXAMPLES:
        refs.append("...")
    return ", ".join(refs)


def _classify(series: pd.Series) -> str:
    numbers = pd.to_numeric(series, errors="coerce")
    if not np.isfinite(numbers.to_numpy(dtype=float)).all():
        return LabelKind.TEXT
    if (numbers == np.round(numbers)).all():
        return LabelKind.INTEGER
    return LabelKind.NUMBER


def parse_labels(data: bytes, id_column: str, target_columns: Sequence[str], metric: Metric) -> Labels:
    targets = tuple(target_columns)
    header = read_header(data, "labels", [id_column, *targets, USAGE_COLUMN], InvalidLabels)
    missing = [c for c in (id_column, *targets) if c not in header]
    if missing:
        raise InvalidLabels(
            f"the labels file lacks the columns {examples(missing)}; it has {examples(header, 50)}"
        )
    try:
        fast = columnar.labels(
            data, id_column, targets, USAGE_COLUMN in header, numeric=metric.kind != PredictionKind.LABEL
        )
    except columnar.Defer:
        parsed = _parse_labels_detailed(data, id_column, targets, metric)
    else:
        parsed = Labels(
            id_column=id_column,
            target_columns=targets,
            ids=fast.ids,
            values=_stack(fast.values),
            public=fast.public,
            private=fast.private,
            kinds=fast.kinds,
        )
    if metric.multiclass and len(targets) > 1:
        _check_one_hot(parsed)
    return parsed


def _stack(columns: list[np.ndarray]) -> np.ndarray:
    return np.column_stack(columns) if len(columns) > 1 else columns[0].reshape(-1, 1)


def _check_one_hot(labels: Labels) -> None:
    """Several columns of a multi-class metric are the classes: one 1 per row, 0 elsewhere."""
    values = labels.values
    ok = np.isin(values, (0, 1)).all(axis=1) & (values.sum(axis=1) == 1)
    bad = np.flatnonzero(~ok)
    if len(bad):
        rows = ", ".join(f"id {labels.ids[int(p)].as_py()!r}" for p in bad[:MAX_EXAMPLES])
        raise InvalidLabels(
            f"the labels columns {', '.join(labels.target_columns)} are the classes of one "
            f"multi-class target, so each row must be one-hot (a single 1, the rest 0); "
            f"{_count(len(bad), 'row')} not: {rows}"
        )


def _parse_labels_detailed(data: bytes, id_column: str, targets: tuple[str, ...], metric: Metric) -> Labels:
    frame = read_csv(data, "labels", [id_column, *targets, USAGE_COLUMN], InvalidLabels)
    if frame.empty:
        raise InvalidLabels("the labels file has a header but no rows")
    ids = frame[id_column]
    duplicated = ids[ids.duplicated()].unique()
    if len(duplicated):
        repeated = examples(duplicated)
        raise InvalidLabels(f"the labels file repeats {_plural(len(duplicated), 'id')}: {repeated}")
    if USAGE_COLUMN in frame.columns:
        usage = frame[USAGE_COLUMN].to_numpy(dtype=object)
        bad = np.flatnonzero(~np.isin(usage, USAGE_VALUES))
        if len(bad):
            raise InvalidLabels(
                f"the labels file's {USAGE_COLUMN} column must be Public or Private; "
                f"{_count(len(bad), 'row')} not: {_where(frame, id_column, bad, frame[USAGE_COLUMN])}"
            )
    else:
        # a labels file without Usage (a smoke sample) scores every row as public
        usage = np.full(len(frame), "Public", dtype=object)

    kinds: list[str] = []
    columns: list[np.ndarray] = []
    for col in targets:
        series = frame[col]
        kind = _classify(series)
        if metric.kind != PredictionKind.LABEL and kind == LabelKind.TEXT:
            raise InvalidLabels(f"the labels column {col!r} must be numeric for the metric {metric.name}")
        if kind == LabelKind.TEXT:
            empty = np.flatnonzero((series == "").to_numpy())
            if len(empty):
                where = _where(frame, id_column, empty)
                raise InvalidLabels(f"the labels column {col!r} has empty values: {where}")
            columns.append(series.to_numpy(dtype=object))
        elif kind == LabelKind.INTEGER:
            columns.append(columnar.compact_integers(pd.to_numeric(series).to_numpy(dtype=np.int64)))
        else:
            columns.append(pd.to_numeric(series).to_numpy(dtype=float))
        kinds.append(kind)
    return Labels(
        id_column=id_column,
        target_columns=targets,
        ids=pa.array(ids.tolist(), type=pa.string()),
        values=_stack(columns),
        public=usage == "Public",
        private=usage == "Private",
        kinds=tuple(kinds),
    )


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
            raise columnar.Defer
        return values
    except columnar.Defer:
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
