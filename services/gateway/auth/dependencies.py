"""Authentication dependencies: ``CurrentUser`` (401 without a valid token),
``OptionalUser`` (anonymous allowed), ``AdminUser``, ``HostUser``.

The token lookup uses its own short session, so a long upload does not hold a
database connection while its body streams in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.gateway.auth import service
from services.gateway.deps import RuntimeDep
from services.gateway.models import User
from shared.web import Forbidden, Unauthorized

bearer = HTTPBearer(auto_error=False, description="A Holdout token (`hdt_...`).")


async def optional_user(
    rt: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User | None:
    if credentials is None:
        return None
    async with rt.sessionmaker() as session:
        user = await service.authenticate(session, credentials.credentials)
    if user is None:
        raise Unauthorized("the bearer token is not valid (revoked or mistyped)", code="invalid-token")
    return user


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthorized(
            "authentication required: send 'Authorization: Bearer <token>'", code="missing-token"
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
