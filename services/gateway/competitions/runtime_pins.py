"""A competition's runtime version: pinned when the runtime is set, changed by the host.

The version is the runtime's lock digest (``shared.runtime_locks``: ``sha256:`` of
``runtimes/<name>/requirements.lock``), read from ``GatewaySettings.
runtimes_requirements_dir`` when a competition is created with a runtime, when an edit
names another, or when the host pins again (``PUT .../runtime``). Every change of name or
digest after creation is a ``runtime_changes`` row, listed to participants, so a run's
recorded digest can be told apart from the one the competition promised.

Takes a session from the caller and never commits: the endpoint commits.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository
from services.gateway.competitions.schemas import RuntimeChangeRead, RuntimePin
from services.gateway.competitions.snapshots import announce
from services.gateway.config import GatewaySettings
from services.gateway.models import Competition, RuntimeChange, User
from shared import runtime_locks as locks
from shared.db import as_aware
from shared.events import utcnow
from shared.web import ProblemError

log = structlog.get_logger(__name__)


def _digest(root: Path, name: str) -> str:
    """The runtime's lock digest; ``ProblemError`` (422) naming the runtimes there are."""
    names = locks.runtime_names(root)
    if name not in names:
        raise ProblemError(
            f"unknown runtime {name!r}; choose one of: {', '.join(names) or '(none)'} "
            "(GET /api/v1/runtimes lists them)",
            status=422,
            code="unknown-runtime",
            valid_runtimes=names,
        )
    try:
        return locks.read_lock(root, name).digest
    except locks.RuntimeLockError as exc:
        raise ProblemError(
            f"runtime {name!r} cannot be pinned: {exc}", status=422, code="runtime-not-locked"
        ) from None


async def digest_of(settings: GatewaySettings, name: str) -> str:
    return await asyncio.to_thread(_digest, settings.runtimes_requirements_dir, name)


async def digest_or_none(settings: GatewaySettings, name: str) -> str | None:
    """The digest, or None for a runtime the folder does not hold (or cannot read): creating
    and editing a competition never refused a runtime name, and still do not."""
    try:
        return await digest_of(settings, name)
    except ProblemError:
        return None


def _record(
    session: AsyncSession,
    competition: Competition,
    host: User,
    before: tuple[str, str | None],
    reason: str,
) -> RuntimeChange:
    change = RuntimeChange(
        competition_id=competition.id,
        changed_by=host.id,
        changed_at=utcnow(),
        from_runtime=before[0],
        from_digest=before[1],
        to_runtime=competition.runtime,
        to_digest=competition.runtime_digest,
        reason=reason,
    )
    session.add(change)
    log.info(
        "competition.runtime_changed",
        competition_id=str(competition.id),
        runtime=competition.runtime,
        digest=competition.runtime_digest,
        host=host.username,
    )
    return change


async def follow_edit(
    session: AsyncSession,
    settings: GatewaySettings,
    competition: Competition,
    host: User,
    before: tuple[str, str | None],
) -> None:
    """After an edit (``PATCH``) that named another runtime: pin it and record the change."""
    if competition.runtime == before[0]:
        return
    competition.runtime_digest = await digest_or_none(settings, competition.runtime)
    _record(session, competition, host, before, "")


async def pin(
    session: AsyncSession, settings: GatewaySettings, competition: Competition, host: User, body: RuntimePin
) -> bool:
    """Set the runtime and pin its current lock (host); False when both were already so."""
    digest = await digest_of(settings, body.runtime)
    before = (competition.runtime, competition.runtime_digest)
    if before == (body.runtime, digest):
        return False
    competition.runtime, competition.runtime_digest = body.runtime, digest
    competition.updated_at = utcnow()
    _record(session, competition, host, before, body.reason)
    await announce(session, competition)
    return True


async def changes(
    session: AsyncSession, competition: Competition, offset: int, limit: int
) -> tuple[list[RuntimeChangeRead], int]:
    rows, total = await repository.runtime_changes(session, competition.id, offset, limit)
    return [
        RuntimeChangeRead(
            id=c.id,
            changed_by=c.changed_by,
            changed_by_username=username,
            changed_at=as_aware(c.changed_at),
            from_runtime=c.from_runtime,
            from_digest=c.from_digest,
            to_runtime=c.to_runtime,
            to_digest=c.to_digest,
            reason=c.reason,
        )
        for c, username in rows
    ], total
