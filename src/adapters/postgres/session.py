"""The units of work's sessions, scoped for row-level security (`row_security`): a repository
method names its tenant (`scope_to_tenant`) or, for work across tenants, the system scope
(`scope_to_system`) before its statement. The setting is sent once per transaction and tenant,
not once per statement: the session remembers what its transaction set, and forgets it when the
transaction ends, as PostgreSQL does."""

import itertools
import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from adapters.postgres.row_security import in_system_scope, in_tenant

_TENANT = "row_security.tenant"
_SYSTEM = "row_security.system"


class ScopedSession(Session):
    """A session whose flushes run in the tenant of the rows they write, when the transaction
    did not set it yet (entities added, then committed, with no query in between)."""


async def scope_to_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    if session.info.get(_TENANT) != tenant_id:
        await session.execute(in_tenant(tenant_id))
        session.info[_TENANT] = tenant_id


async def scope_to_system(session: AsyncSession) -> None:
    """For the methods that work across tenants by design, and only them."""
    if not session.info.get(_SYSTEM):
        await session.execute(in_system_scope())
        session.info[_SYSTEM] = True


@event.listens_for(ScopedSession, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # Also at the end of a savepoint: rolled back, it takes back what was set inside it.
    session.info.pop(_TENANT, None)
    session.info.pop(_SYSTEM, None)


@event.listens_for(ScopedSession, "before_flush")
def _scope_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(_SYSTEM):
        return
    entities = itertools.chain(session.new, session.dirty, session.deleted)
    written: set[uuid.UUID] = {tenant_id for entity in entities if (tenant_id := getattr(entity, "tenant_id", None)) is not None}
    # Rows of several tenants in one flush are system work, which must say so: the policy refuses them.
    if len(written) == 1:
        tenant_id = written.pop()
        if session.info.get(_TENANT) != tenant_id:
            session.connection().execute(in_tenant(tenant_id))
            session.info[_TENANT] = tenant_id
