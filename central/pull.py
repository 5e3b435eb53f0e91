"""Pull: pages of current customers and cards changed since a cursor, plus the device's high-water mark."""

from __future__ import annotations

from sqlalchemy import Connection, select

from central.schema import cards, customers, devices
from kiosk.domain.snapshot import CardState, CustomerState, PulledBatch


def pull_page(connection: Connection, device_id: str, cursor: int, limit: int) -> PulledBatch:
    """Rows with a version above `cursor`, oldest first, at most `limit`; resume from the returned cursor.

    `device_seq_through` comes only with the last page (the device is then up to date): it is read
    before the rows, so every event it covers is already inside the balances the device has pulled.
    """
    through = connection.execute(
        select(devices.c.seq_through).where(devices.c.device_id == device_id)).scalar_one()
    customer_rows = connection.execute(
        select(customers).where(customers.c.version > cursor).order_by(customers.c.version).limit(limit)).all()
    card_rows = connection.execute(
        select(cards).where(cards.c.version > cursor).order_by(cards.c.version).limit(limit)).all()
    merged = sorted([(r.version, "customer", r) for r in customer_rows] + [(r.version, "card", r) for r in card_rows],
                    key=lambda item: item[0])[:limit]
    people, erased, card_states = [], [], []
    for _, kind, row in merged:
        if kind == "card":
            if row.customer_id:  # a card blocked before central saw it linked has no owner a device could use
                card_states.append(CardState(row.card_uid, row.customer_id, bool(row.blocked)))
        elif row.erased:
            erased.append(row.customer_id)
        else:
            people.append(CustomerState(
                customer_id=row.customer_id, points=row.points, first_name=row.first_name,
                last_name=row.last_name, phone=row.phone, email=row.email,
                consent_granted=row.consent_granted, consent_version=row.consent_version))
    last_page = len(merged) < limit
    return PulledBatch(
        cursor=merged[-1][0] if merged else cursor,
        customers=tuple(people), cards=tuple(card_states), erased=tuple(erased),
        device_seq_through=through if last_page else None,
    )
