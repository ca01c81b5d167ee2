"""Request and response bodies of the users, tokens and sign-in APIs."""

from __future__ import annotations

import uuid

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.gateway.bodies import RequestBody
from services.gateway.openapi import UtcDatetime

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
PASSWORD_MIN_LENGTH = 8
# Argon2 takes any length, but a megabyte "password" should not cost a megabyte of hashing
PASSWORD_MAX_LENGTH = 256


class UserCreate(RequestBody):
    username: str = Field(pattern=USERNAME_PATTERN, description="Letters, digits, '_', '.', '-'.")
    is_host: bool = False


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    email: str | None = Field(
        description="Set for users who signed up; none for users an administrator made."
    )
    is_host: bool
    is_admin: bool
    is_disabled: bool
    created_at: UtcDatetime


class UserCreated(BaseModel):
    id: uuid.UUID
    username: str
    is_host: bool
    token: str = Field(description="The bearer token; shown only this once.")


class UserUpdate(RequestBody):
    """An administrator's change to a user; fields left out stay as they are."""

    is_host: bool | None = Field(default=None, description="May create and run competitions.")
    is_disabled: bool | None = Field(
        default=None, description="A disabled user's sessions and tokens stop working at once."
    )


class SignUp(RequestBody):
    username: str = Field(pattern=USERNAME_PATTERN, description="Letters, digits, '_', '.', '-'.")
    email: str = Field(max_length=320, description="Stored lower-cased; one account per address.")
    password: str = Field(
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        description=f"At least {PASSWORD_MIN_LENGTH} characters, not a common password.",
    )

    @field_validator("email")
    @classmethod
    def _an_email_address(cls, value: str) -> str:
        try:
            checked = validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError(f"not an e-mail address: {exc}") from None
        return checked.normalized.lower()


class LogIn(RequestBody):
    username_or_email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class TokenCreate(RequestBody):
    name: str = Field(min_length=1, max_length=100, description="What the token is for, e.g. 'laptop CLI'.")
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="Days until it stops working; none: until revoked."
    )


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str = Field(description="The first characters of the value, to tell tokens apart.")
    created_at: UtcDatetime
    expires_at: UtcDatetime | None
    last_used_at: UtcDatetime | None


class TokenCreated(BaseModel):
    id: uuid.UUID
    name: str
    created_at: UtcDatetime
    expires_at: UtcDatetime | None
    token: str = Field(description="The bearer token; shown only this once.")
