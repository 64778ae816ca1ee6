"""Database plumbing: engine, metadata, unit of work and Alembic migrations."""
