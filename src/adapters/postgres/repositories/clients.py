import uuid
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres.repositories.base import Repository
from adapters.postgres.tables import client_addresses, clients
from domain.address import Address
from domain.client import Client
from domain.phone import Phone


class PostgresClientRepository(Repository):
    async def add_or_get(self, client: Client) -> Client:
        await self._tenant(client.tenant_id)
        values = {c.key: getattr(client, c.key) for c in clients.columns}
        await self.session.execute(insert(clients).values(values).on_conflict_do_nothing(index_elements=["tenant_id", "phone"]))
        found = await self.by_phone(client.tenant_id, client.phone)
        if found is None:  # ON CONFLICT waited for the other insert, and this statement sees it
            raise LookupError(f"client {client.id} is neither inserted nor found")
        return found

    async def by_phone(self, tenant_id: uuid.UUID, phone: Phone) -> Client | None:
        await self._tenant(tenant_id)
        return await self._one(clients.c.tenant_id == tenant_id, clients.c.phone == phone)

    async def by_address(self, tenant_id: uuid.UUID, address: Address) -> Client | None:
        await self._tenant(tenant_id)
        theirs = sa.select(client_addresses.c.client_id).where(
            client_addresses.c.tenant_id == tenant_id, client_addresses.c.kind == address.kind, client_addresses.c.address == address.value
        )
        return await self._one(clients.c.tenant_id == tenant_id, clients.c.id.in_(theirs))

    async def addresses(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[Address]:
        await self._tenant(tenant_id)
        query = (
            sa.select(client_addresses.c.kind, client_addresses.c.address)
            .where(client_addresses.c.tenant_id == tenant_id, client_addresses.c.client_id == client_id)
            .order_by(client_addresses.c.kind, client_addresses.c.address)
        )
        return [Address(kind, value) for kind, value in await self.session.execute(query)]

    async def attach(self, tenant_id: uuid.UUID, client_id: uuid.UUID, addresses: Sequence[Address]) -> None:
        if not addresses:
            return
        await self._tenant(tenant_id)
        await self.session.flush()  # the client's row first
        rows = [{"tenant_id": tenant_id, "client_id": client_id, "kind": str(a.kind), "address": a.value} for a in addresses]
        await self.session.execute(insert(client_addresses).values(rows).on_conflict_do_nothing())

    async def get(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Client | None:
        await self._tenant(tenant_id)
        return await self._one(clients.c.tenant_id == tenant_id, clients.c.id == client_id)

    async def by_ids(self, tenant_id: uuid.UUID, client_ids: Collection[uuid.UUID]) -> Sequence[Client]:
        await self._tenant(tenant_id)
        if not client_ids:
            return []
        query = sa.select(Client).where(clients.c.tenant_id == tenant_id, clients.c.id.in_(list(client_ids)))
        return (await self.session.scalars(query)).all()

    async def delete(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> int:
        await self._tenant(tenant_id)
        await self.session.flush()
        return await self._affected(sa.delete(clients).where(clients.c.tenant_id == tenant_id, clients.c.id == client_id))

    async def _one(self, *conditions: sa.ColumnElement[bool]) -> Client | None:
        return await self.session.scalar(sa.select(Client).where(*conditions))
