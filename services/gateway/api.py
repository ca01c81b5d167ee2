"""The public ``/api/v1`` router: every feature package's endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from services.gateway.auth.endpoints import router as users
from services.gateway.auth.session_endpoints import router as auth
from services.gateway.competitions.endpoints import router as competitions
from services.gateway.files.endpoints import router as files
from services.gateway.leaderboard.endpoints import router as leaderboard
from services.gateway.openapi import API_PREFIX
from services.gateway.reproductions.endpoints import router as reproductions
from services.gateway.rules.endpoints import router as rules
from services.gateway.runtimes.endpoints import router as runtimes
from services.gateway.stages.endpoints import router as stages
from services.gateway.stages.program_endpoints import router as scoring_programs
from services.gateway.submissions.endpoints import router as submissions
from services.gateway.submissions.review import router as submission_review
from services.gateway.teams.endpoints import router as teams
from services.gateway.webhooks.endpoints import router as webhooks

FEATURE_ROUTERS = (
    auth,
    users,
    competitions,
    stages,
    scoring_programs,
    rules,
    files,
    teams,
    submissions,
    submission_review,
    reproductions,
    leaderboard,
    runtimes,
    webhooks,
)


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    for part in FEATURE_ROUTERS:
        router.include_router(part)
    return router
