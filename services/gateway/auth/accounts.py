"""Self sign-up, log-in with a password, and an administrator's changes to a user.

Sits under ``auth.login_endpoints`` / ``auth.endpoints``; users are made through
``service.create_user``, so a signed-up name obeys the same rules as one an
administrator picks. Passwords go straight to ``passwords``: never into a log line,
an error message or the database.
"""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.auth import ratelimit, repository, service, sessions
from services.gateway.auth.passwords import Passwords
from services.gateway.auth.schemas import SignUp
from services.gateway.config import GatewaySettings
from services.gateway.models import User
from shared.web import Conflict, Forbidden, NotFound, ProblemError, Unauthorized

log = structlog.get_logger(__name__)

# the passwords most tried by guessers that are still 8 characters or longer
COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyui",
        "qwerty123",
        "11111111",
        "00000000",
        "iloveyou",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "welcome1",
        "abc12345",
        "abcd1234",
        "letmein1",
        "trustno1",
        "passw0rd",
        "superman",
        "1q2w3e4r",
        "zaq12wsx",
        "qwertyuiop",
        "changeme",
    }
)


class InvalidCredentials(Unauthorized):
    code = "invalid-credentials"


class AccountDisabled(Forbidden):
    code = "account-disabled"


class WeakPassword(ProblemError):
    status, code = 422, "weak-password"


def _password_problem(password: str, username: str, email: str) -> str | None:
    folded = password.casefold()
    if folded in COMMON_PASSWORDS:
        return "this password is one of the most common ones; choose one that is hard to guess"
    names = (username.casefold(), email.split("@", 1)[0].casefold())
    if any(len(n) >= 3 and n in folded for n in names):
        return "the password must not contain the username or the e-mail address"
    if len(set(password)) < 4:
        return "the password repeats too few characters; choose a longer mix"
    return None


async def sign_up(
    session: AsyncSession, settings: GatewaySettings, passwords: Passwords, body: SignUp
) -> User:
    """Stage a new participant account (the caller commits and starts its session)."""
    if not settings.signup_enabled:
        raise Forbidden(
            "sign-up is turned off on this Holdout; ask an administrator for an account",
            code="signup-disabled",
        )
    domain = body.email.rsplit("@", 1)[1]
    if settings.signup_email_domains and domain not in settings.signup_email_domains:
        allowed = ", ".join(settings.signup_email_domains)
        raise Forbidden(
            f"sign-up is open to e-mail addresses at {allowed} only, not at {domain}",
            code="signup-domain-not-allowed",
        )
    if await repository.get_by_email(session, body.email) is not None:
        raise service.email_taken()
    problem = _password_problem(body.password, body.username, body.email)
    if problem is not None:
        raise WeakPassword(
            f"password: {problem}",
            errors=[{"loc": ["body", "password"], "msg": problem, "type": "weak_password"}],
        )
    password_hash = await passwords.hash(body.password)
    user = await service.create_user(
        session, body.username, is_host=False, is_admin=False, email=body.email, password_hash=password_hash
    )
    log.info("user.signed_up", user_id=str(user.id), email_domain=domain)
    return user


async def log_in(
    session: AsyncSession,
    settings: GatewaySettings,
    passwords: Passwords,
    name: str,
    password: str,
    address: str,
) -> User:
    """The user whose credentials these are. A failure is staged in ``session`` and
    raised as ``InvalidCredentials``: the caller commits it before answering, so it counts."""
    user = await repository.find_by_login_name(session, name)
    account = f"user:{user.id}" if user is not None else f"name:{name.lower()}"
    await ratelimit.check(session, settings, account, address)
    if user is None or not await passwords.verify(user.password_hash, password):
        await ratelimit.record_failure(session, settings, account, address)
        log.info("user.login_failed", known_user=user is not None, address=address)
        # the same answer whether the name is unknown or the password wrong
        raise InvalidCredentials("the username (or e-mail) and password do not match an account")
    if user.is_disabled:
        raise AccountDisabled("this account is disabled; ask an administrator")
    await ratelimit.record_success(session, account)
    if user.password_hash is not None and passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash(password)
    log.info("user.logged_in", user_id=str(user.id))
    return user


async def list_users(session: AsyncSession, offset: int, limit: int) -> tuple[list[User], int]:
    return await repository.list_users(session, offset, limit)


async def update_user(
    session: AsyncSession, admin: User, user_id: uuid.UUID, *, is_host: bool | None, is_disabled: bool | None
) -> User:
    """An administrator grants or removes the host role, or disables (or enables) a user.

    Disabling ends the user's sessions here; their tokens stay but fail on every request
    while the user is disabled (the check is on the user), so both stop at once.
    """
    user = await repository.get(session, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}", code="user-not-found")
    if is_disabled and user.id == admin.id:
        raise Conflict(
            "you cannot disable your own account; another administrator can", code="cannot-disable-self"
        )
    if is_host is not None:
        user.is_host = is_host
    if is_disabled is not None:
        user.is_disabled = is_disabled
        if is_disabled:
            await sessions.end_all(session, user)
    log.info("user.updated", user_id=str(user.id), by=str(admin.id), is_host=is_host, is_disabled=is_disabled)
    return user
