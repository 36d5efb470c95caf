import uuid
from collections.abc import Sequence

from application.errors import UnknownTenant
from application.unit_of_work import UnitOfWork
from domain.client import Client
from domain.phone import Phone
from domain.tenant import Tenant


async def tenant_by_slug(uow: UnitOfWork, slug: str) -> Tenant:
    tenant = await uow.tenants.by_slug(slug)
    if tenant is None:
        raise UnknownTenant(f"no tenant {slug!r}")
    return tenant


async def tenant_by_id(uow: UnitOfWork, tenant_id: uuid.UUID) -> Tenant:
    tenant = await uow.tenants.get(tenant_id)
    if tenant is None:
        raise UnknownTenant(f"no tenant {tenant_id}")
    return tenant


async def clients_by_phone(uow: UnitOfWork, tenant: Tenant, phone: Phone) -> Sequence[Client]:
    """The tenant's records of the member's line, under either ninth-digit form of a Brazilian
    mobile (WhatsApp may have stored either): a request about a person covers both."""
    found = [await uow.clients.by_phone(tenant.id, Phone(digits)) for digits in phone.line_forms()]
    return [client for client in found if client is not None]
