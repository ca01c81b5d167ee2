"""The scorer's internal HTTP routes: a submission's scoring outcome, a rescoring's
progress (response models in ``schemas.py``, dependencies in ``deps.py``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.scorer import repository
from services.scorer.deps import SessionDep
from services.scorer.schemas import RescoreOut, ScoreOut
from shared.web import NotFound

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get("/scores/{submission_id}", operation_id="get_score", response_model=ScoreOut)
async def get_score(submission_id: uuid.UUID, session: SessionDep) -> ScoreOut:
    record = await repository.get(session, submission_id)
    if record is None:
        raise NotFound(
            f"the scorer has no outcome for submission {submission_id} (not scored yet, or unknown)"
        )
    return ScoreOut(**{k: v for k, v in record.__dict__.items() if k in ScoreOut.model_fields})


@router.get("/rescores/{rescore_id}", operation_id="get_rescore", response_model=RescoreOut)
async def get_rescore(rescore_id: uuid.UUID, session: SessionDep) -> RescoreOut:
    rescore = await repository.get_rescore(session, rescore_id)
    if rescore is None:
        raise NotFound(f"the scorer has no rescoring {rescore_id} (not requested yet, or unknown)")
    fields = {k: v for k, v in rescore.__dict__.items() if k in RescoreOut.model_fields}
    return RescoreOut(**fields)
