"""Publish the filter of issued cards (`loyalty.domain.card_filter`) as the chain-wide setting `issued_cards`.

Rebuilt from every batch's card numbers and chip UIDs whenever a batch is made or its chip file imported, so
the next pull gives every device the new filter; it holds no customer and no activation code.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from central.schema import batch_cards, settings
from central.sql import Versions, insert_for
from loyalty.domain.card_filter import CardFilter
from loyalty.reference_settings import ISSUED_CARDS as SETTING


def build(connection: Connection) -> CardFilter:
    def faces():
        for number, chip in connection.execute(select(batch_cards.c.card_uid, batch_cards.c.chip_uid)):
            yield number
            if chip:
                yield chip

    return CardFilter.build(faces())


def publish(connection: Connection) -> CardFilter:
    """Rebuild the filter and give it a new version for the pull."""
    made = build(connection)
    versions = Versions(connection)
    statement = insert_for(connection, settings).values(key=SETTING, value_json=made.to_json(), version=versions.next())
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={"value_json": statement.excluded.value_json, "version": statement.excluded.version},
        )
    )
    versions.save()
    return made


def publish_if_missing(connection: Connection) -> None:
    """Publish the filter when batches exist but no filter was ever published (a chain's first start on a
    schema that predates it): derived data the migrations leave to live code, which they never import."""
    published = connection.execute(select(settings.c.key).where(settings.c.key == SETTING)).first()
    if published is None and connection.execute(select(batch_cards.c.card_uid).limit(1)).first() is not None:
        publish(connection)
