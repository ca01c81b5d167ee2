"""The service credential between Holdout's own services (``HOLDOUT_INTERNAL_TOKEN``).

Only the gateway faces users. The orchestrator, the scorer and the leaderboard answer
only a caller that presents the per-deployment secret as ``Authorization: Bearer ...``
(``InternalAuthMiddleware``, installed by ``shared.runtime.install_service_plumbing``);
``/healthz``, ``/readyz`` and ``/metrics`` stay open for probes and scrapers, and carry
no participant data. The gateway sends the secret on every call it makes to them, and
the scorer on each scoring run it asks of the orchestrator (``InternalAuth``, to their
addresses and nowhere else).

``holdout up`` keeps one secret per data directory (``load_or_create_token``);
``holdout serve`` refuses to start without one.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Generator, Iterable
from pathlib import Path

import httpx
from pydantic import SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.settings import MIN_INTERNAL_TOKEN_LENGTH
from shared.web import problem_response

# probes and the Prometheus scraper reach these without the secret
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
TOKEN_FILE = "internal-token"  # noqa: S105 (a file name, not a secret)


def bearer_header(token: SecretStr) -> str:
    return f"Bearer {token.get_secret_value()}"


def _presented(scope: Scope) -> bytes | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            scheme, _, credential = value.partition(b" ")
            return credential.strip() if scheme.lower() == b"bearer" else None
    return None


class InternalAuthMiddleware:
    """Refuses every request but the open operations paths without the service secret.

    A service started with no secret configured refuses them all (fails closed)."""

    def __init__(self, app: ASGIApp, token: SecretStr | None, service: str) -> None:
        self.app = app
        self.service = service
        self.expected = token.get_secret_value().encode() if token is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        presented = _presented(scope)
        expected = self.expected
        # constant time, so the secret cannot be guessed a byte at a time
        if expected is not None and presented is not None and hmac.compare_digest(presented, expected):
            await self.app(scope, receive, send)
            return
        if expected is None:
            detail = (
                f"the {self.service} service has no HOLDOUT_INTERNAL_TOKEN configured, so it "
                "answers no one; only the gateway faces users"
            )
        elif presented is None:
            detail = (
                f"the {self.service} service is internal: send the deployment's service "
                "credential (HOLDOUT_INTERNAL_TOKEN) as 'Authorization: Bearer <token>'"
            )
        else:
            detail = f"the service credential sent to the {self.service} service is not this deployment's"
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        response = problem_response(
            401, "internal-credential-required", "Unauthorized", detail, scope["path"]
        )
        await response(scope, receive, send)


class InternalAuth(httpx.Auth):
    """Adds the service credential to requests for the internal services' origins only,
    so a client that also calls outside (webhooks) never hands the secret out."""

    def __init__(self, token: SecretStr | None, internal_urls: Iterable[str]) -> None:
        self.token = token
        self.origins = {_origin(httpx.URL(u)) for u in internal_urls}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.token is not None and _origin(request.url) in self.origins:
            request.headers["Authorization"] = bearer_header(self.token)
        yield request


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


def load_or_create_token(data_dir: Path) -> SecretStr:
    """The data directory's own secret: read from ``internal-token`` (mode 0600), or
    made and written there on first use, so a restart keeps it."""
    path = data_dir / TOKEN_FILE
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if len(existing) >= MIN_INTERNAL_TOKEN_LENGTH:
        return SecretStr(existing)
    token = secrets.token_urlsafe(32)
    # created 0600 from the start (no window where another user could read it)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    path.chmod(0o600)
    return SecretStr(token)
