from adapters.postgres.repositories.base import Repository


class PostgresErasureRepository(Repository):
    """Appends only: the audit trail is read by people (SQL, the dashboard)."""
