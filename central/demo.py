"""Fictional customers and cards for the demo and the benchmark (invented names only)."""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from central.devices import CENTRAL_DEVICE_ID
from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.events import CardBlocked, CardLinked, ConsentChanged, CustomerRegistered, Event, PointsEarned

FIRST_NAMES = (
    "Aurélie",
    "Bastien",
    "Capucine",
    "Dorian",
    "Elouan",
    "Faustine",
    "Gaspard",
    "Hortense",
    "Ilyès",
    "Jade",
    "Kylian",
    "Louna",
    "Maëlys",
    "Nolan",
    "Océane",
    "Pacôme",
    "Quitterie",
    "Romain",
    "Salomé",
    "Titouan",
    "Ulysse",
    "Victoire",
    "Wassim",
    "Yaëlle",
    "Zéphyr",
)
LAST_NAMES = (
    "Abadie",
    "Bellec",
    "Courtois",
    "Delorme",
    "Estève",
    "Fournel",
    "Guérin",
    "Hamelin",
    "Isnard",
    "Jolivet",
    "Kerbrat",
    "Lemoine",
    "Marchal",
    "Nédélec",
    "Orsini",
    "Peyrat",
    "Quéméner",
    "Rouxel",
    "Saulnier",
    "Tessier",
    "Vautrin",
    "Wagner",
)


#: Cards the virtual hardware panel offers; the last two are unknown to central (new-customer flow).
DEMO_CARDS = (
    {"uid": "04A1B2C3", "label": "Camille (MIFARE Classic, 4 octets)"},
    {"uid": "04112233445566", "label": "Hugo (NTAG213, 7 octets)"},
    {"uid": "0A0B0C0D", "label": "Léa (carte bloquée)"},
    {"uid": "DEADBEEF", "label": "Carte inconnue (MIFARE)"},
    {"uid": "04998877665544", "label": "Carte inconnue (NTAG)"},
)
_NAMED = (
    ("camille", "Camille", "Martin", "04A1B2C3", 240, False),
    ("hugo", "Hugo", "Durand", "04112233445566", 35, False),
    ("lea", "Léa", "Moreau", "0A0B0C0D", 120, True),
)


#: How old Camille's oldest points are: within the demo's 30-day notice of their 365-day lifetime.
OLD_EARN_DAYS = 345


def customer_id(n: int) -> str:
    return f"demo-{n:06d}"


def card_uid(n: int) -> str:
    return f"D0{n:08X}"


def seed(engine: Engine, count: int = 50, *, seed_value: int = 7, batch: int = 500) -> list[str]:
    """Register `count` invented customers, each with a card and some points; returns their ids.

    Seeding again with the same arguments changes nothing (the events have fixed ids).
    """
    rng = random.Random(seed_value)
    made: list[Event] = []
    ids = []
    for n in range(count):
        cid = customer_id(n)
        ids.append(cid)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        base = f"{seed_value:04x}{n:08x}"
        made += _joined(
            base,
            cid,
            first,
            last,
            f"{_ascii(first)}.{_ascii(last)}{n}@example.org",
            card_uid(n),
            f"seed-{n}",
            rng.randrange(0, 400),
        )
    for start in range(0, len(made), batch):
        chunk = made[start : start + batch]
        in_transaction(engine, lambda c, chunk=chunk: ingest(c, chunk, None))
    return ids


def _joined(base: str, cid: str, first: str, last: str, email: str, uid: str, receipt: str, points: int) -> list[Event]:
    """A demo customer as central records one: registered with consent, a card, and one earn (fixed event ids)."""
    return [
        CustomerRegistered(
            event_id=_uuid(base, 1),
            device_id=CENTRAL_DEVICE_ID,
            customer_id=cid,
            first_name=first,
            last_name=last,
            email=email,
        ),
        ConsentChanged(
            event_id=_uuid(base, 2),
            device_id=CENTRAL_DEVICE_ID,
            customer_id=cid,
            granted=True,
            text_version="2026-01",
            channel="central",
        ),
        CardLinked(event_id=_uuid(base, 3), device_id=CENTRAL_DEVICE_ID, customer_id=cid, card_uid=uid),
        PointsEarned(
            event_id=_uuid(base, 4),
            device_id=CENTRAL_DEVICE_ID,
            customer_id=cid,
            receipt_ref=receipt,
            amount_cents=100 * points,
            points=points,
        ),
    ]


