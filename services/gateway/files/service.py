"""Participant-file use cases: a host attaches, replaces and removes files; a
participant who accepted the rules lists and downloads them.

Participant files live in the ``files`` storage container, which holds nothing but
what participants may read; a download is looked up by (competition, file name) in
``participant_files`` and never by a path the caller gives, so neither test
features nor labels can be reached from here. Every upload goes to a fresh key, so a
download in flight is never served half of an old file and half of a new one.

Takes a session from the caller and never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions.service import check_filename
from services.gateway.files import repository
from services.gateway.files.schemas import FileKind, ParticipantFileRead
from services.gateway.files.serving import CONTAINER, Download
from services.gateway.models import Competition, ParticipantFile
from services.gateway.uploads import too_large
from shared.events import utcnow
from shared.storage import Storage
from shared.storage.base import ObjectTooLarge
from shared.web import NotFound

log = structlog.get_logger(__name__)


def _key(competition: Competition, filename: str) -> str:
    return f"{competition.id}/files/{uuid.uuid4().hex}/{filename}"


async def upload(
    session: AsyncSession,
    storage: Storage,
    competition: Competition,
    filename: str,
    kind: FileKind,
    body: AsyncIterable[bytes],
    max_bytes: int,
) -> tuple[ParticipantFileRead, str | None]:
    """Store a participant file (or replace the one of that name): the bytes first, with
    no transaction open (the caller ends its reads first), then the record. Returns the
    record and the storage key of the file it replaced, to delete once the change is
    committed."""
    check_filename(filename)
    key = _key(competition, filename)
    try:
        stored = await storage.put_stream(CONTAINER, key, body, max_bytes=max_bytes)
    except ObjectTooLarge:
        raise too_large("participant file", max_bytes) from None
    record = await repository.get(session, competition.id, filename)
    replaced = None
    if record is None:
        record = ParticipantFile(competition_id=competition.id, filename=filename)
        session.add(record)
    else:
        replaced = record.storage_key
    record.kind = kind.value
    record.size_bytes = stored.size
    record.sha256 = stored.sha256
    record.storage_key = key
    record.uploaded_at = utcnow()
    competition.updated_at = utcnow()
    log.info(
        "files.uploaded",
        competition_id=str(competition.id),
        filename=filename,
        kind=kind.value,
        size=stored.size,
        replaced=replaced is not None,
    )
    return ParticipantFileRead.model_validate(record), replaced


async def _get(session: AsyncSession, competition: Competition, filename: str) -> ParticipantFile:
    check_filename(filename)
    record = await repository.get(session, competition.id, filename)
    if record is None:
        raise NotFound(
            f"{competition.slug!r} has no participant file {filename!r}; "
            f"GET its files to see which there are",
            code="file-not-found",
        )
    return record


async def delete(session: AsyncSession, competition: Competition, filename: str) -> str:
    """Remove a participant file; returns its storage key, to delete after the commit."""
    record = await _get(session, competition, filename)
    key = record.storage_key
    await repository.delete(session, record)
    competition.updated_at = utcnow()
    log.info("files.deleted", competition_id=str(competition.id), filename=filename)
    return key


async def page(
    session: AsyncSession, competition: Competition, offset: int, limit: int
) -> tuple[list[ParticipantFileRead], int]:
    rows, total = await repository.page(session, competition.id, offset, limit)
    return [ParticipantFileRead.model_validate(f) for f in rows], total


async def of_competitions(
    session: AsyncSession, competitions: Sequence[Competition]
) -> dict[uuid.UUID, list[ParticipantFileRead]]:
    files = await repository.of_competitions(session, [c.id for c in competitions])
    return {cid: [ParticipantFileRead.model_validate(f) for f in rows] for cid, rows in files.items()}


async def download(session: AsyncSession, competition: Competition, filename: str) -> Download:
    record = await _get(session, competition, filename)
    return Download(
        key=record.storage_key, size=record.size_bytes, etag=f'"{record.sha256}"', filename=record.filename
    )
