"""Checks a hidden-labels CSV (Kaggle-style solution file) before it is stored.

Pure and synchronous (run it in a thread): the id column, every target column and a
``Usage`` column whose values are ``Public`` or ``Private``; unique, non-empty ids;
at least one public row. A smoke sample's labels may leave ``Usage`` out: then every
row is public.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USAGE = "Usage"
USAGES = ("Public", "Private")
MAX_PROBLEMS = 10


class LabelsInvalid(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LabelsSummary:
    rows: int
    public_rows: int
    private_rows: int


def check_labels(
    path: Path, id_column: str, target_columns: list[str], *, usage_required: bool = True
) -> LabelsSummary:
    expected = [id_column, *target_columns, USAGE]
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            return _check(csv.reader(f), id_column, expected, usage_required)
    except UnicodeDecodeError:
        raise LabelsInvalid(["the labels file is not UTF-8 text; upload a CSV file"]) from None
    except csv.Error as exc:
        raise LabelsInvalid([f"the labels file is not valid CSV: {exc}"]) from None


def _check(
    reader: Iterator[list[str]], id_column: str, expected: list[str], usage_required: bool
) -> LabelsSummary:
    header = next(reader, None)
    if not header:
        raise LabelsInvalid([f"the labels file is empty; expected a header with {', '.join(expected)}"])
    if not usage_required and USAGE not in header:
        expected = expected[:-1]
    missing = [c for c in expected if c not in header]
    if missing:
        raise LabelsInvalid(
            [
                f"the labels header lacks {', '.join(repr(c) for c in missing)}; "
                f"expected columns {', '.join(expected)} (found {', '.join(header)})"
            ]
        )
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise LabelsInvalid([f"the labels header repeats {', '.join(repr(c) for c in repeated)}"])
    id_at = header.index(id_column)
    usage_at = header.index(USAGE) if USAGE in header else None
    problems: list[str] = []
    first_seen: dict[str, int] = {}
    public = private = 0
    for line, row in enumerate(reader, start=2):
        if len(problems) >= MAX_PROBLEMS:
            problems.append("(stopped after the first problems)")
            break
        if not row:
            continue
        if len(row) != len(header):
            problems.append(f"line {line}: {len(row)} fields, but the header has {len(header)}")
            continue
        usage, row_id = ("Public" if usage_at is None else row[usage_at]), row[id_at]
        if usage == "Public":
            public += 1
        elif usage == "Private":
            private += 1
        else:
            problems.append(f"line {line}: {USAGE} is {usage!r}; it must be 'Public' or 'Private'")
        if not row_id:
            problems.append(f"line {line}: the {id_column!r} value is empty")
        elif row_id in first_seen:
            problems.append(f"line {line}: id {row_id!r} already appears on line {first_seen[row_id]}")
        else:
            first_seen[row_id] = line
    if not problems and public + private == 0:
        problems.append("the labels file has a header but no rows")
    elif not problems and public == 0:
        problems.append("no row has Usage 'Public'; the public leaderboard needs at least one")
    if problems:
        raise LabelsInvalid(problems)
    return LabelsSummary(rows=public + private, public_rows=public, private_rows=private)
