"""Streaming uploads: a request body spooled to a temporary file under a size cap,
hashing as it goes, so memory use never grows with the file.

A full disk is the platform's trouble, not the client's: a 507 problem, and the
partial file is removed (as it is when the client goes away half-way).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from shared.web import (
    InsufficientStorage,
    PayloadTooLarge,
    ProblemError,
    UnsupportedMediaType,
    is_out_of_space,
)

FLUSH_BYTES = 1 << 20


@dataclass(frozen=True)
class Spooled:
    path: Path
    size: int
    sha256: str


def too_large(what: str, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the {what} is larger than the {human_bytes(limit)} limit", max_bytes=limit)


def check_content_length(request: Request, what: str, limit: int) -> None:
    """Refuse at once when the client announces a body over the limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(what, limit)


# What each upload accepts. application/octet-stream is what the OpenAPI document declares (every
# generated client can send it); the specific types are what curl users and browsers send.
SUBMISSION_TYPES = ("application/zip", "application/x-zip-compressed", "application/octet-stream")
LABELS_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream")
DATA_TYPES = (
    "application/octet-stream",
    "text/csv",
    "application/csv",
    "text/plain",
    "application/json",
    "application/x-ndjson",
    "application/vnd.apache.parquet",
    "application/x-parquet",
    "application/zip",
    "application/gzip",
)
# a participant file may be anything (PDF, images, data); only a form's encoding is surely not the file
ANY_TYPE = ("*/*",)
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def check_content_type(request: Request, what: str, accepted: tuple[str, ...]) -> None:
    """415 (with the accepted types) for a body announced as something this upload cannot be.

    A body sent without a Content-Type is taken as raw bytes (RFC 9110 lets the recipient assume
    application/octet-stream), so `curl --data-binary` and plain HTTP libraries keep working.
    """
    declared = request.headers.get("content-type")
    if declared is None or not declared.strip():
        return
    media_type = declared.split(";", 1)[0].strip().lower()
    if accepted == ANY_TYPE:
        if media_type in FORM_TYPES:
            raise UnsupportedMediaType(
                f"the {what} was sent as a form ({media_type!r}); send the file's raw bytes "
                "(application/octet-stream, or the file's own type)",
                accepted=["*/*"],
            )
        return
    if media_type not in accepted:
        raise UnsupportedMediaType(
            f"the {what} was sent as {media_type!r}; send its raw bytes as one of: {', '.join(accepted)}",
            accepted=list(accepted),
        )


async def capped(chunks: AsyncIterable[bytes], what: str, limit: int) -> AsyncIterator[bytes]:
    """Pass chunks through, raising 413 as soon as more than ``limit`` bytes went by."""
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            raise too_large(what, limit)
        yield chunk


class EmptyUpload(ProblemError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"the {what} is empty (0 bytes); upload the file's contents", status=422, code="empty-file"
        )


async def non_empty(chunks: AsyncIterable[bytes], what: str) -> AsyncIterator[bytes]:
    """The same stream, once its first byte has arrived; an empty body is refused here,
    before anything is written, so it leaves no object in storage and no new version."""
    iterator = aiter(chunks)
    first = b""
    async for first in iterator:
        if first:
            break
    if not first:
        raise EmptyUpload(what)
    return _prepend(first, iterator)


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


@contextlib.asynccontextmanager
async def spool(
    chunks: AsyncIterable[bytes], directory: Path, what: str, limit: int
) -> AsyncIterator[Spooled]:
    """Write the stream to a temp file (deleted on exit); 413 past ``limit`` bytes, 507
    when the disk is full."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-")
    except OSError as exc:
        if is_out_of_space(exc):
            raise InsufficientStorage(f"the {what}") from None
        raise
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                buffer = bytearray()
                async for chunk in capped(chunks, what, limit):
                    size += len(chunk)
                    digest.update(chunk)
                    buffer += chunk
                    if len(buffer) >= FLUSH_BYTES:
                        await asyncio.to_thread(out.write, bytes(buffer))
                        buffer.clear()
                if buffer:
                    await asyncio.to_thread(out.write, bytes(buffer))
        except OSError as exc:
            if is_out_of_space(exc):
                raise InsufficientStorage(f"the {what}") from None
            raise
        yield Spooled(path, size, digest.hexdigest())
    finally:
        path.unlink(missing_ok=True)


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" or value == int(value) else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"
