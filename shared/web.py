"""HTTP plumbing every service mounts: problem+json errors, health, metrics, correlation.

Expected failures are raised as ``ProblemError`` (or a subclass) by domain code and
become RFC 9457 ``application/problem+json`` responses; only a genuine bug becomes a
500, and that one says so without leaking internals: it is logged once, by
``UnexpectedErrorMiddleware``, as a bounded traceback (``shared/logging``), and not
raised on to the server to be logged again.
"""

from __future__ import annotations

import errno
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.context import new_correlation_id, set_correlation_id
from shared.storage.base import BlobNotFound, StorageError, StorageFull

log = structlog.get_logger(__name__)

DATABASE_BUSY_RETRY_AFTER = 2
"""Seconds a client is asked to wait when no database connection came free in time."""

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://holdout.dev/problems/"

HTTP_REQUESTS = Counter(
    "holdout_http_requests_total", "HTTP requests handled", ["service", "method", "status"]
)
# any other method is counted as OTHER: a label never holds what a client made up
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ProblemError(Exception):
    """An expected failure a client can act on."""

    status: int = 400
    code: str = "bad-request"
    # extra response headers (e.g. Retry-After on a 429); set by the raiser
    headers: dict[str, str] | None = None

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.title = title or HTTPStatus(self.status).phrase
        self.extra = extra


class NotFound(ProblemError):
    status, code = 404, "not-found"


class Conflict(ProblemError):
    status, code = 409, "conflict"


class Forbidden(ProblemError):
    status, code = 403, "forbidden"


class Unauthorized(ProblemError):
    status, code = 401, "unauthorized"


class PayloadTooLarge(ProblemError):
    status, code = 413, "payload-too-large"


class UnsupportedMediaType(ProblemError):
    status, code = 415, "unsupported-media-type"


class TooManyRequests(ProblemError):
    status, code = 429, "quota-exceeded"


class InsufficientStorage(ProblemError):
    """The platform's disk is full: not the client's fault, and nothing was kept."""

    status, code = 507, "insufficient-storage"
    headers = {"Retry-After": "300"}

    def __init__(self, what: str = "the upload") -> None:
        super().__init__(
            f"Holdout is out of disk space, so {what} was not kept (nothing from this request "
            "was stored); try again later"
        )


