from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import attrs

from application.errors import ApplicationError
from domain.knowledge import Chunk
from domain.tenant import Tenant


class InvalidTenantPack(ApplicationError):
    """A pack cannot be loaded. Names the file and the field so the owner can fix it."""

    def __init__(self, file: str, field: str, reason: str) -> None:
        super().__init__(f"{file}: {field}: {reason}")
        self.file = file
        self.field = field
        self.reason = reason


def _chunks(chunks: Iterable[Chunk]) -> tuple[Chunk, ...]:
    return tuple(chunks)


@attrs.frozen
class TenantPack:
    tenant: Tenant
    chunks: tuple[Chunk, ...] = attrs.field(converter=_chunks)


class TenantPackSource(Protocol):
    def load_all(self) -> Sequence[TenantPack]:
        """Every pack found, validated. Raises `InvalidTenantPack` on the first broken one."""

    def load(self, slug: str) -> TenantPack | None:
        """The pack of one tenant, validated (`InvalidTenantPack`); None when there is none. Other
        tenants' packs are not read: a broken one does not stop this one."""

    def install(self, slug: str, folder: Path) -> TenantPack:
        """Adds the pack in `folder` as tenant `slug`, validated first: `load_all` finds it from
        then on. Raises `InvalidTenantPack` for a broken pack or a slug already taken."""
