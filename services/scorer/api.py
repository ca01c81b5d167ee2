"""The scorer's internal HTTP API: a submission's scoring outcome, a rescoring's progress."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.scorer import repository
from shared.web import NotFound


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]


class ScoreOut(BaseModel):
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    attempt: int
    status: str  # "scored" | "failed"
    metric: str
    higher_is_better: bool | None
    public_score: float | None
    private_score: float | None
    reason: str | None
    detail: str
    scored_at: datetime


router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get("/scores/{submission_id}", operation_id="get_score", response_model=ScoreOut)
async def get_score(submission_id: uuid.UUID, session: SessionDep) -> ScoreOut:
    record = await repository.get(session, submission_id)
    if record is None:
        raise NotFound(
            f"the scorer has no outcome for submission {submission_id} (not scored yet, or unknown)"
        )
    return ScoreOut(**{k: v for k, v in record.__dict__.items() if k in ScoreOut.model_fields})


class RescoreOut(BaseModel):
    rescore_id: uuid.UUID
    competition_id: uuid.UUID
    status: str  # "running" | "done" | "failed"
    requested_at: datetime
    rescored: int
    failed: int
    skipped: int
    """Items with nothing to score them with (no predictions file, no team): old outcome stands."""
    superseded: int
    """Items left to a later rescoring of the stage, whose spec wins."""
    detail: str
    finished_at: datetime | None


@router.get("/rescores/{rescore_id}", operation_id="get_rescore", response_model=RescoreOut)
async def get_rescore(rescore_id: uuid.UUID, session: SessionDep) -> RescoreOut:
    rescore = await repository.get_rescore(session, rescore_id)
    if rescore is None:
        raise NotFound(f"the scorer has no rescoring {rescore_id} (not requested yet, or unknown)")
    fields = {k: v for k, v in rescore.__dict__.items() if k in RescoreOut.model_fields}
    return RescoreOut(**fields)
