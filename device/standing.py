"""What the kiosk screen and the receipts tell a customer beside the balance: points expiring soon and the tier.

Both come from the device's store (pulled lots with pending events on top), so they work offline, and from
central's `expiry` and `tiers` settings kept in the reference data: without a setting nothing is said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from loyalty.domain.expiry import ExpiryNotice


@dataclass(frozen=True)
class CustomerStanding:
    """Points that expire within the notice period (None when none do) and the tier's name (None without tiers)."""

    expiring: ExpiryNotice | None = None
    tier: str | None = None


def standing_of(store, reference, customer_id: str, today: date) -> CustomerStanding:
    """The standing from `store` (expiry_notice, tier) under `reference`'s rules (expiry_rule, tier_scale)."""
    if reference is None:
        return CustomerStanding()
    rule, scale = reference.expiry_rule(), reference.tier_scale()
    expiring = None
    if rule is not None:
        found = store.expiry_notice(customer_id, today, rule)
        if found.points > 0 and found.first_day is not None:
            expiring = found
    tier = store.tier(customer_id, today, scale).name if scale is not None else None
    return CustomerStanding(expiring, tier)


def receipt_notice(expiring: ExpiryNotice | None) -> dict[str, object]:
    """The receipt fields of an expiry notice (`Receipt.expiring_points`, `expiring_from` as DD/MM/YYYY), or none."""
    if expiring is None or expiring.first_day is None or expiring.points <= 0:
        return {}
    return {"expiring_points": expiring.points, "expiring_from": expiring.first_day.strftime("%d/%m/%Y")}
