import asyncio

import attrs
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@attrs.define
class Argon2PasswordHasher:
    """argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile), in a thread: a hash
    takes tens of milliseconds of CPU that the webhook sharing the event loop must not wait for."""

    hasher: PasswordHasher = attrs.field(factory=PasswordHasher)

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        try:
            return await asyncio.to_thread(self.hasher.verify, password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
