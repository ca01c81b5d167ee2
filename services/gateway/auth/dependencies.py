"""Authentication dependencies: ``CurrentUser`` (401 without valid credentials),
``OptionalUser`` (anonymous allowed), ``AdminUser``, ``HostUser``.

Credentials are a bearer token (``Authorization: Bearer hdt_...``, for the API and the
CLI) or the browser's session cookie; the bearer token wins when both come. A
state-changing request (POST, PUT, PATCH, DELETE) that the cookie authenticates must
carry the session's CSRF value in ``X-CSRF-Token``: a cross-site form can make the
browser send the cookie, but cannot read the CSRF cookie to copy it into a header.

The lookup uses its own short session, so a long upload does not hold a database
connection while its body streams in. A disabled user is refused here, on every
request, so disabling takes effect at once on every replica.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from services.gateway.auth import sessions, tokens
from services.gateway.auth.passwords import Passwords
from services.gateway.deps import RuntimeDep
from services.gateway.models import User
from shared.web import Forbidden, Unauthorized

bearer = HTTPBearer(auto_error=False, description="A Holdout personal access token (`hdt_...`).")
session_cookie = APIKeyCookie(
    name=sessions.SESSION_COOKIE,
    auto_error=False,
    scheme_name="SessionCookie",
    description=(
        "The browser session set by `POST /api/v1/auth/login`. Requests that change anything "
        f"(POST, PUT, PATCH, DELETE) must also send `{sessions.CSRF_HEADER}` with the value of "
        f"the `{sessions.CSRF_COOKIE}` cookie."
    ),
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


PasswordsDep = Annotated[Passwords, Depends(get_passwords)]


async def optional_user(
    request: Request,
    rt: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    cookie: Annotated[str | None, Depends(session_cookie)],
) -> User | None:
    if credentials is not None:
        async with rt.sessionmaker() as session:
            found = await tokens.authenticate(session, credentials.credentials)
        if found is None:
            raise Unauthorized(
                "the bearer token is not valid (revoked, expired or mistyped)", code="invalid-token"
            )
        user, token = found
        _enabled(user)
        await tokens.record_use(rt.sessionmaker, token)
        return user
    if cookie:
        async with rt.sessionmaker() as session:
            signed_in = await sessions.authenticate(session, cookie)
        if signed_in is None:
            raise Unauthorized(
                "your session has ended (logged out or expired); log in again", code="invalid-session"
            )
        if request.method not in SAFE_METHODS and not signed_in.csrf_matches(
            request.headers.get(sessions.CSRF_HEADER)
        ):
            raise Forbidden(
                f"a request that changes something must send the {sessions.CSRF_HEADER} header with the "
                f"value of the {sessions.CSRF_COOKIE} cookie (cross-site requests are refused)",
                code="csrf-failed",
            )
        return _enabled(signed_in.user)
    return None


def _enabled(user: User) -> User:
    if user.is_disabled:
        raise Forbidden("this account is disabled; ask an administrator", code="account-disabled")
    return user


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthorized(
            "authentication required: send 'Authorization: Bearer <token>' or log in",
            code="missing-token",
        )
    return user


async def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_admin:
        raise Forbidden("only an administrator may do this", code="admin-only")
    return user


async def host_user(user: Annotated[User, Depends(current_user)]) -> User:
    if not (user.is_host or user.is_admin):
        raise Forbidden("only hosts may create competitions; ask an administrator", code="host-only")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(admin_user)]
HostUser = Annotated[User, Depends(host_user)]
