"""Streaming ``multipart/form-data`` uploads: each file part spooled to its own
temporary file under its own size cap while the body arrives, hashing as it goes.

Beside ``uploads.py`` (one raw body, one file) for the endpoints that take several
files at once. Starlette's own form parser would keep every file in a temporary file
of its choosing with no cap until the whole body has arrived; here a part over its
limit is refused (413) as soon as it crosses it, a full disk is a 507, and every
temporary file is removed when the request ends, whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from services.gateway.uploads import FLUSH_BYTES, EmptyUpload, Spooled, too_large
from shared.web import InsufficientStorage, ProblemError, UnsupportedMediaType, is_out_of_space

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_FIELD_BYTES = 1024
FORM_DATA = "multipart/form-data"


@dataclass(frozen=True)
class FilePart:
    what: str  # how the problems name it ("scoring program")
    limit: int  # bytes


@dataclass
class Form:
    files: dict[str, Spooled] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


class InvalidForm(ProblemError):
    status, code = 422, "invalid-form"


@dataclass
class _Part:
    name: str
    spec: FilePart | None
    out: IO[bytes] | None = None
    path: Path | None = None
    digest: Any = None
    size: int = 0
    buffer: bytearray = field(default_factory=bytearray)


def _boundary(request: Request) -> bytes:
    declared = request.headers.get("content-type", "")
    media_type, params = parse_options_header(declared)
    boundary = params.get(b"boundary")
    if media_type.decode("latin-1").lower() != FORM_DATA or not boundary:
        raise UnsupportedMediaType(
            f"send this upload as {FORM_DATA} (with a boundary), one part per file; "
            f"it was sent as {declared.split(';', 1)[0].strip() or 'nothing'!r}",
            accepted=[FORM_DATA],
        )
    return boundary


@contextlib.asynccontextmanager
async def spool_form(
    request: Request, directory: Path, files: Mapping[str, FilePart], fields: tuple[str, ...]
) -> AsyncIterator[Form]:
    """Read the request's form: the parts named in ``files`` spooled under ``directory``,
    the (short) text ``fields`` kept as strings. Any other part is refused (422), as is a
    part sent twice; which parts are required is the caller's to say."""
    boundary = _boundary(request)
    # the parser calls back synchronously; the callbacks queue what they saw and the
    # loop below does the writing (in a thread) between two chunks of the body
    seen: list[tuple[str, Any]] = []
    header: dict[str, bytearray] = {"field": bytearray(), "value": bytearray()}
    headers: dict[str, bytes] = {}

    def on_header_end() -> None:
        headers[bytes(header["field"]).decode("latin-1").lower()] = bytes(header["value"])
        header["field"].clear()
        header["value"].clear()

    callbacks: dict[str, Any] = {
        "on_part_begin": lambda: headers.clear(),
        "on_header_field": lambda d, s, e: header["field"].extend(d[s:e]),
        "on_header_value": lambda d, s, e: header["value"].extend(d[s:e]),
        "on_header_end": on_header_end,
        "on_headers_finished": lambda: seen.append(("part", dict(headers))),
        "on_part_data": lambda d, s, e: seen.append(("data", bytes(d[s:e]))),
        "on_part_end": lambda: seen.append(("end", None)),
    }
    parser = MultipartParser(boundary, cast("MultipartCallbacks", callbacks))
    form = Form()
    made: list[Path] = []
    current: _Part | None = None
    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise InvalidForm(f"the form could not be read: {exc}") from None
            for kind, value in seen:
                if kind == "part":
                    current = _begin(value, files, fields, form, directory, made)
                elif kind == "data" and current is not None:
                    await _write(current, value)
                elif kind == "end" and current is not None:
                    await _end(current, form)
                    current = None
            seen.clear()
        parser.finalize()
        if current is not None:
            raise InvalidForm("the form ended in the middle of a part; send the whole form")
        yield form
    finally:
        if current is not None and current.out is not None:
            current.out.close()
        for path in made:
            path.unlink(missing_ok=True)


def _begin(
    headers: dict[str, bytes],
    files: Mapping[str, FilePart],
    fields: tuple[str, ...],
    form: Form,
    directory: Path,
    made: list[Path],
) -> _Part:
    _, options = parse_options_header(headers.get("content-disposition", b""))
    name = options.get(b"name", b"").decode("utf-8", "replace")
    expected = ", ".join([*files, *fields])
    if name not in files and name not in fields:
        raise InvalidForm(f"unexpected form part {name!r}; this form takes: {expected}")
    if name in form.files or name in form.fields:
        raise InvalidForm(f"the form part {name!r} was sent twice; send it once")
    spec = files.get(name)
    part = _Part(name=name, spec=spec)
    if spec is not None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=directory, prefix="upload-")
        except OSError as exc:
            if is_out_of_space(exc):
                raise InsufficientStorage(f"the {spec.what}") from None
            raise
        part.path = Path(temp)
        made.append(part.path)
        part.out = os.fdopen(fd, "wb")
        part.digest = hashlib.sha256()
    return part


async def _write(part: _Part, data: bytes) -> None:
    part.size += len(data)
    if part.spec is None:
        if part.size > MAX_FIELD_BYTES:
            raise InvalidForm(f"the form field {part.name!r} is longer than {MAX_FIELD_BYTES} bytes")
        part.buffer += data
        return
    if part.size > part.spec.limit:
        raise too_large(part.spec.what, part.spec.limit)
    part.digest.update(data)
    part.buffer += data
    if len(part.buffer) >= FLUSH_BYTES:
        await _flush(part)


async def _flush(part: _Part) -> None:
    assert part.out is not None and part.spec is not None
    try:
        await asyncio.to_thread(part.out.write, bytes(part.buffer))
    except OSError as exc:
        if is_out_of_space(exc):
            raise InsufficientStorage(f"the {part.spec.what}") from None
        raise
    part.buffer.clear()


async def _end(part: _Part, form: Form) -> None:
    if part.spec is None:
        try:
            form.fields[part.name] = part.buffer.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidForm(f"the form field {part.name!r} is not UTF-8 text") from None
        return
    assert part.out is not None and part.path is not None
    if part.size == 0:
        raise EmptyUpload(part.spec.what)
    if part.buffer:
        await _flush(part)
    try:
        await asyncio.to_thread(part.out.close)
    except OSError as exc:
        if is_out_of_space(exc):
            raise InsufficientStorage(f"the {part.spec.what}") from None
        raise
    form.files[part.name] = Spooled(part.path, part.size, part.digest.hexdigest())
