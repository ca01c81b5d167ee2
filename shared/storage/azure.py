"""Azure Blob Storage backend (production; Azurite in the tests), on the SDK's async client.

Each logical container (``submissions``, ``data``, ``labels``, ``outputs``) is its own
Azure container, named ``<prefix><name>``, so access can be granted per kind. Uploads are
staged as blocks while the stream is read (size limit and sha256 on the way) and made
visible by one ``commit_block_list`` at the end: a failed or over-limit upload leaves only
uncommitted blocks, which no reader can see and Azure discards after a week. SDK retries
are bounded so an outage becomes a ``StorageError`` in seconds, not after minutes.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import mimetypes
import os
import random
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.storage.blob import BlobBlock, BlobSasPermissions, ContentSettings, generate_blob_sas
from azure.storage.blob.aio import BlobClient, BlobServiceClient, ExponentialRetry

from shared.storage import ranged
from shared.storage.base import (
    CONTAINERS,
    BlobNotFound,
    ContentMismatch,
    ObjectTooLarge,
    Storage,
    StorageError,
    StoredObject,
    check_key,
)

log = structlog.get_logger(__name__)

BLOCK_SIZE = 4 << 20
# blocks uploading while the next one is read: overlaps network and source, and bounds
# memory to about (STAGING_CONCURRENCY + 1) * block_size
STAGING_CONCURRENCY = 2
# block-sized ranges of a download in flight at once: one GET at a time idles between two
DOWNLOAD_CONCURRENCY = 4
# Azure commits at most 50,000 blocks per blob; doubling the block size every 10,000
# blocks takes 4 MiB blocks past 1 TiB while small and medium objects keep small blocks
BLOCKS_PER_SIZE_STEP = 10_000
SHA256_METADATA = "sha256"
_CONTAINER_NAME = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


class _BoundedRetry(ExponentialRetry):
    """Doubling backoff from ``initial_backoff`` with jitter. The SDK's own formula
    (15 s plus powers of 3) waits about a minute before giving up; with 3 retries of
    0.5 s, 1 s, 2 s an outage surfaces after about 4 s."""

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        doublings: int = max(int(settings["count"]) - 1, 0)
        return float(self.initial_backoff) * (1 << doublings) * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not a secret)


def block_size_for(index: int, base: int) -> int:
    """The size of block ``index`` (from 0) of an upload whose first blocks are ``base`` bytes."""
    return base << (index // BLOCKS_PER_SIZE_STEP)


def _validate_key(key: str) -> None:
    check_key(key)
    if len(key) > 1024:  # Azure's own limit on a blob name
        raise StorageError(f"invalid key {key!r}")


def _first_line(exc: AzureError) -> str:
    text = str(exc.message or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class AzureBlobStorage(Storage):
    def __init__(
        self,
        connection_string: str,
        *,
        container_prefix: str = "",
        block_size: int = BLOCK_SIZE,
        retries: int = 3,
        retry_backoff: float = 0.5,
        connection_timeout: float = 10,
        read_timeout: float = 60,
    ) -> None:
        self.container_names = {name: container_prefix + name for name in CONTAINERS}
        for full in self.container_names.values():
            if not _CONTAINER_NAME.match(full):
                raise StorageError(
                    f"container prefix {container_prefix!r} gives the invalid Azure container name "
                    f"{full!r} (3-63 lowercase letters, digits and single hyphens)"
                )
        self.block_size = block_size
        try:
            self._client = BlobServiceClient.from_connection_string(
                connection_string,
                retry_policy=_BoundedRetry(
                    initial_backoff=retry_backoff,  # type: ignore[arg-type]  # floats work
                    retry_total=retries,
                    random_jitter_range=0,
                ),
                connection_timeout=connection_timeout,
                read_timeout=read_timeout,
                # downloads come in block-sized pieces, so memory does not grow with the blob
                max_single_get_size=block_size,
                max_chunk_get_size=block_size,
            )
        except ValueError as exc:
            raise StorageError(f"invalid Azure Storage connection string: {exc}") from None
        self.endpoint = self._client.url.rstrip("/")
        self._created: set[str] = set()

    # -- helpers -------------------------------------------------------------------------

    def _container(self, container: str) -> str:
        try:
            return self.container_names[container]
        except KeyError:
            raise StorageError(f"unknown container {container!r}") from None

    def _blob(self, container: str, key: str) -> BlobClient:
        name = self._container(container)
        _validate_key(key)
        return self._client.get_blob_client(name, key)

    @contextmanager
    def _errors(self, action: str, container: str, key: str) -> Iterator[None]:
        """Translate SDK errors into the storage contract's, saying what was attempted."""
        try:
            yield
        except ResourceNotFoundError:
            raise BlobNotFound(container, key) from None
        except ClientAuthenticationError as exc:
            raise StorageError(
                f"Azure Blob Storage at {self.endpoint} refused the credentials "
                f"(could not {action} {container}/{key}): {_first_line(exc)}"
            ) from exc
        except HttpResponseError as exc:
            raise StorageError(
                f"Azure Blob Storage at {self.endpoint} failed to {action} {container}/{key} "
                f"(HTTP {exc.status_code} {getattr(exc, 'error_code', None) or ''}): {_first_line(exc)}"
            ) from exc
        except AzureError as exc:
            raise StorageError(
                f"Azure Blob Storage unreachable at {self.endpoint} "
                f"(could not {action} {container}/{key}): {_first_line(exc)}"
            ) from exc
        except (OSError, TimeoutError) as exc:
            raise StorageError(
                f"Azure Blob Storage unreachable at {self.endpoint} "
                f"(could not {action} {container}/{key}): {exc!r}"
            ) from exc

    async def _ensure_container(self, container: str) -> None:
        name = self._container(container)
        if name in self._created:
            return
        with self._errors("create the container for", container, ""), suppress(ResourceExistsError):
            await self._client.create_container(name)
        self._created.add(name)

    async def ensure_containers(self) -> None:
        """Create the four containers now (deployment tooling); writes also do it lazily."""
        for container in CONTAINERS:
            await self._ensure_container(container)

    # -- the Storage contract ------------------------------------------------------------

    async def put_stream(
        self,
        container: str,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        max_bytes: int | None = None,
    ) -> StoredObject:
        blob = self._blob(container, key)
        await self._ensure_container(container)
        # ids unique to this upload, so two uploads to one key never commit each other's blocks
        upload_id = uuid.uuid4().hex
        block_ids: list[str] = []
        pending: set[asyncio.Task[None]] = set()
        digest = hashlib.sha256()
        size = 0
        buffer = bytearray()

        async def stage(data: bytes) -> None:
            block_id = f"{upload_id}-{len(block_ids):06d}"
            block_ids.append(block_id)
            while len(pending) >= STAGING_CONCURRENCY:
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                pending.difference_update(done)
                for task in done:
                    task.result()
            pending.add(asyncio.create_task(self._stage_block(blob, container, key, block_id, data)))

        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise ObjectTooLarge(max_bytes)
                buffer += chunk
                while len(buffer) >= (wanted := block_size_for(len(block_ids), self.block_size)):
                    with memoryview(buffer) as view:
                        block = bytes(view[:wanted])
                    del buffer[:wanted]
                    # hashed a block at a time off the event loop (hashlib releases the GIL)
                    await asyncio.to_thread(digest.update, block)
                    await stage(block)
            if buffer:
                block = bytes(buffer)
                buffer.clear()
                await asyncio.to_thread(digest.update, block)
                await stage(block)
            if pending:
                done, _ = await asyncio.wait(pending)
                pending.clear()
                for task in done:
                    task.result()
            sha256 = digest.hexdigest()
            content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
            with self._errors("commit", container, key):
                await blob.commit_block_list(
                    [BlobBlock(block_id=b) for b in block_ids],
                    metadata={SHA256_METADATA: sha256},
                    content_settings=ContentSettings(content_type=content_type),
                )
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        log.debug("storage.put", backend="azure", container=container, key=key, size=size)
        return StoredObject(container, key, size, sha256)

    async def _stage_block(
        self, blob: BlobClient, container: str, key: str, block_id: str, data: bytes
    ) -> None:
        with self._errors("upload a block of", container, key):
            # a stream, not bytes: aiohttp then sends it in pieces instead of one large
            # write, and the SDK's retry policy rewinds it for another try
            await blob.stage_block(block_id, io.BytesIO(data), length=len(data))

    async def iter_chunks(self, container: str, key: str) -> AsyncIterator[bytes]:
        blob = self._blob(container, key)
        with self._errors("read", container, key):
            downloader = await blob.download_blob()
            async for chunk in downloader.chunks():
                yield chunk

    async def iter_range(self, container: str, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        blob = self._blob(container, key)
        with self._errors("read", container, key):
            downloader = await blob.download_blob(offset=start, length=end + 1 - start)
            async for chunk in downloader.chunks():
                yield chunk

    async def size(self, container: str, key: str) -> int:
        blob = self._blob(container, key)
        with self._errors("read the properties of", container, key):
            props = await blob.get_blob_properties()
        return int(props.size)

    async def download_to(self, container: str, key: str, path: Path, *, sha256: str | None = None) -> int:
        """Block-sized ranges fetched ``DOWNLOAD_CONCURRENCY`` at a time and written (and
        hashed) in order (``ranged.in_order``). Every range is asked of the version first
        seen (its ETag), so a blob replaced half-way fails instead of mixing two versions."""
        blob = self._blob(container, key)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
        digest = hashlib.sha256()
        try:
            with self._errors("read", container, key):
                props = await blob.get_blob_properties()
            size, etag = int(props.size), props.etag

            async def fetch(offset: int, length: int) -> bytes:
                with self._errors("read", container, key):
                    downloader = await blob.download_blob(
                        offset=offset, length=length, etag=etag, match_condition=MatchConditions.IfNotModified
                    )
                    return bytes(await downloader.readall())

            with tmp.open("wb") as f:

                def sink(block: bytes) -> None:  # in a thread: hashlib and the write release the GIL
                    if sha256 is not None:
                        digest.update(block)
                    f.write(block)

                await ranged.in_order(fetch, size, self.block_size, DOWNLOAD_CONCURRENCY, sink)
            if sha256 is not None and digest.hexdigest() != sha256:
                raise ContentMismatch(container, key)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return size

    async def exists(self, container: str, key: str) -> bool:
        blob = self._blob(container, key)
        with self._errors("look up", container, key):
            return bool(await blob.exists())

    async def delete(self, container: str, key: str) -> None:
        blob = self._blob(container, key)
        try:
            with self._errors("delete", container, key):
                await blob.delete_blob()
        except BlobNotFound:
            pass

    async def list(self, container: str, prefix: str = "") -> list[str]:
        client = self._client.get_container_client(self._container(container))
        names: list[str] = []
        try:
            with self._errors("list", container, prefix + "*"):
                async for item in client.list_blobs(name_starts_with=prefix or None):
                    names.append(item.name)
        except BlobNotFound:
            return []  # the container is created by the first write
        return sorted(names)

    async def sha256(self, container: str, key: str) -> str | None:
        """The sha256 recorded when the object was stored (``None`` if written elsewhere)."""
        blob = self._blob(container, key)
        with self._errors("read the properties of", container, key):
            props = await blob.get_blob_properties()
        value = (props.metadata or {}).get(SHA256_METADATA)
        return str(value) if value is not None else None

    async def ready(self) -> bool:
        try:
            with self._errors("reach", "", ""):
                # no retries: a readiness probe should answer now, and it is asked again
                await self._client.get_account_information(retry_total=0)
        except StorageError as exc:
            log.warning("storage.not_ready", backend="azure", error=str(exc))
            return False
        return True

    def read_url(
        self, container: str, key: str, ttl: timedelta, *, filename: str | None = None
    ) -> str | None:
        if not getattr(self._client.credential, "account_key", None):
            return None  # signed with a token, not a key: the service passes the bytes on itself
        return self.generate_read_sas(container, key, ttl, filename=filename)

    def generate_read_sas(
        self,
        container: str,
        key: str,
        ttl: timedelta = timedelta(minutes=15),
        *,
        filename: str | None = None,
    ) -> str:
        """A URL that lets its holder read this one blob, and nothing else, until ``ttl``
        has passed; for things outside the service (a pod fetching its inputs, a browser).
        With ``filename`` the blob is served as an attachment of that name."""
        blob = self._blob(container, key)
        credential = self._client.credential
        account_key = getattr(credential, "account_key", None)
        if not account_key:
            raise StorageError(
                "a SAS can only be signed with the account key; the connection string has none"
            )
        now = datetime.now(UTC)
        token = generate_blob_sas(
            account_name=self._client.account_name or "",
            container_name=blob.container_name,
            blob_name=key,
            account_key=account_key,
            permission=BlobSasPermissions(read=True),
            # a little slack for clocks that disagree with the storage service
            start=now - timedelta(minutes=5),
            expiry=now + ttl,
            protocol="https" if self.endpoint.startswith("https://") else None,
            # signed into the token, so the holder cannot change how the blob is served
            content_disposition=f'attachment; filename="{filename}"' if filename else None,
        )
        return f"{blob.url}?{token}"

    async def close(self) -> None:
        await self._client.close()