def seed_demo_cards(engine: Engine) -> None:
    """The named demo customers behind `DEMO_CARDS` (idempotent: fixed event ids)."""
    made: list[Event] = []
    for n, (key, first, last, uid, points, blocked) in enumerate(_NAMED):
        cid, base = f"demo-{key}", f"dead{n:08x}"
        made += _joined(base, cid, first, last, f"{key}.demo@example.org", uid, f"seed-{key}", points)
        if blocked:
            made.append(CardBlocked(event_id=_uuid(base, 5), device_id=CENTRAL_DEVICE_ID, card_uid=uid, reason="lost"))
    # Camille's points of eleven months ago near the demo lifetime's end, so the kiosk and receipts warn of them.
    long_ago = (datetime.now().astimezone() - timedelta(days=OLD_EARN_DAYS)).replace(hour=11, minute=0, second=0)
    made.append(
        PointsEarned(
            event_id=_uuid(f"dead{0:08x}", 6),
            device_id=CENTRAL_DEVICE_ID,
            customer_id="demo-camille",
            receipt_ref="seed-camille-old",
            amount_cents=6000,
            points=60,
            at=long_ago.isoformat(timespec="seconds"),
        )
    )
    in_transaction(engine, lambda c: ingest(c, made, None))


def seed_loyalty_terms(engine: Engine) -> None:
    """Demo tiers and points lifetime, unless the back office set them already (a restart keeps the user's)."""
    from central.backoffice import loyalty_terms
    from loyalty.domain.expiry import ExpiryRule
    from loyalty.domain.tiers import Tier, TierScale

    def load(connection) -> None:
        if loyalty_terms.read_setting(connection, loyalty_terms.TIERS) is None:
            loyalty_terms.save_tiers(
                connection, "demo", TierScale(365, (Tier("Bronze", 0), Tier("Argent", 250), Tier("Or", 600)))
            )
        if loyalty_terms.read_setting(connection, loyalty_terms.EXPIRY) is None:
            loyalty_terms.save_expiry(connection, "demo", ExpiryRule(after_days=365, notice_days=30))

    in_transaction(engine, load)


def seed_catalogue(engine: Engine, codes_per_partner: int = 50) -> None:
    """The demo catalogue (the tills' built-in rewards plus a home-service voucher) and fictional voucher codes."""
    from central.reference_data import put_reward
    from central.vouchers import import_codes
    from loyalty.catalogue import DEFAULT_REWARDS

    home = {
        "kind": "partner_voucher",
        "name": "Chèque service à la personne 10 €",
        "points_price": 500,
        "partner": "home-services",
        "face_value_cents": 1000,
    }
    rewards = {
        r.reward_id: {
            "kind": r.kind,
            "name": r.name,
            "points_price": r.points_price,
            "partner": r.partner,
            "face_value_cents": r.face_value_cents,
        }
        for r in DEFAULT_REWARDS
    }
    rewards["home-10"] = home

    def load(connection) -> None:
        for reward_id, body in rewards.items():
            put_reward(connection, reward_id, {k: v for k, v in body.items() if v is not None})
        for partner, prefix in (("holidays", "DEMO-CV"), ("home-services", "DEMO-SAP")):
            cents = next(b["face_value_cents"] for b in rewards.values() if b.get("partner") == partner)
            import_codes(connection, partner, [(f"{prefix}-{n:05d}", cents) for n in range(codes_per_partner)])

    in_transaction(engine, load)


def _uuid(base: str, kind: int) -> str:
    digits = f"{base}{kind:04x}".rjust(32, "0")[-32:]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-8{digits[17:20]}-{digits[20:]}"


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if c.isascii() and c.isalpha())


#: The demo's household pool: Camille gives half of each earn, Hugo all of his.
DEMO_POOL = "famille-martin-durand"
DEMO_POOL_MEMBERS = (("demo-camille", 50), ("demo-hugo", 100))
#: One card batch per sales channel, so the card batch and channel pages have something to show.
DEMO_BATCHES = (("company", None), ("partner", "ce-acme"), ("online", None))
DEMO_BATCH_SIZE = 20


def seed_cards_and_pool(engine: Engine) -> None:
    """One card batch per channel and the demo pool, made once (a second start changes nothing)."""
    from central import card_batches, pools
    from central.schema import card_batches as batches_table
    from central.schema import pool_memberships

    def work(connection) -> None:
        if connection.execute(select(batches_table.c.batch_id).limit(1)).first() is None:
            for channel, partner in DEMO_BATCHES:
                card_batches.create_batch(connection, channel, partner, DEMO_BATCH_SIZE, "demo")
        for customer, share in DEMO_POOL_MEMBERS:
            member = connection.execute(
                select(pool_memberships.c.pool_id).where(pool_memberships.c.customer_id == customer)
            ).scalar()
            if member is None:
                pools.set_member(connection, DEMO_POOL, customer, share, "demo")

    in_transaction(engine, work)
