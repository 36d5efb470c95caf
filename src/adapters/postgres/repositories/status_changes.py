from adapters.postgres.repositories.base import Repository


class PostgresStatusChangeRepository(Repository):
    """Appends only: the audit trail is read by people (and, later, the dashboard), not by use cases."""
