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
    {
        "name": "stages",
        "description": "A competition's stages in order: schedule, scoring columns, limits, quotas and data.",
    },
    {"name": "files", "description": "What participants download: participant files and the smoke sample."},
    {"name": "teams", "description": "Teams: every submission belongs to one."},
    {"name": "submissions", "description": "Upload a zipped solution, follow its run, read its log."},
    {"name": "leaderboard", "description": "Public and private leaderboards; revealing the private one."},
    {
        "name": "runtimes",
        "description": "The runtimes a stage may name: each one's version, packages and lock, to install "
        "it at home.",
    },
    {
        "name": "scoring-programs",
        "description": "A stage's own scoring program (hosts): uploaded, tried on the smoke sample, "
        "and its logs.",
    },
    {
        "name": "webhooks",
        "description": "Signed HTTPS callbacks for competition events (hosts; platform-wide: admins), "
        "their delivery log and redelivery.",
    },
]


class FieldError(BaseModel):
    """One invalid part of a request (422 ``validation-error``)."""

    loc: list[str | int] = Field(description="Where: `body`, `query` or `path`, then the field's path.")
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details. ``code`` (also the end of ``type``) is stable and machine-readable;
    the optional members below come with the problems that name them."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "https://holdout.dev/problems/quota-exceeded",
                    "title": "Too Many Requests",
                    "status": 429,
                    "detail": "team 'ada' has used its 5 submissions for today (UTC); "
                    "the quota resets at 2026-12-02T00:00:00+00:00",
                    "instance": "/api/v1/competitions/digits/submissions",
                    "code": "quota-exceeded",
                    "limit": 5,
                    "remaining": 0,
                    "resets_at": "2026-12-02T00:00:00+00:00",
                }
            ]
        },
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str = Field(description="The problem's stable code, e.g. `quota-exceeded`, `invalid-submission`.")
    errors: list[FieldError] | None = Field(
        default=None, description="422 `validation-error`: each bad field."
    )
    problems: list[str] | None = Field(
        default=None, description="`invalid-submission` and the like: every rule the upload breaks."
    )
    limit: int | None = Field(default=None, description="`quota-exceeded`: runs allowed per UTC day.")
    remaining: int | None = Field(default=None, description="`quota-exceeded`: runs left today.")
    resets_at: UtcDatetime | None = Field(
        default=None, description="`quota-exceeded`: when the quota resets."
    )
    max_bytes: int | None = Field(default=None, description="`payload-too-large`: the size limit in bytes.")
    accepted: list[str] | None = Field(
        default=None, description="`unsupported-media-type`: the content types this upload accepts."
    )
    missing: list[str] | None = Field(
        default=None, description="`competition-not-ready`: what the host has still to upload."
    )
    valid_metrics: list[str] | None = Field(default=None, description="`unknown-metric`: the catalog.")
    status_now: str | None = Field(default=None, description="`submission-finished`: the current status.")
    final_count: int | None = Field(default=None, description="How many final submissions a team may pick.")
    opens_at: UtcDatetime | None = Field(
        default=None,
        description="`competition-not-open`, `between-stages`: when submissions (the next stage) open.",
    )
    closes_at: UtcDatetime | None = Field(
        default=None,
        description="`competition-closed`, `between-stages`: when submissions (the last stage) closed.",
    )
    stage: int | None = Field(
        default=None,
        description="`stage-takes-no-uploads`, `invalid-schedule`, `invalid-feed`: the stage's position.",
    )
    closed_stage: int | None = Field(
        default=None, description="`between-stages`: the stage that closed last."
    )
    next_stage: int | None = Field(default=None, description="`between-stages`: the stage that opens next.")
    column: int | None = Field(
        default=None, description="`invalid-columns`, `unknown-metric`: the index of the column at fault."
    )
    run_status: str | None = Field(
        default=None, description="`scoring-program-failed`: how the trial ended (`program_failed`, `ok`)."
    )
    exit_code: int | None = Field(
        default=None, description="`scoring-program-failed`: the program's exit code."
    )
    log_tail: str | None = Field(
        default=None, description="`scoring-program-failed`: the end of the program's stdout and stderr."
    )


DESCRIPTIONS = {
    400: "The request is malformed (e.g. a body that is not JSON).",
    401: "Missing or invalid credentials (bearer token or session cookie).",
    403: "Not allowed for this user (or the account is disabled), or not at this time.",
    404: "No such resource (or not visible to this user).",
    408: "The request's body stalled (or came too slowly); nothing was kept. Send it again.",
    409: "Conflicts with the current state.",
    413: "The upload is larger than allowed; see `max_bytes`.",
    415: "The body's Content-Type is not one this upload accepts; see `accepted`.",
    422: "The request or the uploaded content is invalid; `detail` says what was expected.",
    429: "Too many requests: the daily quota is used up (see `resets_at`), or too many attempts; "
    "`Retry-After` says when to try again.",
    500: "Holdout hit an unexpected error (a bug); it has been logged.",
    503: "A service this request depends on is unavailable, or the server is stopping; retry later "
    "(`Retry-After`).",
    507: "Holdout is out of storage space; nothing from this request was kept. Retry later.",
}


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "schema": schema}


QUOTA_HEADERS = {
    "X-Quota-Limit": _header(
        "Runs of this kind (real or smoke) the team may make per UTC day.", {"type": "integer"}
    ),
    "X-Quota-Remaining": _header("Runs of this kind the team has left today.", {"type": "integer"}),
    "X-Quota-Reset": _header(
        "When the daily quota resets (RFC 3339, UTC).", {"type": "string", "format": "date-time"}
    ),
}
RETRY_AFTER = {"Retry-After": _header("Seconds to wait before trying again.", {"type": "integer"})}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": _header("`Bearer`: the scheme to authenticate with.", {"type": "string"})
}
LOCATION = {"Location": _header("The URL of the resource created.", {"type": "string"})}
ETAG = {"ETag": _header("The entity tag of the file (send it back in `If-None-Match`).", {"type": "string"})}
CONTENT_RANGE = {
    "Content-Range": _header("Which bytes of the file this is (`bytes 0-99/1234`).", {"type": "string"})
}
CONTENT_DISPOSITION = {
    "Content-Disposition": _header(
        '`attachment; filename="..."`: the name to save it under.', {"type": "string"}
    )
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status documented as ``application/problem+json``."""
    return {
        status: {
            "description": DESCRIPTIONS.get(status, "Error."),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def binary_body(description: str, accepted: tuple[str, ...], example: str | None = None) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its raw body as a stream.

    Declared as ``application/octet-stream`` alone, the one binary form that openapi-python-client
    and openapi-typescript/openapi-fetch both generate without configuration; the server also
    takes the specific types listed in the description (and answers 415 for anything else).
    """
    media: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
    if example is not None:
        media["example"] = example
    if accepted == ("*/*",):
        also = "also accepted with the file's own content type."
    else:
        also = (
            "also accepted as "
            + ", ".join(f"`{t}`" for t in accepted if t != "application/octet-stream")
            + "."
        )
    return {
        "requestBody": {
            "required": True,
            "description": f"{description} Sent as raw bytes (not multipart); {also}",
            "content": {"application/octet-stream": media},
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
