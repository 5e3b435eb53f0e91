"""One card, two faces: the chip's UID and the 13-digit number printed on it find the same customer.

Card production returns each batch card's chip UID (`card_batches.import_chip_uids`). Whichever face a till
links to a customer (a tap registers the chip, a keyed number the printed face), central writes the other face
into `cards` with the same owner and blocked flag, so the pull gives every device both faces and either one
finds the customer, offline too once pulled. The same happens when the chip file arrives after the link.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, or_, select

from central.schema import batch_cards, cards
from central.sql import Versions, insert_for
from loyalty.domain.card_filter import normalise_uid as normalise  # one rule for both faces, central and devices


def faces(connection: Connection, uids: Iterable[str]) -> dict[str, str]:
    """For each of `uids` that is one face of a batch card, its other face."""
    wanted = sorted(set(uids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in connection.execute(
            select(batch_cards.c.card_uid, batch_cards.c.chip_uid).where(
                batch_cards.c.chip_uid.is_not(None),
                or_(batch_cards.c.card_uid.in_(chunk), batch_cards.c.chip_uid.in_(chunk)),
            )
        ):
            if row.card_uid in chunk:
                found[row.card_uid] = row.chip_uid
            if row.chip_uid in chunk:
                found[row.chip_uid] = row.card_uid
    return found


def mirror(connection: Connection, uids: Iterable[str], versions: Versions) -> int:
    """Give the other face of each linked card in `uids` the same owner and blocked flag; returns rows written."""
    other = faces(connection, uids)
    if not other:
        return 0
    rows = []
    for row in connection.execute(select(cards).where(cards.c.card_uid.in_(sorted(other)))):
        if row.customer_id is not None:
            rows.append(
                {
                    "card_uid": other[row.card_uid],
                    "customer_id": row.customer_id,
                    "blocked": row.blocked,
                    "version": versions.next(),
                }
            )
    if rows:
        statement = insert_for(connection, cards)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["card_uid"],
                set_={
                    "customer_id": func.coalesce(cards.c.customer_id, statement.excluded.customer_id),
                    "blocked": cards.c.blocked | statement.excluded.blocked,
                    "version": statement.excluded.version,
                },
            ),
            rows,
        )
    return len(rows)


def customer_of(connection: Connection, text: str) -> str | None:
    """The customer a card face (either one, typed with spaces or not) belongs to, or None."""
    uid = normalise(text)
    if not uid:
        return None
    candidates = [uid, *faces(connection, [uid]).values()]
    return connection.execute(
        select(cards.c.customer_id).where(cards.c.card_uid.in_(candidates), cards.c.customer_id.is_not(None)).limit(1)
    ).scalar()


def linked_rows(connection: Connection, text: str) -> list:
    """The `cards` rows with an owner for this card: as given, normalised, or its other face."""
    uid = normalise(text)
    candidates = sorted({text, uid, *faces(connection, [uid]).values()} - {""})
    return connection.execute(
        select(cards).where(cards.c.card_uid.in_(candidates), cards.c.customer_id.is_not(None))
    ).all()
