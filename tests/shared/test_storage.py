"""Local storage: atomic writes, size caps, keys that cannot escape the root."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.storage import BlobNotFound, LocalStorage, ObjectTooLarge, StorageError


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


async def test_stream_round_trip_records_size_and_sha256(tmp_path: Path) -> None:
    st = LocalStorage(tmp_path)
    obj = await st.put_stream("submissions", "c/s.zip", chunks(b"ab", b"cd"))
    assert obj.size == 4 and obj.sha256 == hashlib.sha256(b"abcd").hexdigest()
    assert await st.get_bytes("submissions", "c/s.zip") == b"abcd"
    assert await st.list("submissions", "c/") == ["c/s.zip"]


async def test_over_limit_upload_leaves_nothing_visible(tmp_path: Path) -> None:
    st = LocalStorage(tmp_path)
    with pytest.raises(ObjectTooLarge):
        await st.put_stream("submissions", "big.zip", chunks(b"x" * 10, b"y" * 10), max_bytes=15)
    assert not await st.exists("submissions", "big.zip")
    assert list((tmp_path / ".partial").iterdir()) == []


async def test_bytes_and_files_are_stored_whole_or_not_at_all(tmp_path: Path) -> None:
    st = LocalStorage(tmp_path)
    obj = await st.put_bytes("outputs", "s/1/log.txt", b"hello")
    assert (obj.size, obj.sha256) == (5, hashlib.sha256(b"hello").hexdigest())
    source = tmp_path / "source.bin"
    source.write_bytes(b"z" * 100)
    copied = await st.put_file("outputs", "s/1/copy.bin", source)
    assert (copied.size, await st.get_bytes("outputs", "s/1/copy.bin")) == (100, b"z" * 100)
    # a key under an existing object cannot be made: the error surfaces, no partial stays
    with pytest.raises(OSError):
        await st.put_bytes("outputs", "s/1/log.txt/nested", b"x")
    assert await st.get_bytes("outputs", "s/1/log.txt") == b"hello"
    assert list((tmp_path / ".partial").iterdir()) == []


@pytest.mark.parametrize("key", ["../labels/x.csv", "/etc/passwd", "a/../../b", "", "a//b"])
async def test_keys_cannot_escape_the_container(tmp_path: Path, key: str) -> None:
    st = LocalStorage(tmp_path)
    with pytest.raises(StorageError):
        await st.put_bytes("outputs", key, b"x")


async def test_missing_object_is_a_clear_error(tmp_path: Path) -> None:
    st = LocalStorage(tmp_path)
    with pytest.raises(BlobNotFound, match="no object 'nope' in container 'labels'"):
        await st.get_bytes("labels", "nope")
