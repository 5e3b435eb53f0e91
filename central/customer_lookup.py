"""A device asks central for a customer it does not hold: by card (any card, any store), by search, by id.

The answer is the row a pull would send (least data: first name, surname initial, keyed contact hashes,
balance, lots, consent), with the customer's cards, pool membership and pool balance, so the device shows it
as if it were local and may keep it. Looking a customer up by card or opening a search result puts them in
the asking store's scope (`central.customer_scope`), so later pulls keep the device's copy current. A search
itself does not: its masked list shows the first name and initial, the phone and e-mail masked, and the card
number's last digits, and the device opens the one the customer confirms.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Connection, select

from central import card_faces, customer_scope
from central.contact_hashes import chain_key
from central.customer_search import search
from central.errors import BadRequest, CardIsBlocked, NotFound
from central.pools import member_counts
from central.pull import customer_bundle
from central.schema import cards, customers, pool_balances
from loyalty.domain.customers import last_initial, normalise_phone

#: At most this many masked results per search.
SEARCH_LIMIT = 10
MAX_UID = 64


def by_card(connection: Connection, device_id: str, card_uid: str) -> dict[str, object]:
    """The card's customer as a device holds it; unknown or unlinked card: NotFound, blocked: CardIsBlocked."""
    if not card_uid or len(card_uid) > MAX_UID or not card_uid.isprintable():
        raise BadRequest(f"a card uid must be 1 to {MAX_UID} printable characters")
    found = card_faces.linked_rows(connection, card_uid)
    if not found:
        raise NotFound("no customer holds this card")
    if any(row.blocked for row in found):
        raise CardIsBlocked("this card is blocked (lost, stolen or replaced)")
    return _answer(connection, device_id, found[0].customer_id)


def by_id(connection: Connection, device_id: str, customer_id: str) -> dict[str, object]:
    """A customer the device chose from a search, as a device holds it."""
    if not customer_id or len(customer_id) > 64:
        raise BadRequest("customer_id must be 1 to 64 characters")
    return _answer(connection, device_id, customer_id)


def _answer(connection: Connection, device_id: str, customer_id: str) -> dict[str, object]:
    bundle = customer_bundle(connection, [customer_id], chain_key(connection))
    state = bundle.customers.get(customer_id)
    if state is None:
        raise NotFound("no such customer (or erased)")
    store = customer_scope.store_of(connection, device_id)
    if (
        store is not None
        and customer_scope.touch(connection, store, [customer_id], customer_scope.LOOKUP)
        and connection.dialect.name == "postgresql"
    ):
        # The till waits for this answer: the commit need not wait for the disk. A scope entry lost in a
        # database crash costs a stale copy on the store's devices until the customer's next visit there.
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    member = bundle.members.get(customer_id)
    pool = None
    if member is not None and member.pool_id is not None:
        points = connection.execute(
            select(pool_balances.c.points).where(pool_balances.c.pool_id == member.pool_id)
        ).scalar()
        members = member_counts(connection, [member.pool_id]).get(member.pool_id, 0)
        pool = {"pool_id": member.pool_id, "points": points or 0, "members": members}
    return {
        "customer": dataclasses.asdict(state),
        "cards": [dataclasses.asdict(c) for c in bundle.cards.values()],
        "pool_member": dataclasses.asdict(member) if member is not None else None,
        "pool_balance": pool,
    }


def search_masked(connection: Connection, query: str) -> list[dict[str, object]]:
    """Customers of the whole chain found by name, phone, e-mail or card number, masked for a till's screen."""
    if not isinstance(query, str) or not 2 <= len(query.strip()) <= 100:
        raise BadRequest("q must be 2 to 100 characters")
    found = search(connection, query)[:SEARCH_LIMIT]
    if not found:
        return []
    ids = [f.customer_id for f in found]
    suffixes: dict[str, str] = {}
    for row in connection.execute(
        select(cards.c.customer_id, cards.c.card_uid)
        .where(cards.c.customer_id.in_(ids), cards.c.blocked.is_(False))
        .order_by(cards.c.card_uid)
    ):
        suffixes.setdefault(row.customer_id, row.card_uid[-4:])
    erased = set(
        connection.execute(
            select(customers.c.customer_id).where(customers.c.customer_id.in_(ids), customers.c.erased.is_(True))
        ).scalars()
    )
    return [
        {
            "customer_id": f.customer_id,
            "first_name": f.first_name,
            "last_initial": last_initial(f.last_name),
            "phone": mask_phone(f.phone),
            "email": mask_email(f.email),
            "card_suffix": suffixes.get(f.customer_id),
            "points": f.points,
        }
        for f in found
        if f.customer_id not in erased
    ]


def mask_phone(phone: str | None) -> str | None:
    """'0612345678' → '06 •• •• •• 78': enough for the customer to say "that's me", not to call them."""
    digits = normalise_phone(phone or "")
    if len(digits) < 6:
        return "••" if digits else None
    middle = " ".join("••" for _ in range((len(digits) - 4 + 1) // 2))
    return f"{digits[:2]} {middle} {digits[-2:]}"


def mask_email(email: str | None) -> str | None:
    """'camille.durand@example.org' → 'c•••@e•••.org'."""
    if not email or "@" not in email:
        return "•••" if email else None
    name, domain = email.strip().lower().split("@", 1)
    host, dot, tld = domain.rpartition(".")
    return f"{name[:1]}•••@{(host or tld)[:1]}•••{dot}{tld if host else ''}"
