"""Local-directory storage (the embedded default): ``root/<container>/<key>``.

Keys are validated so nothing can climb out of the root, and every write goes to a
temporary file first and is renamed into place, so no half-written object is visible.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import shutil
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from shared.storage.base import (
    CHUNK,
    CONTAINERS,
    BlobNotFound,
    ContentMismatch,
    ObjectTooLarge,
    Storage,
    StorageError,
    StorageFull,
    StoredObject,
    check_key,
)


def _full(exc: OSError) -> StorageFull:
    return StorageFull(f"no space left on the device of the storage directory: {exc.strerror}")


class LocalStorage(Storage):
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        for container in CONTAINERS:
            (self.root / container).mkdir(parents=True, exist_ok=True)
        (self.root / ".partial").mkdir(parents=True, exist_ok=True)

    def path(self, container: str, key: str) -> Path:
        if container not in CONTAINERS:
            raise StorageError(f"unknown container {container!r}")
        check_key(key)
        return self.root / container / Path(*PurePosixPath(key).parts)

    async def put_stream(
        self,
        container: str,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        max_bytes: int | None = None,
    ) -> StoredObject:
        final = self.path(container, key)
        tmp = self.root / ".partial" / uuid.uuid4().hex
        digest = hashlib.sha256()
        size = 0

        def write(f: BinaryIO, pieces: list[bytes]) -> None:
            # off the event loop; hashlib and the write both release the GIL
            for piece in pieces:
                digest.update(piece)
            f.writelines(pieces)

        try:
            with tmp.open("wb") as f:
                # a request body comes in pieces of ~64 KiB: gather them to 1 MiB (as they
                # are, no copy on the event loop), and hash and write one batch in a thread
                # while the next is received (at most two in memory)
                pieces: list[bytes] = []
                gathered = 0
                writing: asyncio.Future[None] | None = None
                try:
                    async for chunk in chunks:
                        size += len(chunk)
                        if max_bytes is not None and size > max_bytes:
                            raise ObjectTooLarge(max_bytes)
                        pieces.append(chunk)
                        gathered += len(chunk)
                        if gathered >= CHUNK:
                            if writing is not None:
                                await writing
                            writing = asyncio.ensure_future(asyncio.to_thread(write, f, pieces))
                            pieces, gathered = [], 0
                    if writing is not None:
                        await writing
                    if pieces:
                        await asyncio.to_thread(write, f, pieces)
                finally:
                    if writing is not None and not writing.done():
                        await asyncio.shield(writing)  # the file closes only after its last write
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _full(exc) from None
            raise
        finally:
            tmp.unlink(missing_ok=True)  # a partial object never stays behind
        return StoredObject(container, key, size, digest.hexdigest())

    async def put_file(self, container: str, key: str, path: Path) -> StoredObject:
        def copy(dst: BinaryIO, digest: hashlib._Hash) -> int:
            with path.open("rb") as src:
                return _copy_into(src, dst, digest)

        return await self._put_whole(container, key, copy)

    async def put_bytes(self, container: str, key: str, data: bytes) -> StoredObject:
        # one hop to a thread for the whole object (open, write, rename): a log or a small
        # prediction file from each of 2,000 runs ending together would otherwise cost the
        # event loop an open, a mkdir and a rename apiece
        def write(dst: BinaryIO, digest: hashlib._Hash) -> int:
            digest.update(data)
            dst.write(data)
            return len(data)

        return await self._put_whole(container, key, write)

    async def _put_whole(
        self, container: str, key: str, fill: Callable[[BinaryIO, hashlib._Hash], int]
    ) -> StoredObject:
        """Write an object in one thread: ``fill`` writes it to a temporary file (and the
        digest) and returns its size; the file is then renamed into place."""
        final = self.path(container, key)
        tmp = self.root / ".partial" / uuid.uuid4().hex

        def store() -> StoredObject:
            digest = hashlib.sha256()
            try:
                with tmp.open("wb") as dst:
                    size = fill(dst, digest)
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
            finally:
                tmp.unlink(missing_ok=True)
            return StoredObject(container, key, size, digest.hexdigest())

        try:
            return await asyncio.to_thread(store)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _full(exc) from None
            raise

    def _open(self, container: str, key: str) -> BinaryIO:
        try:
            return self.path(container, key).open("rb")
        except FileNotFoundError:
            raise BlobNotFound(container, key) from None

    async def iter_chunks(self, container: str, key: str) -> AsyncIterator[bytes]:
        with self._open(container, key) as f:
            while chunk := await asyncio.to_thread(f.read, CHUNK):
                yield chunk

    async def iter_range(self, container: str, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        with self._open(container, key) as f:
            f.seek(start)
            left = end + 1 - start
            while left > 0 and (chunk := await asyncio.to_thread(f.read, min(CHUNK, left))):
                left -= len(chunk)
                yield chunk

    async def download_to(self, container: str, key: str, path: Path, *, sha256: str | None = None) -> int:
        src = self.path(container, key)
        if not src.is_file():
            raise BlobNotFound(container, key)
        tmp = path.with_name(path.name + ".partial")

        def copy() -> int:
            if sha256 is None:
                shutil.copyfile(src, tmp)
            elif _copy_hashed(src, tmp)[1] != sha256:  # one pass: read, hash, write
                raise ContentMismatch(container, key)
            os.replace(tmp, path)
            return path.stat().st_size

        try:
            return await asyncio.to_thread(copy)
        finally:
            tmp.unlink(missing_ok=True)

    async def size(self, container: str, key: str) -> int:
        try:
            return self.path(container, key).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(container, key) from None

    async def exists(self, container: str, key: str) -> bool:
        return self.path(container, key).is_file()

    async def delete(self, container: str, key: str) -> None:
        self.path(container, key).unlink(missing_ok=True)

    async def list(self, container: str, prefix: str = "") -> list[str]:
        base = self.root / container
        out = []
        for p in base.rglob("*"):
            if p.is_file():
                rel = p.relative_to(base).as_posix()
                if rel.startswith(prefix):
                    out.append(rel)
        return sorted(out)


def _copy_hashed(src: Path, dst: Path) -> tuple[int, str]:
    """Copy in one pass, hashing on the way; (size, sha256)."""
    digest = hashlib.sha256()
    with src.open("rb") as f, dst.open("wb") as out:
        size = _copy_into(f, out, digest)
    return size, digest.hexdigest()


def _copy_into(src: BinaryIO, dst: BinaryIO, digest: hashlib._Hash) -> int:
    """Copy ``src`` to ``dst`` in blocks, hashing on the way; the bytes copied."""
    size = 0
    while block := src.read(CHUNK):
        digest.update(block)
        size += len(block)
        dst.write(block)
    return size
