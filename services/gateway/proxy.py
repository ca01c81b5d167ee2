"""Calls to the other services' HTTP APIs (leaderboard, orchestrator logs).

An unreachable or failing service becomes a 503 problem, never a 500.
"""

from __future__ import annotations

from typing import Any

import httpx
import structlog

from shared.context import current_correlation_id
from shared.web import ProblemError

log = structlog.get_logger(__name__)


class ServiceUnavailable(ProblemError):
    status, code = 503, "service-unavailable"


async def get(
    client: httpx.AsyncClient, service: str, url: str, params: dict[str, Any] | None = None
) -> httpx.Response:
    headers = {}
    if (cid := current_correlation_id()) is not None:
        headers["X-Correlation-ID"] = cid
    try:
        response = await client.get(url, params=params, headers=headers)
    except httpx.HTTPError as exc:
        log.warning("proxy.unreachable", service=service, url=url, error=repr(exc))
        raise ServiceUnavailable(
            f"the {service} service is unavailable right now; try again shortly"
        ) from None
    if response.status_code >= 500:
        log.warning("proxy.upstream_error", service=service, url=url, status=response.status_code)
        raise ServiceUnavailable(f"the {service} service failed to answer; try again shortly")
    return response
