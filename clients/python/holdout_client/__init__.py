"""Holdout's Python client: ``Holdout`` (a session over the generated client), the typed problems
of ``errors``, and the ``holdout`` CLI (``holdout_client.cli``)."""

from __future__ import annotations

from holdout_client.errors import (
    ApiProblem,
    Conflict,
    Forbidden,
    HoldoutError,
    Invalid,
    NotFound,
    QuotaExceeded,
    SubmissionFailed,
    Unauthorized,
)
from holdout_client.session import Holdout

__all__ = [
    "ApiProblem",
    "Conflict",
    "Forbidden",
    "Holdout",
    "HoldoutError",
    "Invalid",
    "NotFound",
    "QuotaExceeded",
    "SubmissionFailed",
    "Unauthorized",
]
