"""Alembic migrations of central's schema (`central.db.migrate` runs them)."""
