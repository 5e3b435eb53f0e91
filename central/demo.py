"""Fictional customers and cards for the demo and the benchmark (invented names only)."""

from __future__ import annotations

import random
import unicodedata

from sqlalchemy import Engine

from central.devices import CENTRAL_DEVICE_ID
from central.ingest import ingest
from central.transactions import in_transaction
from kiosk.domain.events import CardBlocked, CardLinked, ConsentChanged, CustomerRegistered, Event, PointsEarned

FIRST_NAMES = ("Aurélie", "Bastien", "Capucine", "Dorian", "Elouan", "Faustine", "Gaspard", "Hortense",
               "Ilyès", "Jade", "Kylian", "Louna", "Maëlys", "Nolan", "Océane", "Pacôme", "Quitterie",
               "Romain", "Salomé", "Titouan", "Ulysse", "Victoire", "Wassim", "Yaëlle", "Zéphyr")
LAST_NAMES = ("Abadie", "Bellec", "Courtois", "Delorme", "Estève", "Fournel", "Guérin", "Hamelin",
              "Isnard", "Jolivet", "Kerbrat", "Lemoine", "Marchal", "Nédélec", "Orsini", "Peyrat",
              "Quéméner", "Rouxel", "Saulnier", "Tessier", "Vautrin", "Wagner")


#: Cards the virtual hardware panel offers; the last two are unknown to central (new-customer flow).
DEMO_CARDS = (
    {"uid": "04A1B2C3", "label": "Camille (MIFARE Classic, 4 octets)"},
    {"uid": "04112233445566", "label": "Hugo (NTAG213, 7 octets)"},
    {"uid": "0A0B0C0D", "label": "Léa (carte bloquée)"},
    {"uid": "DEADBEEF", "label": "Carte inconnue (MIFARE)"},
    {"uid": "04998877665544", "label": "Carte inconnue (NTAG)"},
)
_NAMED = (("camille", "Camille", "Martin", "04A1B2C3", 240, False),
          ("hugo", "Hugo", "Durand", "04112233445566", 35, False),
          ("lea", "Léa", "Moreau", "0A0B0C0D", 120, True))


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
        made += [
            CustomerRegistered(event_id=_uuid(base, 1), device_id=CENTRAL_DEVICE_ID, customer_id=cid,
                               first_name=first, last_name=last,
                               email=f"{_ascii(first)}.{_ascii(last)}{n}@example.org"),
            ConsentChanged(event_id=_uuid(base, 2), device_id=CENTRAL_DEVICE_ID, customer_id=cid, granted=True,
                           text_version="2026-01", channel="central"),
            CardLinked(event_id=_uuid(base, 3), device_id=CENTRAL_DEVICE_ID, customer_id=cid, card_uid=card_uid(n)),
            PointsEarned(event_id=_uuid(base, 4), device_id=CENTRAL_DEVICE_ID, customer_id=cid,
                         receipt_ref=f"seed-{n}", amount_cents=100 * (p := rng.randrange(0, 400)), points=p),
        ]
    for start in range(0, len(made), batch):
        chunk = made[start:start + batch]
        in_transaction(engine, lambda c, chunk=chunk: ingest(c, chunk, None))
    return ids


def seed_demo_cards(engine: Engine) -> None:
    """The named demo customers behind `DEMO_CARDS` (idempotent: fixed event ids)."""
    made: list[Event] = []
    for n, (key, first, last, uid, points, blocked) in enumerate(_NAMED):
        cid, base = f"demo-{key}", f"dead{n:08x}"
        made += [
            CustomerRegistered(event_id=_uuid(base, 1), device_id=CENTRAL_DEVICE_ID, customer_id=cid,
                               first_name=first, last_name=last, email=f"{key}.demo@example.org"),
            ConsentChanged(event_id=_uuid(base, 2), device_id=CENTRAL_DEVICE_ID, customer_id=cid, granted=True,
                           text_version="2026-01", channel="central"),
            CardLinked(event_id=_uuid(base, 3), device_id=CENTRAL_DEVICE_ID, customer_id=cid, card_uid=uid),
            PointsEarned(event_id=_uuid(base, 4), device_id=CENTRAL_DEVICE_ID, customer_id=cid,
                         receipt_ref=f"seed-{key}", amount_cents=100 * points, points=points),
        ]
        if blocked:
            made.append(CardBlocked(event_id=_uuid(base, 5), device_id=CENTRAL_DEVICE_ID, card_uid=uid,
                                    reason="lost"))
    in_transaction(engine, lambda c: ingest(c, made, None))


def seed_catalogue(engine: Engine, codes_per_partner: int = 50) -> None:
    """The demo catalogue (the tills' built-in rewards plus a home-service voucher) and fictional voucher codes."""
    from central.reference_data import put_reward
    from central.vouchers import import_codes
    from kiosk.till.catalogue import DEFAULT_REWARDS

    home = {"kind": "partner_voucher", "name": "Chèque service à la personne 10 €", "points_price": 500,
            "partner": "home-services", "face_value_cents": 1000}
    rewards = {r.reward_id: {"kind": r.kind, "name": r.name, "points_price": r.points_price,
                             "partner": r.partner, "face_value_cents": r.face_value_cents} for r in DEFAULT_REWARDS}
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
