"""Finding customers at central by name, phone, e-mail, card number or chip UID, fast at a million customers.

Each customer's normalised search keys (`loyalty.domain.customers.search_keys`: each name word, the full name,
phone digits, e-mail) are rewritten in `customer_search_keys` whenever the fold writes the customer; erased
customers have none. A search is a prefix range on that column's primary key (bytewise order),
or an exact match on a card number or chip UID, one page at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, exists, select

from central.schema import batch_cards, cards, customer_merges, customer_search_keys, customers, events
from loyalty.domain.customers import normalise_query, search_keys
from loyalty.domain.events import CustomerErased, CustomerRegistered, Event, ProfileUpdated
from loyalty.domain.ledger import Customer, Ledger

PAGE_SIZE = 20
MAX_QUERY = 100


@dataclass(frozen=True)
class Found:
    """One customer in a result list: what the list shows (contact details masked for store managers)."""

    customer_id: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    points: int


#: The events that change what a customer is found by.
_PROFILE_EVENTS = (CustomerRegistered, ProfileUpdated, CustomerErased)


def refresh_keys(connection: Connection, ledger: Ledger, fresh: Iterable[Event]) -> None:
    """Rewrite the search keys of customers whose profile the new events changed (in the fold's transaction)."""
    ids = sorted({e.customer_id for e in fresh if isinstance(e, _PROFILE_EVENTS)})
    if not ids:
        return
    connection.execute(delete(customer_search_keys).where(customer_search_keys.c.customer_id.in_(ids)))
    merged = _merged_duplicates(connection, ids)
    rows = []
    for customer_id in ids:
        c = ledger.customers.get(customer_id, Customer(customer_id))
        if not c.erased and customer_id not in merged:
            rows.extend(
                {"key": key[:500], "customer_id": customer_id}
                for key in sorted(search_keys(c.first_name, c.last_name, c.phone, c.email))
            )
    if rows:
        connection.execute(customer_search_keys.insert(), rows)


def _prefix(column, text: str):
    """Keys starting with `text`: one range in bytewise order (no LIKE pattern to escape)."""
    return and_(column >= text, column < text + "\U0010ffff")


def search(connection: Connection, query: str, *, page: int = 0, stores: frozenset[str] | None = None) -> list[Found]:
    """One page of customers whose name, phone or e-mail starts with `query`, or whose card number or chip
    UID is `query`; `stores` limits the answer to customers who shopped there (None: the whole chain)."""
    raw = (query or "").strip()[:MAX_QUERY]
    if not raw:
        return []
    ids: list[str] = []
    for by_card in (
        select(cards.c.customer_id).where(cards.c.card_uid == raw),
        select(cards.c.customer_id)
        .join(batch_cards, batch_cards.c.card_uid == cards.c.card_uid)
        .where(batch_cards.c.chip_uid == raw.upper()),
    ):
        ids.extend(cid for cid in connection.execute(by_card).scalars() if cid and cid not in ids)
    normalised = normalise_query(raw)
    if normalised:
        # In index order with an early stop: a common prefix never sorts every matching key.
        matches = (
            select(customer_search_keys.c.customer_id)
            .where(_prefix(customer_search_keys.c.key, normalised))
            .order_by(customer_search_keys.c.key, customer_search_keys.c.customer_id)
        )
        if stores is not None:
            matches = matches.where(
                exists().where(
                    events.c.customer_id == customer_search_keys.c.customer_id, events.c.device_id.in_(stores)
                )
            )
        wanted = PAGE_SIZE * (page + 1)
        for cid in connection.execute(matches.limit(wanted * 4)).scalars():
            if cid not in ids:
                ids.append(cid)
    if stores is not None:
        ids = [
            cid
            for cid in ids
            if connection.execute(
                select(exists().where(events.c.customer_id == cid, events.c.device_id.in_(stores)))
            ).scalar()
        ]
    ids = ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if not ids:
        return []
    rows = {r.customer_id: r for r in connection.execute(select(customers).where(customers.c.customer_id.in_(ids)))}
    return [
        Found(cid, rows[cid].first_name, rows[cid].last_name, rows[cid].phone, rows[cid].email, rows[cid].points)
        for cid in ids
        if cid in rows and not rows[cid].erased
    ]


def _merged_duplicates(connection: Connection, ids: list[str]) -> set[str]:
    """Those of `ids` merged into another customer (and not undone): they are found through the kept one."""
    return set(
        connection.execute(
            select(customer_merges.c.duplicate_id).where(
                customer_merges.c.duplicate_id.in_(ids), customer_merges.c.undone_at.is_(None)
            )
        ).scalars()
    )


def refresh_from_rows(connection: Connection, customer_ids: Iterable[str]) -> None:
    """Rewrite search keys from the stored rows; a duplicate merged into another customer has none."""
    ids = sorted(customer_ids)
    connection.execute(delete(customer_search_keys).where(customer_search_keys.c.customer_id.in_(ids)))
    merged = _merged_duplicates(connection, ids)
    rows = []
    for row in connection.execute(select(customers).where(customers.c.customer_id.in_(ids))):
        if row.erased or row.customer_id in merged:
            continue
        rows.extend(
            {"key": key[:500], "customer_id": row.customer_id}
            for key in sorted(search_keys(row.first_name, row.last_name, row.phone, row.email))
        )
    if rows:
        connection.execute(customer_search_keys.insert(), rows)
