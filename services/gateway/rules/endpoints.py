"""``/api/v1/competitions/{competition}/rules``: accept the competition's current rules."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from services.gateway.auth.dependencies import CurrentUser
from services.gateway.competitions import service as competitions
from services.gateway.deps import SessionDep
from services.gateway.openapi import problems
from services.gateway.rules import service
from services.gateway.rules.schemas import RulesAcceptanceRead

router = APIRouter(prefix="/competitions/{competition}/rules", tags=["competitions"])


@router.post(
    "/acceptance",
    operation_id="accept_competition_rules",
    status_code=status.HTTP_201_CREATED,
    response_model=RulesAcceptanceRead,
    responses={
        200: {"description": "This version of the rules was already accepted.", "model": RulesAcceptanceRead},
        **problems(401, 404),
    },
)
async def accept_rules(
    competition: str, response: Response, user: CurrentUser, session: SessionDep
) -> RulesAcceptanceRead:
    """Accept the competition's current rules (its `rules` and `rules_version`).

    Needed before creating or joining a team, downloading the competition's files and
    submitting. When the host changes the rules, the new version must be accepted again.
    """
    found = await competitions.get(session, competition)
    result = await service.accept(session, found, user)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return result
