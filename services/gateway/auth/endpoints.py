"""``/api/v1/users``: who am I, my personal access tokens, and accounts (admin)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from services.gateway.auth import accounts, service, tokens
from services.gateway.auth.dependencies import AdminUser, CurrentUser
from services.gateway.auth.schemas import (
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
)
from services.gateway.deps import PageDep, SessionDep
from services.gateway.openapi import Page, problems

router = APIRouter(prefix="/users", tags=["users"])


@router.post(
    "",
    operation_id="create_user",
    status_code=status.HTTP_201_CREATED,
    response_model=UserCreated,
    responses=problems(401, 403, 409, 422),
)
async def create_user(body: UserCreate, _admin: AdminUser, session: SessionDep) -> UserCreated:
    """Create a user (administrators only). The token in the response is shown once."""
    user, token = await service.create_user_with_first_token(
        session, body.username, is_host=body.is_host, is_admin=False
    )
    return UserCreated(id=user.id, username=user.username, is_host=user.is_host, token=token)


@router.get("", operation_id="list_users", response_model=Page[UserRead], responses=problems(401, 403, 422))
async def list_users(_admin: AdminUser, session: SessionDep, page: PageDep) -> Page[UserRead]:
    """Every user, oldest first (administrators only)."""
    users, total = await accounts.list_users(session, page.offset, page.limit)
    return Page(
        items=[UserRead.model_validate(u) for u in users], total=total, offset=page.offset, limit=page.limit
    )


@router.get("/me", operation_id="get_current_user", response_model=UserRead, responses=problems(401, 403))
async def get_me(user: CurrentUser) -> UserRead:
    """The user the bearer token or the session cookie belongs to."""
    return UserRead.model_validate(user)


@router.patch(
    "/{user_id}",
    operation_id="update_user",
    response_model=UserRead,
    responses=problems(401, 403, 404, 409, 422),
)
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, admin: AdminUser, session: SessionDep
) -> UserRead:
    """Grant or remove the host role, or disable a user: their sessions and tokens stop
    working at once (administrators only)."""
    user = await accounts.update_user(
        session, admin, user_id, is_host=body.is_host, is_disabled=body.is_disabled
    )
    return UserRead.model_validate(user)


@router.get(
    "/me/tokens",
    operation_id="list_my_tokens",
    response_model=Page[TokenRead],
    responses=problems(401, 403, 422),
)
async def list_my_tokens(user: CurrentUser, session: SessionDep, page: PageDep) -> Page[TokenRead]:
    """Your personal access tokens, oldest first (never their values)."""
    found, total = await tokens.list_for(session, user, page.offset, page.limit)
    return Page(
        items=[TokenRead.model_validate(t) for t in found], total=total, offset=page.offset, limit=page.limit
    )


@router.post(
    "/me/tokens",
    operation_id="create_my_token",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
    responses=problems(401, 403, 422),
)
async def create_my_token(body: TokenCreate, user: CurrentUser, session: SessionDep) -> TokenCreated:
    """A new personal access token for the API and the CLI; its value is shown only this once."""
    token, value = await tokens.create(session, user, body.name, body.expires_in_days)
    return TokenCreated(
        id=token.id, name=token.name, created_at=token.created_at, expires_at=token.expires_at, token=value
    )


@router.delete(
    "/me/tokens/{token_id}",
    operation_id="revoke_my_token",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(401, 403, 404, 422),
)
async def revoke_my_token(token_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    """Revoke one of your tokens: it fails from the next request on."""
    await tokens.revoke(session, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
