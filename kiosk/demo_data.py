"""Fictional demo customers and cards: invented name pairs, reserved phone numbers, example.org e-mails."""

from __future__ import annotations

import random

from kiosk.domain.snapshot import CardState, CustomerState

FIRST_NAMES = ("Camille", "Léa", "Hugo", "Louis", "Chloé", "Jules", "Manon", "Arthur", "Inès", "Gabriel",
               "Zoé", "Nathan", "Jade", "Raphaël", "Lina", "Noah", "Élise", "Adam", "Rose", "Timéo")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
              "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
              "Vincent", "Fournier")

#: Cards the virtual hardware panel offers; the last two are unknown to the store (new-customer flow).
DEMO_CARDS = (
    {"uid": "04A1B2C3", "label": "Camille (MIFARE Classic, 4 octets)"},
    {"uid": "04112233445566", "label": "Hugo (NTAG213, 7 octets)"},
    {"uid": "0A0B0C0D", "label": "Léa (carte bloquée)"},
    {"uid": "DEADBEEF", "label": "Carte inconnue (MIFARE)"},
    {"uid": "04998877665544", "label": "Carte inconnue (NTAG)"},
)


def demo_customers(count: int, seed: int = 7) -> tuple[list[CustomerState], list[CardState]]:
    """`count` fictional customers, each with one card; the first three match `DEMO_CARDS`."""
    rng = random.Random(seed)
    named = [("Camille", "Martin", "04A1B2C3", False), ("Hugo", "Durand", "04112233445566", False),
             ("Léa", "Moreau", "0A0B0C0D", True)]
    customers, cards = [], []
    for n in range(count):
        if n < len(named):
            first, last, uid, blocked = named[n]
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            uid, blocked = f"{0x10000000 + n:08X}", False
        customer_id = f"demo-{n:06d}"
        customers.append(CustomerState(
            customer_id=customer_id, points=rng.randrange(0, 600), first_name=first, last_name=last,
            # 01 99 00 xx xx is a range set aside for fiction by the French numbering plan.
            phone=f"019900{n % 10000:04d}", email=f"{_ascii(first)}.{_ascii(last)}.{n}@example.org",
            consent_granted=True, consent_version="2026-01",
        ))
        cards.append(CardState(card_uid=uid, customer_id=customer_id, blocked=blocked))
    return customers, cards


def _ascii(name: str) -> str:
    from kiosk.domain.customers import normalise_name

    return normalise_name(name).replace(" ", "")
