"""``/api/v1/users``: accounts (admin) and who am I."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.gateway.auth import service
from services.gateway.auth.dependencies import AdminUser, CurrentUser
from services.gateway.auth.schemas import UserCreate, UserCreated, UserRead
from services.gateway.deps import RuntimeDep, SessionDep, commit
from services.gateway.openapi import problems

router = APIRouter(prefix="/users", tags=["users"])


@router.post(
    "",
    operation_id="create_user",
    status_code=status.HTTP_201_CREATED,
    response_model=UserCreated,
    responses=problems(401, 403, 409, 422),
)
async def create_user(
    body: UserCreate, _admin: AdminUser, session: SessionDep, rt: RuntimeDep
) -> UserCreated:
    """Create a user (administrators only). The token in the response is shown once."""
    user, token = await service.create_user(session, body.username, is_host=body.is_host, is_admin=False)
    await commit(session, rt)
    return UserCreated(id=user.id, username=user.username, is_host=user.is_host, token=token)


@router.get("/me", operation_id="get_current_user", response_model=UserRead, responses=problems(401))
async def get_me(user: CurrentUser) -> UserRead:
    """The user the bearer token belongs to."""
    return UserRead.model_validate(user)
