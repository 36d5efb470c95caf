"""PostgreSQL through SQLAlchemy 2 async and asyncpg."""
