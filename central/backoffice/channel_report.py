"""Cards by sales channel (company, named partner, e-commerce): cards made, activated, active customers."""

from __future__ import annotations

import io
from dataclasses import astuple, dataclass, fields

from sqlalchemy import Connection, select

from central import card_batches, csv_cells
from central.schema import batch_cards, cards
from central.schema import card_batches as card_batches_table


@dataclass(frozen=True)
class ChannelRow:
    """One channel (and partner, for partner sales): its cards and the customers using them in the period."""

    channel: str
    partner: str
    cards_made: int
    cards_activated: int
    active_customers: int

    @property
    def label(self) -> str:
        return f"{self.channel}: {self.partner}" if self.partner else self.channel


def channel_rows(connection: Connection, active_customer_ids: frozenset[str]) -> tuple[ChannelRow, ...]:
    """Per channel and partner, from the card batches; a customer is active when they earned or redeemed."""
    made = card_batches.report(connection)  # also records first use of cards linked since the last call
    owners = connection.execute(
        select(card_batches_table.c.channel, card_batches_table.c.partner, cards.c.customer_id)
        .join(batch_cards, batch_cards.c.batch_id == card_batches_table.c.batch_id)
        # By card, whatever face was used: the printed number keyed, or the chip tapped.
        .join(cards, (cards.c.card_uid == batch_cards.c.card_uid) | (cards.c.card_uid == batch_cards.c.chip_uid))
        .where(cards.c.customer_id.is_not(None))
    )
    active: dict[tuple[str, str | None], set[str]] = {}
    for channel, partner, customer_id in owners:
        if customer_id in active_customer_ids:
            active.setdefault((channel, partner), set()).add(customer_id)
    return tuple(
        ChannelRow(
            str(line["channel"]),
            str(line["partner"] or ""),
            int(line["cards"]),  # type: ignore[call-overload]
            int(line["activated_online"]) + int(line["activated_first_use"]),  # type: ignore[call-overload]
            len(active.get((line["channel"], line["partner"]), ())),
        )  # type: ignore[arg-type]
        for line in made
    )


def channels_csv(rows: tuple[ChannelRow, ...]) -> str:
    """The channel table as CSV: a header line, then one line per channel and partner."""
    out = io.StringIO()
    writer = csv_cells.writer(out)
    writer.writerow([f.name for f in fields(ChannelRow)])
    for row in rows:
        writer.writerow(astuple(row))
    return out.getvalue()
