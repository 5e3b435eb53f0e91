"""An invented week of trade across two stores, built with the domain operations the tills run."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from loyalty.domain.earning import EarningScale
from loyalty.domain.events import CustomerRegistered, Event, VoucherIssued
from loyalty.domain.ledger import Ledger
from loyalty.domain.operations import earn, redeem, reverse
from loyalty.domain.rewards import Reward
from loyalty.errors import InsufficientPoints, NothingToReverse

MUG = Reward(reward_id="mug", kind="in_house", name="Mug", points_price=50, stock=10)
HOLIDAY = Reward(
    reward_id="holiday-20",
    kind="partner_voucher",
    name="Holiday 20",
    points_price=120,
    partner="holidays",
    face_value_cents=2000,
)
CASHIERS = {"store-a": ("alice", "bob"), "store-b": ("carla",)}
FIRST_DAY = date(2026, 11, 1)


def build_week(seed: int = 7) -> list[Event]:
    """Registrations, earns, refunds and redemptions over seven days, in the order they happened."""
    rng = random.Random(seed)
    scale = EarningScale(base_points=1, per_cents=100, category_multipliers_pct={"bakery": 200})
    ledger, made = Ledger(), []
    customers: list[str] = []
    receipts: list[str] = []

    seqs: dict[str, int] = {}

    def record(event: Event) -> None:
        seqs[event.device_id] = seqs.get(event.device_id, 0) + 1
        event = replace(event, seq=seqs[event.device_id])  # as the device's store numbers what it records
        ledger.apply(event)
        made.append(event)

    for n in range(140):
        day = FIRST_DAY + timedelta(days=n // 20)
        at = f"{day.isoformat()}T{8 + n % 20 // 2:02d}:{n % 2 * 30:02d}:00+01:00"
        device = rng.choice(sorted(CASHIERS))
        cashier = rng.choice(CASHIERS[device])
        if not customers or rng.random() < 0.3:
            customer = f"cust-{len(customers):03d}"
            customers.append(customer)
            record(
                CustomerRegistered(
                    device_id=device, cashier_id=cashier, at=at, customer_id=customer, first_name="Invented"
                )
            )
        customer = rng.choice(customers)
        roll = rng.random()
        if roll < 0.65:
            ref = f"R{n:04d}"
            event, _ = earn(
                ledger,
                scale,
                device_id=device,
                customer_id=customer,
                receipt_ref=ref,
                cashier_id=cashier,
                lines={"general": rng.randrange(100, 9000), "bakery": rng.randrange(0, 3000)},
                at=at,
            )
            record(event)
            receipts.append(ref)
        elif roll < 0.75 and receipts:
            try:
                record(
                    _at(
                        reverse(
                            ledger,
                            device_id=device,
                            receipt_ref=rng.choice(receipts),
                            refund_cents=rng.randrange(1, 500),
                            cashier_id=cashier,
                        ),
                        at,
                    )
                )
            except (NothingToReverse, ValueError):
                pass
            except Exception as exc:  # an over-large partial refund is refused like at the till
                if type(exc).__name__ != "InvalidAmount":
                    raise
        else:
            reward = MUG if roll < 0.9 else HOLIDAY
            try:
                redemption = _at(redeem(ledger, reward, device_id=device, customer_id=customer, cashier_id=cashier), at)
            except InsufficientPoints:
                continue
            record(redemption)
            if reward is HOLIDAY:
                record(
                    VoucherIssued(
                        device_id=device,
                        cashier_id=cashier,
                        at=at,
                        customer_id=customer,
                        redemption_event_id=redemption.event_id,
                        partner="holidays",
                        code=f"HOL-{n:04d}",
                        face_value_cents=2000,
                    )
                )
    return made


def _at(event: Event, at: str) -> Event:
    return replace(event, at=at)


def add_holiday_voucher(engine) -> None:
    """Central's catalogue entry for the week's partner voucher, so reports know its partner."""
    from central.reference_data import put_reward
    from central.transactions import in_transaction

    in_transaction(
        engine,
        lambda c: put_reward(
            c,
            HOLIDAY.reward_id,
            {
                "kind": HOLIDAY.kind,
                "name": HOLIDAY.name,
                "points_price": HOLIDAY.points_price,
                "partner": HOLIDAY.partner,
                "face_value_cents": HOLIDAY.face_value_cents,
            },
        ),
    )
