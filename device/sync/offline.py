"""Offline rules: earning is always allowed; redeeming without central is capped; partner vouchers need central.

The caps (floor limits) bound what two tills can spend twice from the same balance while they cannot
see each other: they count the redemptions this device has not yet had acknowledged by central.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from device.config import CentralConfig
from loyalty.domain.events import Event, PointsRedeemed, PoolRedeemed
from loyalty.domain.rewards import Reward
from loyalty.errors import OfflineLimitReached


@dataclass(frozen=True)
class OfflineLimits:
    """Points one customer's card, and this whole device, may redeem while central is unreachable."""

    per_card_points: int = 500
    per_device_points: int = 5000

    @classmethod
    def from_config(cls, central: CentralConfig) -> OfflineLimits:
        return cls(central.offline_redeem_per_card, central.offline_redeem_per_device)


def check_redemption(
    limits: OfflineLimits, *, online: bool, reward: Reward, customer_id: str, points: int, unsynced: Iterable[Event]
) -> None:
    """Refuse (OfflineLimitReached) a redemption that central must see first; do nothing when online."""
    if online:
        return
    if reward.needs_central:
        raise OfflineLimitReached(
            f"{reward.name} is a partner voucher: it needs the central server, which cannot be reached right now"
        )
    spent_card = spent_device = 0
    for event in unsynced:
        # A member spending the pool counts like spending their own points: same card, same device caps.
        if isinstance(event, (PointsRedeemed, PoolRedeemed)):
            spent_device += event.points
            if event.customer_id == customer_id:
                spent_card += event.points
    if spent_card + points > limits.per_card_points:
        left = max(0, limits.per_card_points - spent_card)
        raise OfflineLimitReached(f"offline, this card can redeem {left} more points here until central is back")
    if spent_device + points > limits.per_device_points:
        left = max(0, limits.per_device_points - spent_device)
        raise OfflineLimitReached(f"offline, this till can redeem {left} more points until central is back")
