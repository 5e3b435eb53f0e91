"""Builders for test data: invented customers only."""

from __future__ import annotations


def seed_store(store, count: int) -> None:
    """Put `count` invented customers, each with one card, into a store as a pull from central would."""
    from kiosk.domain.snapshot import CardState, CustomerState, PulledBatch

    customers = tuple(CustomerState(customer_id=f"cust-{n:05d}", points=10 * n, first_name=f"Prénom{n}",
                                    last_name="Exemple", email=f"client{n}@example.org") for n in range(count))
    cards = tuple(CardState(card_uid=f"{0xA0000000 + n:08X}", customer_id=c.customer_id)
                  for n, c in enumerate(customers))
    store.apply_batch(PulledBatch(cursor=0, customers=customers, cards=cards))
