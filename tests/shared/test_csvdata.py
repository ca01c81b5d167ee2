"""The fast path's text kernels (``shared.csvdata``): trimming only what needs it, and
telling repeated ids from unique ones exactly, whatever their hashes do."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from shared import csvdata


def ids(n: int, prefix: str = "id_") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


@pytest.mark.parametrize("prefix", ["", "id_", "a-much-longer-prefix-of-an-id-"])
def test_unique_finds_one_repeated_id_among_many(prefix: str) -> None:
    values = ids(20_000, prefix)
    assert csvdata.unique(pa.array(values))
    values[17_000] = values[3]
    assert not csvdata.unique(pa.array(values))


def test_unique_compares_the_ids_not_their_layout() -> None:
    # the same ids at other offsets of their buffer (a slice) hash the same
    values = [*ids(1_000), *ids(1_000)]
    array = pa.array(values)
    assert csvdata.unique(array.slice(0, 1_000))
    assert csvdata.unique(array.slice(1_000))
    assert csvdata.unique(array.slice(500, 1_000))  # ids 500-999, then 0-499
    assert not csvdata.unique(array.slice(500, 1_200))
    # ids that differ past their first 8 bytes, or only in length
    assert csvdata.unique(pa.array(["abcdefgh1", "abcdefgh2", "abcdefgh", "abcdefg", "a", "ab"]))
    assert not csvdata.unique(pa.array(["x", "abcdefgh12345", "y", "abcdefgh12345"]))
    assert csvdata.unique(pa.array(["é", "e", "\u00e9\u00e9"]))


def test_unique_is_exact_when_every_hash_collides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvdata, "_hash64", lambda array: np.zeros(len(array), dtype=np.uint64))
    assert csvdata.unique(pa.array(ids(100)))
    assert not csvdata.unique(pa.array(["a", "b", "a"]))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["a", "b"], ["a", "b"]),
        ([" a", "b "], ["a", "b"]),
        (["a\t", "\r\nb"], ["a", "b"]),
        (["a\u00a0", "\u2003b"], ["a", "b"]),  # Unicode whitespace, not just ASCII
        (["é", "ü x ü"], ["é", "ü x ü"]),  # non-ASCII at an edge, nothing to trim
        (["a", ""], ["a", ""]),
    ],
)
def test_trim(values: list[str], expected: list[str]) -> None:
    assert csvdata.trim(pa.chunked_array([pa.array(values)])).to_pylist() == expected


def test_text_defers_on_an_empty_cell() -> None:
    with pytest.raises(csvdata.Defer):
        csvdata.text(pa.chunked_array([pa.array(["a", "  "])]))
