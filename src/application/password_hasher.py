from typing import Protocol


class PasswordHasher(Protocol):
    """One-way password hashing for staff users. Both calls are slow on purpose (tens of
    milliseconds of CPU): implementations run them off the event loop."""

    async def hash(self, password: str) -> str:
        """A self-describing hash (algorithm, parameters and salt included) to store."""

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether `password` is the one `password_hash` was made from; False for a malformed hash."""
