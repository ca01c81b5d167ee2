"""Rules use cases: accept the current version, and the gate that joining or creating
a team, downloading the competition's files and submitting go through.

The host of a competition and administrators need not accept its rules. A change of
the rules text bumps ``rules_version`` (competitions.service), and a participant must
then accept the new version before going on; earlier acceptances stay on record.
"""

from __future__ import annotations

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions.service import is_host
from services.gateway.models import Competition, RulesAcceptance, User
from services.gateway.openapi import API_PREFIX
from services.gateway.rules import repository
from services.gateway.rules.schemas import RulesAcceptanceRead
from shared.db import as_aware
from shared.events import utcnow
from shared.web import Forbidden

log = structlog.get_logger(__name__)


class RulesNotAccepted(Forbidden):
    code = "rules-not-accepted"


async def accept(session: AsyncSession, competition: Competition, user: User) -> RulesAcceptanceRead:
    """Record that ``user`` accepts the current rules; accepting again changes nothing."""
    version = competition.rules_version
    existing = await repository.get(session, competition.id, user.id, version)
    if existing is not None:
        return RulesAcceptanceRead(
            rules_version=version, accepted_at=as_aware(existing.accepted_at), created=False
        )
    record = RulesAcceptance(
        competition_id=competition.id, user_id=user.id, rules_version=version, accepted_at=utcnow()
    )
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # the same user accepted in a concurrent request: theirs stands
        again = await repository.get(session, competition.id, user.id, version)
        assert again is not None
        return RulesAcceptanceRead(
            rules_version=version, accepted_at=as_aware(again.accepted_at), created=False
        )
    log.info("rules.accepted", competition_id=str(competition.id), user=user.username, rules_version=version)
    return RulesAcceptanceRead(rules_version=version, accepted_at=record.accepted_at, created=True)


async def has_accepted(session: AsyncSession, competition: Competition, user: User) -> bool:
    """Whether ``user`` may go on: they accepted the current rules, or need not."""
    if is_host(competition, user):
        return True
    return await repository.get(session, competition.id, user.id, competition.rules_version) is not None


async def require_accepted(session: AsyncSession, competition: Competition, user: User) -> None:
    if not await has_accepted(session, competition, user):
        version = competition.rules_version
        raise RulesNotAccepted(
            f"accept the rules of {competition.slug!r} (version {version}) first: read them in the "
            f"competition's `rules` and POST {API_PREFIX}/competitions/{competition.slug}/rules/acceptance",
            rules_version=version,
        )
