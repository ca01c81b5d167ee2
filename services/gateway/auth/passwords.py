"""Password hashing with Argon2id (argon2-cffi); used by ``accounts`` for sign-up and log-in.

Hashing costs tens of milliseconds of CPU on purpose, so it runs in a worker thread
(argon2-cffi releases the GIL) and never blocks the event loop. A password is never
logged, never stored, and never part of an error message.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.gateway.config import GatewaySettings


@dataclass
class Passwords:
    hasher: PasswordHasher
    # made on first use: verified against when no user matched, so a log-in for an unknown
    # name costs what a wrong password costs (the answer time tells nothing)
    _decoy: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> Passwords:
        return cls(
            PasswordHasher(
                time_cost=settings.argon2_time_cost,
                memory_cost=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
            )
        )

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; ``None`` (no user, or no password set) never does."""
        if password_hash is None:
            if self._decoy is None:
                self._decoy = await self.hash("decoy password, matches nothing")
            await asyncio.to_thread(self._check, self._decoy, password)
            return False
        return await asyncio.to_thread(self._check, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
