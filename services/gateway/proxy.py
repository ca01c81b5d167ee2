"""Calls to the other services' HTTP APIs (leaderboard, orchestrator logs, scoring trials).

Every call carries the service credential (``HOLDOUT_INTERNAL_TOKEN``): the client the
gateway makes them with adds it. An unreachable or failing service becomes a 503
problem, never a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, NoReturn

import httpx
import structlog
from starlette.responses import StreamingResponse

from services.gateway.config import GatewaySettings
from shared.context import current_correlation_id
from shared.internal_auth import InternalAuth
from shared.web import ProblemError

log = structlog.get_logger(__name__)


class ServiceUnavailable(ProblemError):
    status, code = 503, "service-unavailable"


def internal_http(
    settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The gateway's client of the other services: the service credential goes with
    every request to their addresses, and nowhere else."""
    auth = InternalAuth(
        settings.internal_token, (settings.orchestrator_url, settings.scorer_url, settings.leaderboard_url)
    )
    return httpx.AsyncClient(timeout=settings.proxy_timeout_s, transport=transport, auth=auth)


async def get(
    client: httpx.AsyncClient,
    service: str,
    url: str,
    params: dict[str, Any] | None = None,
    *,
    timeout_s: float | None = None,
) -> httpx.Response:
    headers = {}
    if (cid := current_correlation_id()) is not None:
        headers["X-Correlation-ID"] = cid
    timeout = httpx.USE_CLIENT_DEFAULT if timeout_s is None else timeout_s
    try:
        response = await client.get(url, params=params, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        log.warning("proxy.unreachable", service=service, url=url, error=repr(exc))
        raise ServiceUnavailable(
            f"the {service} service is unavailable right now; try again shortly"
        ) from None
    if response.status_code >= 500:
        log.warning("proxy.upstream_error", service=service, url=url, status=response.status_code)
        raise ServiceUnavailable(f"the {service} service failed to answer; try again shortly")
    if response.status_code == 401:
        _credential_refused(service, url)
    return response


async def post(
    client: httpx.AsyncClient, service: str, url: str, body: dict[str, Any], *, timeout_s: float
) -> httpx.Response:
    """A JSON POST answered when the work is done (a scoring trial): its own timeout."""
    headers = {}
    if (cid := current_correlation_id()) is not None:
        headers["X-Correlation-ID"] = cid
    try:
        response = await client.post(url, json=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        log.warning("proxy.unreachable", service=service, url=url, error=repr(exc))
        raise ServiceUnavailable(
            f"the {service} service is unavailable right now; try again shortly"
        ) from None
    if response.status_code >= 500:
        log.warning(
            "proxy.upstream_error",
            service=service,
            url=url,
            status=response.status_code,
            body=response.text[:500],
        )
        raise ServiceUnavailable(f"the {service} service failed to answer; try again shortly")
    if response.status_code == 401:
        _credential_refused(service, url)
    return response


def _credential_refused(service: str, url: str) -> NoReturn:
    """The service refused the gateway's credential: the operator's configuration, not
    the user's request, so never relayed as the user's 401."""
    log.error(
        "proxy.internal_credential_refused",
        service=service,
        url=url,
        hint="HOLDOUT_INTERNAL_TOKEN must be set, and the same, on every service",
    )
    raise ServiceUnavailable(f"the {service} service is unavailable right now; try again shortly")


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
    if upstream.status_code == 401:
        await upstream.aclose()
        _credential_refused(service, url)
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
