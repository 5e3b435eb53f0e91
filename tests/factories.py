"""Builders for test data: invented customers only."""

from __future__ import annotations


def seed_store(store, count: int) -> None:
    """Put `count` invented customers, each with one card, into a store as a pull from central would."""
    from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch

    customers = tuple(
        CustomerState(
            customer_id=f"cust-{n:05d}",
            points=10 * n,
            first_name=f"Prénom{n}",
            last_name="Exemple",
            email=f"client{n}@example.org",
        )
        for n in range(count)
    )
    cards = tuple(
        CardState(card_uid=f"{0xA0000000 + n:08X}", customer_id=c.customer_id) for n, c in enumerate(customers)
    )
    store.apply_batch(PulledBatch(cursor=0, customers=customers, cards=cards))


class ManualClock:
    """A monotonic clock a test moves by hand (`clock.now += 5`)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def signed_in_till(config, clock):
    """A till over a store of five invented customers, cashier Alice (PIN 1234) signed in."""
    from device.bus import EventBus
    from device.store import Store
    from device.till import Till

    store = Store.open(config.data_dir / "store", config.device.id)
    seed_store(store, 5)
    till = Till(config, store, EventBus(), sync_state=lambda: {"state": "idle"}, clock=clock)
    till.sessions.open(till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice"))
    return till
