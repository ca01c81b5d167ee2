"""Pieces of the public OpenAPI document shared by every router: tags, the problem
schema declared on error responses, pagination."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shared.db import as_aware
from shared.web import PROBLEM_JSON

API_PREFIX = "/api/v1"

# SQLite hands back naive datetimes; the API promises RFC 3339 date-times, which carry an offset (UTC)
UtcDatetime = Annotated[datetime, AfterValidator(as_aware)]

TAGS: list[dict[str, str]] = [
    {"name": "auth", "description": "Sign up, log in and out of a browser session (cookies)."},
    {"name": "users", "description": "Accounts and their personal access tokens (bearer)."},
    {"name": "competitions", "description": "Competitions, their test data and hidden labels (hosts)."},
    {"name": "files", "description": "What participants download: participant files and the smoke sample."},
    {"name": "teams", "description": "Teams: every submission belongs to one."},
    {"name": "submissions", "description": "Upload a zipped solution, follow its run, read its log."},
    {"name": "leaderboard", "description": "Public and private leaderboards; revealing the private one."},
]


class Problem(BaseModel):
    """RFC 9457 problem details; ``type`` ends with a stable machine-readable code."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str


_DESCRIPTIONS = {
    400: "The request is malformed.",
    401: "Missing or invalid credentials (bearer token or session cookie).",
    403: "Not allowed for this user, or not at this time.",
    404: "No such resource (or not visible to this user).",
    409: "Conflicts with the current state.",
    413: "The upload is larger than allowed.",
    422: "The request or the uploaded content is invalid; `detail` says what was expected.",
    429: "Daily quota used up; see `resets_at`.",
    503: "A service this request depends on is unavailable; retry later.",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status documented as ``application/problem+json``."""
    return {
        status: {
            "description": _DESCRIPTIONS.get(status, "Error."),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def binary_body(media_type: str, description: str) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its raw body as a stream."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


# beyond any list Holdout holds, and within a 64-bit SQL integer (SQLite overflows past that: a 500)
MAX_OFFSET = 10**9


class PageParams(BaseModel):
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    limit: int = Field(default=50, ge=1, le=200)


def page_params(
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description="How many items to skip."),
    limit: int = Query(50, ge=1, le=200, description="How many items to return."),
) -> PageParams:
    return PageParams(offset=offset, limit=limit)
