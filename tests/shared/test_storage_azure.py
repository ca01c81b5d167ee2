"""Azure Blob Storage against a real Azurite, and the storage contract on both backends:
streamed uploads with size and sha256, size limits and failures that leave nothing
visible, clear errors when a blob is missing or the service is down, read-only SAS,
memory that does not grow with the object."""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from shared.runtime import build_storage
from shared.settings import CommonSettings
from shared.storage import (
    AzureBlobStorage,
    BlobNotFound,
    ContentMismatch,
    LocalStorage,
    ObjectTooLarge,
    Storage,
    StorageError,
)
from shared.storage.azure import block_size_for
from tests.azurite import Azurite

MiB = 1 << 20


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


class SourceFailed(Exception):
    """The upload's source broke (a client that went away)."""


@pytest.fixture(params=["local", "azure"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path)
    return request.getfixturevalue("azure_storage")  # type: ignore[no-any-return]


# -- the contract, on both backends ---------------------------------------------------------


async def test_stream_round_trip_records_size_and_sha256(storage: Storage) -> None:
    parts = [b"a" * (3 * MiB), b"b" * (5 * MiB), b"c" * 17]
    whole = b"".join(parts)
    obj = await storage.put_stream("submissions", "c1/s1.zip", chunks(*parts))
    assert obj.size == len(whole)
    assert obj.sha256 == hashlib.sha256(whole).hexdigest()
    assert await storage.get_bytes("submissions", "c1/s1.zip") == whole
    assert await storage.exists("submissions", "c1/s1.zip")


async def test_empty_object_round_trip(storage: Storage) -> None:
    obj = await storage.put_bytes("outputs", "s/1/log.txt", b"")
    assert (obj.size, obj.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert await storage.get_bytes("outputs", "s/1/log.txt") == b""


async def test_put_file_and_download_to(storage: Storage, tmp_path: Path) -> None:
    src = tmp_path / "features.csv"
    src.write_bytes(b"id,x\n" + b"1,2\n" * 100_000)
    obj = await storage.put_file("data", "c1/v1/features.csv", src)
    assert obj.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    dest = tmp_path / "out" / "features.csv"
    dest.parent.mkdir()
    assert await storage.download_to("data", "c1/v1/features.csv", dest) == src.stat().st_size
    assert dest.read_bytes() == src.read_bytes()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["features.csv"]


async def test_download_to_checks_the_sha256_on_the_way(storage: Storage, tmp_path: Path) -> None:
    # more than two blocks, the last one short: the ranges come back out of order and are
    # written (and hashed) in order
    whole = b"".join(bytes([i]) * (3 * MiB + 5) for i in range(4))
    obj = await storage.put_bytes("data", "c1/v1/features.bin", whole)
    dest = tmp_path / "out" / "features.bin"
    dest.parent.mkdir()
    assert await storage.download_to("data", "c1/v1/features.bin", dest, sha256=obj.sha256) == len(whole)
    assert dest.read_bytes() == whole
    dest.unlink()
    wrong = hashlib.sha256(b"other bytes").hexdigest()
    with pytest.raises(
        ContentMismatch, match=re.escape("'c1/v1/features.bin' in container 'data' does not match")
    ):
        await storage.download_to("data", "c1/v1/features.bin", dest, sha256=wrong)
    assert list(dest.parent.iterdir()) == []  # nothing kept, not even a partial file
    assert await storage.download_to("data", "c1/v1/features.bin", dest) == len(whole)  # no hash asked


async def test_over_limit_upload_raises_and_leaves_nothing_visible(storage: Storage) -> None:
    with pytest.raises(ObjectTooLarge, match="larger than the 6291456-byte limit"):
        await storage.put_stream("submissions", "c1/big.zip", chunks(*[b"x" * MiB] * 10), max_bytes=6 * MiB)
    assert not await storage.exists("submissions", "c1/big.zip")
    assert await storage.list("submissions") == []


async def test_failed_upload_keeps_the_previous_version(storage: Storage) -> None:
    await storage.put_bytes("labels", "c1/v1.csv", b"old")

    async def breaks() -> AsyncIterator[bytes]:
        for _ in range(6):
            yield b"n" * MiB
        raise SourceFailed

    with pytest.raises(SourceFailed):
        await storage.put_stream("labels", "c1/v1.csv", breaks())
    assert await storage.get_bytes("labels", "c1/v1.csv") == b"old"
    assert await storage.list("labels") == ["c1/v1.csv"]


async def test_missing_object_is_a_clear_error(storage: Storage, tmp_path: Path) -> None:
    with pytest.raises(BlobNotFound, match=re.escape("no object 'c1/nope.csv' in container 'labels'")):
        await storage.get_bytes("labels", "c1/nope.csv")
    with pytest.raises(BlobNotFound, match="no object 'nope' in container 'data'"):
        await storage.download_to("data", "nope", tmp_path / "nope")
    assert list(tmp_path.glob("*nope*")) == []
    assert not await storage.exists("outputs", "nope")


async def test_delete_is_idempotent(storage: Storage) -> None:
    await storage.put_bytes("outputs", "s/1/predictions.csv", b"id,y\n")
    await storage.delete("outputs", "s/1/predictions.csv")
    await storage.delete("outputs", "s/1/predictions.csv")
    assert not await storage.exists("outputs", "s/1/predictions.csv")


async def test_list_by_prefix_is_sorted_and_per_container(storage: Storage) -> None:
    for key in ["c2/v1/b.csv", "c1/v1/z.csv", "c1/v1/a.csv", "c1/v2/a.csv"]:
        await storage.put_bytes("data", key, b"x")
    await storage.put_bytes("labels", "c1/v1.csv", b"secret")
    assert await storage.list("data", "c1/v1/") == ["c1/v1/a.csv", "c1/v1/z.csv"]
    assert await storage.list("data") == ["c1/v1/a.csv", "c1/v1/z.csv", "c1/v2/a.csv", "c2/v1/b.csv"]
    assert await storage.list("labels") == ["c1/v1.csv"]


@pytest.mark.parametrize("key", ["../labels/x.csv", "/etc/passwd", "a/../../b", "", "a//b"])
async def test_keys_are_validated_the_same_way(storage: Storage, key: str) -> None:
    with pytest.raises(StorageError, match="invalid key"):
        await storage.put_bytes("outputs", key, b"x")


async def test_byte_ranges_and_sizes(storage: Storage) -> None:
    # spans more than one download chunk (1 MiB locally, the block size on Azure)
    data = bytes(range(256)) * (5 * MiB // 256) + b"tail"
    await storage.put_bytes("files", "c1/files/f/train.csv", data)
    assert await storage.size("files", "c1/files/f/train.csv") == len(data)

    async def read(start: int, end: int) -> bytes:
        return b"".join([c async for c in storage.iter_range("files", "c1/files/f/train.csv", start, end)])

    assert await read(0, 0) == data[:1]
    assert await read(MiB - 3, MiB + 2) == data[MiB - 3 : MiB + 3]
    assert await read(len(data) - 4, len(data) - 1) == b"tail"
    assert await read(17, len(data) - 1) == data[17:]
    with pytest.raises(BlobNotFound):
        await storage.size("files", "c1/nope")


async def test_the_base_range_reads_through_any_backend(tmp_path: Path) -> None:
    """The default ``iter_range`` (for backends that cannot seek) drops what comes before."""
    local = LocalStorage(tmp_path)
    data = b"0123456789" * (MiB // 5)
    await local.put_bytes("files", "k", data)
    generic = Storage.iter_range(local, "files", "k", MiB - 5, MiB + 4)
    assert b"".join([c async for c in generic]) == data[MiB - 5 : MiB + 5]
    assert local.read_url("files", "k", timedelta(minutes=1)) is None  # local: served by the service


async def test_unknown_container_is_refused(storage: Storage) -> None:
    with pytest.raises(StorageError, match="unknown container 'secrets'"):
        await storage.put_bytes("secrets", "x", b"x")


# -- Azure specifics ---------------------------------------------------------------------------


async def test_sha256_is_recorded_as_blob_metadata(azure_storage: AzureBlobStorage) -> None:
    obj = await azure_storage.put_stream("submissions", "c1/s1.zip", chunks(b"PK", b"\x03\x04"))
    assert await azure_storage.sha256("submissions", "c1/s1.zip") == obj.sha256
    assert obj.sha256 == hashlib.sha256(b"PK\x03\x04").hexdigest()


async def test_each_logical_container_is_its_own_prefixed_azure_container(
    azurite_connection_string: str,
) -> None:
    prefix = f"h{uuid.uuid4().hex[:6]}-"
    st = AzureBlobStorage(azurite_connection_string, container_prefix=prefix)
    try:
        await st.ensure_containers()
        await st.put_bytes("labels", "c1/v1.csv", b"y")
        names = [c.name async for c in st._client.list_containers(name_starts_with=prefix)]
        assert sorted(names) == [
            prefix + n for n in ("data", "files", "labels", "outputs", "programs", "submissions")
        ]
        assert [b.name async for b in st._client.get_container_client(prefix + "labels").list_blobs()] == [
            "c1/v1.csv"
        ]
    finally:
        await st.close()


def test_an_invalid_container_prefix_is_refused(azurite_connection_string: str) -> None:
    with pytest.raises(StorageError, match="invalid Azure container name 'Holdout_submissions'"):
        AzureBlobStorage(azurite_connection_string, container_prefix="Holdout_")


async def test_read_sas_reads_that_blob_only_and_cannot_write(azure_storage: AzureBlobStorage) -> None:
    await azure_storage.put_bytes("outputs", "s1/1/predictions.csv", b"id,y\n1,0\n")
    await azure_storage.put_bytes("outputs", "s2/1/predictions.csv", b"other team")
    url = azure_storage.generate_read_sas("outputs", "s1/1/predictions.csv", ttl=timedelta(minutes=5))
    token = url.split("?", 1)[1]
    base = url.split("?", 1)[0]
    async with httpx.AsyncClient() as http:
        read = await http.get(url)
        assert (read.status_code, read.content) == (200, b"id,y\n1,0\n")
        write = await http.put(url, content=b"tampered", headers={"x-ms-blob-type": "BlockBlob"})
        assert write.status_code == 403
        delete = await http.delete(url)
        assert delete.status_code == 403
        other = await http.get(base.replace("/s1/", "/s2/") + "?" + token)
        assert other.status_code == 403
        expired = azure_storage.generate_read_sas(
            "outputs", "s1/1/predictions.csv", ttl=timedelta(minutes=-1)
        )
        assert (await http.get(expired)).status_code == 403
        # as a download: served as an attachment of that name, fixed by the signature
        named = azure_storage.read_url(
            "outputs", "s1/1/predictions.csv", timedelta(minutes=5), filename="p.csv"
        )
        assert named is not None
        read = await http.get(named)
        assert read.headers["content-disposition"] == 'attachment; filename="p.csv"'
        forged = await http.get(named.replace("rscd=attachment", "rscd=inline"))
        assert forged.status_code == 403
    assert await azure_storage.get_bytes("outputs", "s1/1/predictions.csv") == b"id,y\n1,0\n"


async def test_source_failure_between_stage_and_commit_leaves_only_uncommitted_blocks(
    azure_storage: AzureBlobStorage,
) -> None:
    async def breaks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x" * (4 * MiB)  # each one a whole block, staged before the next is read
        raise SourceFailed

    with pytest.raises(SourceFailed):
        await azure_storage.put_stream("submissions", "c1/s1.zip", breaks())
    assert not await azure_storage.exists("submissions", "c1/s1.zip")
    assert await azure_storage.list("submissions") == []
    # the upload did get part-way: its first block is in Azure, uncommitted and unseen
    assert len(await _uncommitted_blocks(azure_storage, "submissions", "c1/s1.zip")) >= 1


async def test_a_64_mib_streamed_upload_and_download_keep_memory_bounded(
    azure_storage: AzureBlobStorage, tmp_path: Path
) -> None:
    piece = b"m" * MiB  # allocated before tracing: the source itself costs nothing

    async def source() -> AsyncIterator[bytes]:
        for _ in range(64):
            yield piece

    tracemalloc.start()
    try:
        obj = await azure_storage.put_stream("submissions", "c1/big.zip", source())
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        size = await azure_storage.download_to("submissions", "c1/big.zip", tmp_path / "big.zip")
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert obj.size == size == 64 * MiB
    assert upload_peak < 32 * MiB, f"upload peak {upload_peak / MiB:.1f} MiB"
    assert download_peak < 32 * MiB, f"download peak {download_peak / MiB:.1f} MiB"
    digest = hashlib.sha256()
    with (tmp_path / "big.zip").open("rb") as f:
        while block := f.read(MiB):
            digest.update(block)
    assert digest.hexdigest() == obj.sha256


async def test_azurite_stopping_mid_upload_is_a_clear_error_and_leaves_no_blob(
    private_azurite: Azurite,
) -> None:
    """The emulator persists to disk here, so what survives the outage can be inspected
    after the restart: the blocks staged before it, never committed, and no blob."""
    st = AzureBlobStorage(private_azurite.connection_string, block_size=MiB)
    try:

        async def source() -> AsyncIterator[bytes]:
            for i in range(12):
                if i == 4:
                    await asyncio.to_thread(private_azurite.stop)
                yield bytes([i]) * MiB

        started = time.monotonic()
        with pytest.raises(StorageError) as caught:
            await st.put_stream("submissions", "c1/s1.zip", source())
        assert str(caught.value).startswith(
            f"Azure Blob Storage unreachable at {private_azurite.endpoint} (could not "
        )
        assert "c1/s1.zip" in str(caught.value)
        # bounded retries: seconds, not the SDK's default minute or more
        assert time.monotonic() - started < 20
        assert not await st.ready()

        private_azurite.start()
        assert await st.ready()
        assert not await st.exists("submissions", "c1/s1.zip")
        assert await st.list("submissions") == []
        assert len(await _uncommitted_blocks(st, "submissions", "c1/s1.zip")) >= 2
        # the storage is usable again without a new client
        await st.put_bytes("submissions", "c1/s1.zip", b"again")
        assert await st.get_bytes("submissions", "c1/s1.zip") == b"again"
    finally:
        await st.close()


async def test_unreachable_storage_is_a_clear_error() -> None:
    with socket_closed_port() as port:
        conn = (
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
            f"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
        )
        st = AzureBlobStorage(conn, retries=1, retry_backoff=0.05)
        try:
            with pytest.raises(
                StorageError, match=rf"unreachable at http://127\.0\.0\.1:{port}/devstoreaccount1"
            ):
                await st.get_bytes("data", "c1/v1/x.csv")
            with pytest.raises(StorageError, match="unreachable"):
                await st.put_bytes("data", "c1/v1/x.csv", b"x")
            assert not await st.ready()
        finally:
            await st.close()


# -- configuration -----------------------------------------------------------------------------


async def test_settings_choose_the_azure_backend(
    monkeypatch: pytest.MonkeyPatch, azurite_connection_string: str
) -> None:
    monkeypatch.setenv("HOLDOUT_STORAGE_BACKEND", "azure")
    monkeypatch.setenv("HOLDOUT_AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string)
    monkeypatch.setenv("HOLDOUT_AZURE_CONTAINER_PREFIX", f"s{uuid.uuid4().hex[:6]}-")
    settings = CommonSettings()
    assert azurite_connection_string not in repr(settings)  # a secret: never in logs
    st = build_storage(settings)
    try:
        assert isinstance(st, AzureBlobStorage)
        assert st.container_names["labels"] == settings.azure_container_prefix + "labels"
        await st.put_bytes("labels", "c1/v1.csv", b"id,y\n")
        assert await st.get_bytes("labels", "c1/v1.csv") == b"id,y\n"
    finally:
        await st.close()


def test_azure_without_a_connection_string_is_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOLDOUT_STORAGE_BACKEND", "azure")
    monkeypatch.delenv("HOLDOUT_AZURE_STORAGE_CONNECTION_STRING", raising=False)
    with pytest.raises(ValidationError, match="needs HOLDOUT_AZURE_STORAGE_CONNECTION_STRING"):
        CommonSettings()


def test_the_embedded_default_stays_local(tmp_path: Path) -> None:
    assert isinstance(build_storage(CommonSettings(data_dir=tmp_path)), LocalStorage)


# -- helpers -----------------------------------------------------------------------------------


async def _uncommitted_blocks(st: AzureBlobStorage, container: str, key: str) -> list[str]:
    blob = st._client.get_blob_client(st.container_names[container], key)
    _, uncommitted = await blob.get_block_list("uncommitted")
    return [b.id for b in uncommitted]


@contextmanager
def socket_closed_port() -> Iterator[int]:
    """A port on which nothing listens, for as long as the block runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
        yield int(sock.getsockname()[1])


def test_block_size_grows_so_one_blob_can_pass_a_tebibyte() -> None:
    sizes = [block_size_for(i, 4 * MiB) for i in range(50_000)]  # Azure's block count limit
    assert sizes[0] == sizes[9_999] == 4 * MiB and sizes[10_000] == 8 * MiB
    assert sum(sizes) > 1024 * 1024 * MiB
    assert max(sizes) <= 4000 * MiB  # Azure's largest block
