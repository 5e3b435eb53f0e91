"""After an erasure, the erased name, e-mail and phone must not linger in the database's own copies.

SQLite: every connection runs with `secure_delete` (freed and overwritten content is zeroed in the file),
and after an erase the write-ahead log, which still holds the old pages, is checkpointed into the main
file and truncated. PostgreSQL keeps the old row versions as dead tuples until a VACUUM, so the erase
runs VACUUM on the tables that held them (a plain VACUUM: it does not lock out the devices; its WAL
segments are recycled by the server, and backups made before the erase still hold the data, see
docs/security.md).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

log = logging.getLogger(__name__)

#: The tables an erase rewrites: the customer row and the events' scrubbed payloads.
ERASED_TABLES = ("customers", "events")


def wipe(engine: Engine) -> None:
    """Remove the old copies of erased data the database still keeps; run after the erase committed."""
    backend = engine.dialect.name
    if backend == "sqlite":
        raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
        try:
            busy = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy:
                log.warning(
                    "the write-ahead log could not be truncated after an erase (readers busy); "
                    "SQLite's next automatic checkpoint will fold it in"
                )
        finally:
            raw.close()
    elif backend == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ERASED_TABLES:
                connection.exec_driver_sql(f"VACUUM {table}")
    log.info("old copies of erased data removed (%s)", backend)
