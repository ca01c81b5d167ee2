"""The correlation id of the request or message being handled (a context variable).

The HTTP middleware sets it from ``X-Correlation-ID`` (or a new one), the bus sets it
from each consumed event, and every new event picks it up, so one id follows a
submission from the upload through every service's logs.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_correlation_id: ContextVar[str | None] = ContextVar("holdout_correlation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> None:
    _correlation_id.set(value)


def new_correlation_id() -> str:
    return uuid.uuid4().hex
