"""Problems the API answered, raised as typed exceptions.

Every error the gateway sends is an RFC 9457 problem with a stable ``code``; ``raise_for`` turns
one into the exception class for its status (and, for the ones a caller acts on, its code).
"""

from __future__ import annotations

import json
from typing import Any


class HoldoutError(Exception):
    """Anything this package raises on purpose."""


class ApiProblem(HoldoutError):
    """The gateway answered an error; ``problem`` is its whole problem+json body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.code = str(problem.get("code") or str(problem.get("type", "")).rsplit("/", 1)[-1] or status)
        self.detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
        super().__init__(f"{status} {self.code}: {self.detail}")


class BadRequest(ApiProblem):
    """400: the request could not be read."""


class Unauthorized(ApiProblem):
    """401: no token, or a token that is not (or no longer) valid."""


class Forbidden(ApiProblem):
    """403: not allowed for this user, or not now."""


class NotFound(ApiProblem):
    """404."""


class Conflict(ApiProblem):
    """409: conflicts with the current state."""


class PayloadTooLarge(ApiProblem):
    """413: see ``problem['max_bytes']``."""


class UnsupportedMediaType(ApiProblem):
    """415: see ``problem['accepted']``."""


class Invalid(ApiProblem):
    """422: the request or the uploaded content is invalid."""

    @property
    def problems(self) -> list[str]:
        """Every rule an upload breaks (``invalid-submission``), or every bad field."""
        listed = self.problem.get("problems")
        if isinstance(listed, list):
            return [str(p) for p in listed]
        errors = self.problem.get("errors") or []
        return [f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg', '')}" for e in errors]


class QuotaExceeded(ApiProblem):
    """429: the team's daily quota is used up; see ``resets_at``."""

    @property
    def resets_at(self) -> str | None:
        value = self.problem.get("resets_at")
        return str(value) if value is not None else None


class ServerError(ApiProblem):
    """5xx: the platform's fault; retry later."""


_BY_STATUS: dict[int, type[ApiProblem]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: Invalid,
    429: QuotaExceeded,
}


def problem_from(status: int, content: bytes) -> ApiProblem:
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {"status": status, "detail": content.decode(errors="replace")[:500] or f"HTTP {status}"}
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ApiProblem)
    return cls(status, body)


def raise_for(status: int, content: bytes) -> None:
    if status >= 400:
        raise problem_from(status, content)


class SubmissionFailed(HoldoutError):
    """A submission ended ``failed`` or ``cancelled``; ``submission`` is its last state."""

    def __init__(self, submission: dict[str, Any]) -> None:
        self.submission = submission
        reason = submission.get("failure_reason") or submission.get("status")
        super().__init__(f"submission {submission.get('id')} {submission.get('status')}: {reason}")
