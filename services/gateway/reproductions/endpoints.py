"""``/api/v1/.../reproductions``: a host re-runs scored submissions to check that they
reproduce, and reads the verdict (``service.py``). Host and admins only: a team member
asking gets 403, anyone else 404 (ids do not leak)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.gateway.auth.dependencies import CurrentUser
from services.gateway.competitions import service as competitions
from services.gateway.deps import SessionDep
from services.gateway.models import Competition, Submission, User
from services.gateway.openapi import problems
from services.gateway.reproductions import service
from services.gateway.reproductions.schemas import (
    BoardReproductionCreate,
    BoardReproductions,
    ReproductionCreate,
    ReproductionReport,
)
from services.gateway.submissions import repository as submissions_repo
from services.gateway.submissions import service as submissions
from shared.web import NotFound

router = APIRouter(tags=["submissions"])


async def _hosted(
    session: SessionDep, submission_id: uuid.UUID, user: User
) -> tuple[Submission, Competition]:
    submission, competition = await submissions.get_visible(session, submission_id, user)
    competitions.require_host(competition, user)
    return submission, competition


@router.post(
    "/submissions/{submission_id}/reproductions",
    operation_id="reproduce_submission",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReproductionReport,
    responses={202: {"description": "Queued."}, **problems(401, 403, 404, 409, 422)},
)
async def reproduce_submission(
    submission_id: uuid.UUID, body: ReproductionCreate, user: CurrentUser, session: SessionDep
) -> ReproductionReport:
    """Re-run a scored submission `count` times on the same archive, runtime, data and
    labels (host), at low priority, off every board and quota; read the verdict with
    `get_submission_reproductions`. A training stage's `trained` submission trains again
    and its model is compared byte for byte (`model_matches`); the next stage never gets
    a reproduction's model."""
    original, competition = await _hosted(session, submission_id, user)
    await service.reproduce(session, competition, original, body.count, body.tolerance)
    return await service.report(session, competition, original)


@router.get(
    "/submissions/{submission_id}/reproductions",
    operation_id="get_submission_reproductions",
    response_model=ReproductionReport,
    responses=problems(401, 403, 404),
)
async def get_submission_reproductions(
    submission_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    tolerance: Annotated[
        float | None,
        Query(
            ge=0,
            allow_inf_nan=False,
            description="Judge with this tolerance (default: the latest request's).",
        ),
    ] = None,
) -> ReproductionReport:
    """The original's scores and resources beside each re-run's, and whether they agree
    (host)."""
    original, competition = await _hosted(session, submission_id, user)
    found = await service.report(session, competition, original, tolerance=tolerance)
    if not found.reruns:
        raise NotFound(
            f"submission {submission_id} has no reproductions; POST to this address to ask for some",
            code="no-reproductions",
        )
    return found


@router.post(
    "/competitions/{competition}/reproductions",
    operation_id="reproduce_leaderboard_top",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BoardReproductions,
    responses={202: {"description": "Queued."}, **problems(401, 403, 404, 409, 422)},
)
async def reproduce_leaderboard_top(
    competition: str, body: BoardReproductionCreate, user: CurrentUser, session: SessionDep
) -> BoardReproductions:
    """Re-run the submissions of a stage's top `top` public-board entries, `count` times
    each (host); all of them are checked before any is queued."""
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    stage, top = await service.board_top(session, found, body)
    for original in top:
        await service.reproduce(session, found, original, body.count, body.tolerance)
    ids = [s.id for s in top]
    fresh = {s.id: s for s in [await submissions_repo.get(session, i) for i in ids] if s is not None}
    return BoardReproductions(
        stage_id=stage.id,
        stage_position=stage.position,
        items=[await service.report(session, found, fresh[i]) for i in ids],
    )
