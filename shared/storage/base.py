"""The storage contract every backend honours.

Containers keep kinds of data apart so that access can be granted per kind:
``submissions`` (uploaded zips), ``data`` (test features), ``labels`` (hidden labels,
read only by the scorer), ``outputs`` (predictions and logs of runs), ``files``
(what participants may download: the host's participant files and the packaged
smoke sample; nothing else is ever served to a participant) and ``programs`` (hosts'
scoring programs, ``shared.scoring_runs``).
Writes are atomic: a reader sees the whole object or nothing.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePosixPath

CONTAINERS = ("submissions", "data", "labels", "outputs", "files", "programs")


class StorageError(Exception):
    """The storage backend failed (unreachable, refused): usually transient."""


class BlobNotFound(StorageError):
    def __init__(self, container: str, key: str) -> None:
        super().__init__(f"no object {key!r} in container {container!r}")
        self.container = container
        self.key = key


class StorageFull(StorageError):
    """The backend has no space left (a full disk under local storage); nothing was kept."""


class ContentMismatch(StorageError):
    """The object's bytes do not hash to the sha256 they were asked for; nothing was kept.
    Final: the same bytes would come again."""

    def __init__(self, container: str, key: str) -> None:
        super().__init__(f"the object {key!r} in container {container!r} does not match its recorded sha256")
        self.container = container
        self.key = key


class ObjectTooLarge(StorageError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"object is larger than the {limit}-byte limit")
        self.limit = limit


def check_key(key: str) -> None:
    """Every backend's key rules: relative, '/'-separated, no empty, '.' or '..' part,
    so a key valid in one backend is valid in the other and none climbs out."""
    if not key or PurePosixPath(key).is_absolute() or any(p in ("..", ".", "") for p in key.split("/")):
        raise StorageError(f"invalid key {key!r}")


@dataclass(frozen=True)
class StoredObject:
    container: str
    key: str
    size: int
    sha256: str


class Storage(abc.ABC):
    @abc.abstractmethod
    async def put_stream(
        self,
        container: str,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        max_bytes: int | None = None,
    ) -> StoredObject:
        """Store a stream; raise ``ObjectTooLarge`` past ``max_bytes`` and keep nothing.
        The chunks are held as they are until written, not copied: a source must not
        change a chunk it has yielded."""

    async def put_bytes(self, container: str, key: str, data: bytes) -> StoredObject:
        async def one() -> AsyncIterator[bytes]:
            yield data

        return await self.put_stream(container, key, one())

    async def put_file(self, container: str, key: str, path: Path) -> StoredObject:
        return await self.put_stream(container, key, _file_chunks(path))

    @abc.abstractmethod
    def iter_chunks(self, container: str, key: str) -> AsyncIterator[bytes]: ...

    async def iter_range(self, container: str, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        """The bytes ``start`` to ``end`` (inclusive) of an object. This default reads from
        the beginning and drops what comes before ``start``; backends override it to seek."""
        position = 0
        async for chunk in self.iter_chunks(container, key):
            lo, hi = max(start - position, 0), min(end + 1 - position, len(chunk))
            if lo < hi:
                yield chunk[lo:hi]
            position += len(chunk)
            if position > end:
                return

    def read_url(
        self, container: str, key: str, ttl: timedelta, *, filename: str | None = None
    ) -> str | None:
        """A short-lived URL that lets its holder read this one object and nothing else, so a
        download need not pass through the service; ``None`` where the backend has none."""
        return None

    async def get_bytes(self, container: str, key: str, *, max_bytes: int | None = None) -> bytes:
        out = bytearray()
        async for chunk in self.iter_chunks(container, key):
            out += chunk
            if max_bytes is not None and len(out) > max_bytes:
                raise ObjectTooLarge(max_bytes)
        return bytes(out)

    @abc.abstractmethod
    async def download_to(self, container: str, key: str, path: Path, *, sha256: str | None = None) -> int:
        """Write the object to ``path`` (atomically); returns its size. With ``sha256`` the
        bytes are hashed on the way and must match it, else ``ContentMismatch`` and
        nothing is written."""

    @abc.abstractmethod
    async def size(self, container: str, key: str) -> int:
        """The object's size in bytes; ``BlobNotFound`` if there is none."""

    @abc.abstractmethod
    async def exists(self, container: str, key: str) -> bool: ...

    @abc.abstractmethod
    async def delete(self, container: str, key: str) -> None:
        """Delete; a missing object is not an error."""

    @abc.abstractmethod
    async def list(self, container: str, prefix: str = "") -> list[str]: ...

    async def ensure_containers(self) -> None:
        """Make the four containers exist now. Writes through this interface make them as
        needed; call this before something else writes with a SAS URL (a run pod)."""
        return None

    async def ready(self) -> bool:
        return True

    async def close(self) -> None:
        return None


CHUNK = 1 << 20


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    import asyncio

    with path.open("rb") as f:
        while True:
            chunk = await asyncio.to_thread(f.read, CHUNK)
            if not chunk:
                return
            yield chunk
