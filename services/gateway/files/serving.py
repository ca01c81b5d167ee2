"""HTTP downloads of stored objects: ``Content-Length``, ``ETag`` (``If-None-Match`` ->
304), single byte ranges (``Range`` -> 206, 416 past the end, ``If-Range``), streamed
from storage so memory does not grow with the file.

Where the storage backend can sign a short-lived read-only URL for the one object
(Azure Blob SAS), the answer is a 307 redirect to it instead: no bytes pass through
the gateway, and the storage service answers ranges and validators itself.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from shared.storage import Storage
from shared.web import ProblemError

# the only container a participant's download ever reads from (the default of ``respond``)
CONTAINER = "files"

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class Download:
    key: str
    size: int
    etag: str  # a strong validator, quoted
    filename: str


class RangeNotSatisfiable(ProblemError):
    status, code = 416, "range-not-satisfiable"


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte of a single-range ``Range`` header, or ``None`` to send the
    whole object (no header, a malformed one, several ranges: RFC 9110 lets a server
    ignore those). Raises ``RangeNotSatisfiable`` when the range lies past the end."""
    if header is None:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise _unsatisfiable(size)
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None  # syntactically invalid: ignored
    if start >= size:
        raise _unsatisfiable(size)
    return start, end


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    error = RangeNotSatisfiable(
        f"the requested range starts past the end of the file ({size} bytes)", size_bytes=size
    )
    error.headers = {"Content-Range": f"bytes */{size}"}
    return error


def _matches(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    if header.strip() == "*":
        return True
    # weak comparison (RFC 9110 13.1.2): W/"x" matches "x"
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def respond(
    request: Request,
    storage: Storage,
    download: Download,
    url_ttl: timedelta,
    *,
    container: str = CONTAINER,
) -> Response:
    """``container``: a host's own downloads (a scoring program's log) come from elsewhere."""
    url = storage.read_url(container, download.key, url_ttl, filename=download.filename)
    if url is not None:
        # the URL is a credential that expires: nobody may cache the redirect
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    headers = {
        "ETag": download.etag,
        "Accept-Ranges": "bytes",
        # private: only someone who accepted the rules may read it; no-cache: revalidate (304)
        "Cache-Control": "private, no-cache",
    }
    if _matches(request.headers.get("if-none-match"), download.etag):
        return Response(status_code=304, headers=headers)
    if_range = request.headers.get("if-range")
    wanted = request.headers.get("range") if if_range is None or if_range.strip() == download.etag else None
    span = parse_range(wanted, download.size)
    headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    media_type = mimetypes.guess_type(download.filename)[0] or "application/octet-stream"
    if span is None:
        headers["Content-Length"] = str(download.size)
        return StreamingResponse(
            storage.iter_chunks(container, download.key), media_type=media_type, headers=headers
        )
    start, end = span
    headers["Content-Length"] = str(end + 1 - start)
    headers["Content-Range"] = f"bytes {start}-{end}/{download.size}"
    return StreamingResponse(
        storage.iter_range(container, download.key, start, end),
        status_code=206,
        media_type=media_type,
        headers=headers,
    )
