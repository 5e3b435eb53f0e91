"""Dialect-aware statements shared by central's services (upserts, row locks)."""

from __future__ import annotations

from sqlalchemy import Connection, Table, select, text
from sqlalchemy.dialects import postgresql, sqlite

from central.schema import change_counter


def insert_for(connection: Connection, table: Table):
    """An INSERT that offers `on_conflict_do_nothing` / `on_conflict_do_update` on both backends."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_new_rows(connection: Connection, table: Table, rows: list[dict[str, object]]) -> None:
    """Insert text-keyed rows, skipping those already there: one statement of three arrays on PostgreSQL.

    Many small rows per push (a key per customer) cost a round trip each through executemany; PostgreSQL
    takes them all at once through `unnest`, with a statement text that never changes.
    """
    if not rows:
        return
    names = list(rows[0])
    if connection.dialect.name != "postgresql":
        connection.execute(insert_for(connection, table).on_conflict_do_nothing(), rows)
        return
    arrays = ", ".join(f"CAST(:{name} AS text[])" for name in names)
    connection.execute(
        text(f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"),
        {name: [row[name] for row in rows] for name in names},
    )


class Versions:
    """Hands out change versions under the counter's row lock, held until the transaction commits.

    Because the lock is held to commit, versions become visible in the order they were handed out, so
    a reader that has seen version N has seen every version below N.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        query = select(change_counter.c.value).where(change_counter.c.id == 1).with_for_update()
        self._value = connection.execute(query).scalar_one()
        self._start = self._value

    def next(self) -> int:
        self._value += 1
        return self._value

    def save(self) -> None:
        if self._value != self._start:
            self._connection.execute(change_counter.update().where(change_counter.c.id == 1).values(value=self._value))