def is_out_of_space(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def problem_response(
    status: int, code: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    body = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def unavailable(path: str, code: str, detail: str, *, retry_after: int) -> JSONResponse:
    """A 503 problem that tells the client when to come back."""
    response = problem_response(503, code, "Service Unavailable", detail, path)
    response.headers["Retry-After"] = str(retry_after)
    return response


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        if exc.status >= 500:  # the platform's trouble (a full disk, shutting down): the operator's to see
            log.error("http.platform_problem", path=request.url.path, code=exc.code, detail=exc.detail)
        response = problem_response(
            exc.status, exc.code, exc.title, exc.detail, request.url.path, **exc.extra
        )
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        code = HTTPStatus(status).phrase.lower().replace(" ", "-")
        return problem_response(status, code, HTTPStatus(status).phrase, str(exc.detail), request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return problem_response(
            422,
            "validation-error",
            "Unprocessable Content",
            f"{where}: {first['msg']}" if where else str(first["msg"]),
            request.url.path,
            errors=errors,
        )

    async def on_client_disconnect(request: Request, exc: Exception) -> JSONResponse:
        # the client closed the connection mid-body: its doing, not a fault; whatever was
        # spooled has been removed on the way out. The answer reaches nobody.
        log.info("http.client_disconnected", path=request.url.path, method=request.method)
        return problem_response(
            400,
            "client-disconnected",
            "Bad Request",
            "the client closed the connection before the request body was complete; nothing was kept",
            request.url.path,
        )

    async def on_storage(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StorageError)
        if isinstance(exc, BlobNotFound):  # an object Holdout recorded is gone: a bug, not an outage
            return internal_error(request.url.path, exc)
        if isinstance(exc, StorageFull):
            return await on_problem(request, InsufficientStorage())
        # the backend's message names its endpoint: logged for the operator, not shown
        log.error("http.storage_unavailable", path=request.url.path, error=str(exc)[:500])
        return unavailable(
            request.url.path,
            "storage-unavailable",
            "Holdout's file storage is unavailable right now, so nothing from this request was "
            "stored; try again in a few minutes",
            retry_after=30,
        )

    async def on_pool_timeout(request: Request, exc: Exception) -> JSONResponse:
        # every pooled database connection stayed busy for the pool's whole timeout: the
        # service is overloaded, not broken; the client may come back shortly
        log.warning("http.database_busy", path=request.url.path, error=str(exc)[:300])
        return unavailable(
            request.url.path,
            "database-busy",
            "Holdout is too busy to answer this request right now (no database connection came "
            f"free in time); try again in {DATABASE_BUSY_RETRY_AFTER} seconds",
            retry_after=DATABASE_BUSY_RETRY_AFTER,
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StorageError, on_storage)
    app.add_exception_handler(PoolTimeout, on_pool_timeout)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ClientDisconnect, on_client_disconnect)
    # inside Starlette's ServerErrorMiddleware, which would log the error a second time
    app.add_middleware(UnexpectedErrorMiddleware)


def internal_error(path: str, exc: BaseException) -> JSONResponse:
    """Log a bug once (bounded traceback, no locals) and answer a 500 that says so."""
    log.error("http.unhandled_error", path=path, error=repr(exc)[:500], exc_info=exc)
    return problem_response(
        500,
        "internal-error",
        "Internal Server Error",
        "Holdout hit an unexpected error; it has been logged. Nothing you sent was lost.",
        path,
    )


class UnexpectedErrorMiddleware:
    """Turns an exception no handler took into one log record and a 500 problem.

    It is not raised on: Starlette and uvicorn would each log it again with a full
    traceback. Once a response has started, the connection is closed instead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            response = internal_error(scope.get("path", ""), exc)
            if not started:
                await response(scope, receive, send)


class CorrelationIdMiddleware:
    """Reads ``X-Correlation-ID`` (or makes one), exposes it to logs and events."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw = headers.get(b"x-correlation-id", b"").decode("latin-1")[:64]
        cid = raw if raw and raw.replace("-", "").isalnum() else new_correlation_id()
        set_correlation_id(cid)
        status_holder = {"status": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-correlation-id", cid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            method = scope.get("method", "")
            method = method if method in HTTP_METHODS else "OTHER"
            HTTP_REQUESTS.labels(self.service, method, str(status_holder["status"])).inc()
            set_correlation_id(None)


ReadinessCheck = Callable[[], Awaitable[bool]]


class Drain:
    """Set when the process is told to stop (SIGTERM, ``holdout.server``): from then on
    ``/readyz`` answers 503, so load balancers and Kubernetes send no new requests,
    while the server goes on answering those that still come and those in flight. A
    service adds what must end early with ``on_drain`` (the leaderboard's live
    streams, which would otherwise hold the shutdown up until they time out)."""

    def __init__(self) -> None:
        self.draining = False
        self._hooks: list[Callable[[], None]] = []

    def on_drain(self, hook: Callable[[], None]) -> None:
        self._hooks.append(hook)
        if self.draining:
            hook()

    def begin(self) -> None:
        if self.draining:
            return
        self.draining = True
        for hook in self._hooks:
            try:
                hook()
            except Exception as exc:  # one hook failing must not keep the others from running
                log.error("http.drain_hook_failed", error=repr(exc))


def ops_router(checks: dict[str, ReadinessCheck], drain: Drain | None = None) -> APIRouter:
    """``/healthz`` (the process is alive), ``/readyz`` (its dependencies answer, and it is
    not draining), ``/metrics``."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", operation_id="healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", operation_id="readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        if drain is not None and drain.draining:
            # shutting down: still answering, but no new work should be sent here
            return JSONResponse({"status": "draining", "checks": {}}, status_code=503)
        results: dict[str, bool] = {}
        for name, check in checks.items():
            try:
                results[name] = bool(await check())
            except Exception:
                results[name] = False
        ok = all(results.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": results},
            status_code=200 if ok else 503,
        )

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    return router
