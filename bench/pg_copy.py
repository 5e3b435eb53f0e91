"""What the PostgreSQL benches share: a psycopg connection for COPY into a schema, and their p95."""

from __future__ import annotations

import statistics


def connect(url: str):
    """A psycopg connection to the database and schema of a SQLAlchemy URL (`...?options=-csearch_path%3DNAME`):
    COPY loads a million rows in seconds where inserts through central would take an hour."""
    import psycopg

    dsn, _, options = url.replace("postgresql+psycopg://", "postgresql://").partition("?options=")
    return psycopg.connect(dsn, options=f"-csearch_path={options.split('%3D')[1]}")


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18] if len(times) >= 20 else max(times)
