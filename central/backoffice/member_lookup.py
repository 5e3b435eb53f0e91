"""Finding the customer to add to a pool: by a card number (either face of the card, spaces allowed) or by name.

A name must match one customer only; when several match, head office is asked for the card number instead,
so nobody is added to a pool by a guess.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, func, select

from central import card_faces
from central.errors import BadRequest, NotFound, SeveralCustomers
from central.schema import customers

MAX_QUERY = 80


def find_customer(connection: Connection, text: str) -> str:
    """The customer id for a card number or a name (every word found in the first or last name)."""
    query = (text or "").strip()[:MAX_QUERY]
    if not query:
        raise BadRequest("give a card number or a name")
    compact = card_faces.normalise(query)
    if compact.isalnum() and any(ch.isdigit() for ch in compact):
        found = card_faces.customer_of(connection, compact)
        if found is None:
            raise NotFound("no customer has this card")
        return found
    words = [w.lower() for w in query.split()]
    name = func.lower(func.coalesce(customers.c.first_name, "") + " " + func.coalesce(customers.c.last_name, ""))
    rows = connection.execute(
        select(customers.c.customer_id)
        .where(customers.c.erased.is_(False), and_(*(name.contains(w, autoescape=True) for w in words)))
        .limit(2)
    ).all()
    if not rows:
        raise NotFound("no customer has this name")
    if len(rows) > 1:
        raise SeveralCustomers("several customers have this name: use their card number")
    return rows[0].customer_id
