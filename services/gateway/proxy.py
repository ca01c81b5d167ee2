"""Calls to the other services' HTTP APIs (leaderboard, orchestrator logs).

An unreachable or failing service becomes a 503 problem, never a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import structlog
from starlette.responses import StreamingResponse

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


async def stream(client: httpx.AsyncClient, service: str, url: str) -> StreamingResponse:
    """Relay a long-lived stream (server-sent events) as it arrives.

    The upstream is opened before the response starts, so an unreachable service is
    still a 503 problem; once streaming, the connection simply ends with the upstream's.
    """
    headers = {"Accept": "text/event-stream"}
    if (cid := current_correlation_id()) is not None:
        headers["X-Correlation-ID"] = cid
    request = client.build_request("GET", url, headers=headers, timeout=httpx.Timeout(10.0, read=None))
    try:
        upstream = await client.send(request, stream=True)
    except httpx.HTTPError as exc:
        log.warning("proxy.unreachable", service=service, url=url, error=repr(exc))
        raise ServiceUnavailable(
            f"the {service} service is unavailable right now; try again shortly"
        ) from None
    if upstream.status_code >= 400:
        await upstream.aclose()
        log.warning("proxy.upstream_error", service=service, url=url, status=upstream.status_code)
        raise ServiceUnavailable(f"the {service} service failed to answer; try again shortly")

    async def relay() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        except httpx.HTTPError as exc:  # the upstream went away mid-stream: end ours too
            log.info("proxy.stream_ended", service=service, error=repr(exc))
        finally:
            await upstream.aclose()

    return StreamingResponse(
        relay(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
