"""``/api/v1/auth``: sign up, log in and log out of a browser session (cookies).

The session id travels in ``holdout_session`` (HttpOnly, so page scripts never see
it); the CSRF value in ``holdout_csrf``, which the web app reads and sends back as
``X-CSRF-Token``. Both are SameSite=Lax, and Secure when the request came over HTTPS
(or when ``HOLDOUT_COOKIE_SECURE`` says so). These bodies are JSON only, which a
cross-site HTML form cannot send, so signing someone in from another site fails too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response, status

from services.gateway.auth import accounts, sessions
from services.gateway.auth.dependencies import PasswordsDep
from services.gateway.auth.schemas import LogIn, SignUp, UserRead
from services.gateway.config import GatewaySettings
from services.gateway.deps import SessionDep, SettingsDep
from services.gateway.models import User
from services.gateway.openapi import problems
from shared.web import PROBLEM_JSON, Forbidden

router = APIRouter(prefix="/auth", tags=["auth"])

SETS_COOKIES = {
    "Set-Cookie": {
        "description": (
            f"`{sessions.SESSION_COOKIE}` (HttpOnly) and `{sessions.CSRF_COOKIE}` (readable by scripts)."
        ),
        "schema": {"type": "string"},
    }
}
TOO_MANY_ATTEMPTS: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many failed log-ins for this account or from this address; retry later.",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


def _secure(request: Request, settings: GatewaySettings) -> bool:
    return settings.cookie_secure if settings.cookie_secure is not None else request.url.scheme == "https"


async def _start_session(
    request: Request, response: Response, session: SessionDep, settings: GatewaySettings, user: User
) -> None:
    new = await sessions.start(
        session,
        user,
        timedelta(seconds=settings.session_ttl_s),
        replacing=request.cookies.get(sessions.SESSION_COOKIE),
    )
    secure = _secure(request, settings)
    for name, value, httponly in (
        (sessions.SESSION_COOKIE, new.session_id, True),
        (sessions.CSRF_COOKIE, new.csrf_token, False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=settings.session_ttl_s,
            path="/",
            secure=secure,
            httponly=httponly,
            samesite="lax",
        )


@router.post(
    "/signup",
    operation_id="sign_up",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses={201: {"headers": SETS_COOKIES}, **problems(403, 409, 422)},
)
async def sign_up(
    body: SignUp,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
) -> UserRead:
    """Create an account with a password and start its browser session (cookies)."""
    user = await accounts.sign_up(session, settings, passwords, body)
    await _start_session(request, response, session, settings, user)
    return UserRead.model_validate(user)


@router.post(
    "/login",
    operation_id="log_in",
    response_model=UserRead,
    responses={200: {"headers": SETS_COOKIES}, **problems(401, 403, 422), **TOO_MANY_ATTEMPTS},
)
async def log_in(
    body: LogIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
) -> UserRead:
    """Log in with a username (or e-mail) and password; starts a new browser session.

    A session cookie sent with this request is ended: the session after log-in is a new one.
    """
    address = request.client.host if request.client else "unknown"
    try:
        user = await accounts.log_in(
            session, settings, passwords, body.username_or_email, body.password, address
        )
    except accounts.InvalidCredentials:
        await session.commit()  # the failure counts towards the rate limit: kept, though it raises
        raise
    await _start_session(request, response, session, settings, user)
    return UserRead.model_validate(user)


@router.post(
    "/logout",
    operation_id="log_out",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(403),
)
async def log_out(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """End the browser session and clear its cookies (a session that already ended is fine)."""
    # read directly, not through the SessionCookie scheme: logging out authenticates nobody
    # and never answers 401, so the document declares no security for it
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    if cookie:
        found = await sessions.authenticate(session, cookie)
        if found is not None:
            if not found.csrf_matches(request.headers.get(sessions.CSRF_HEADER)):
                raise Forbidden(
                    f"logging out needs the {sessions.CSRF_HEADER} header "
                    f"(the value of the {sessions.CSRF_COOKIE} cookie)",
                    code="csrf-failed",
                )
            await sessions.end(session, cookie)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    secure = _secure(request, settings)
    for name, httponly in ((sessions.SESSION_COOKIE, True), (sessions.CSRF_COOKIE, False)):
        response.delete_cookie(name, path="/", secure=secure, httponly=httponly, samesite="lax")
    return response
