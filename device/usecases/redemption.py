"""Spending points on a reward, at the till or the kiosk: own points or a pool's, in-house or partner voucher.

Three steps, so each front-end may put its own waits between them (the till asks central outside its lock,
the kiosk checks the card is still on the reader): `prepare` checks the offline limits and the balance and
builds the event; `voucher` asks central for a partner's code before anything is recorded (the same
redemption id always gets the same code); `record` writes the redemption and its voucher.
"""

from __future__ import annotations

from collections.abc import Callable

from device.sync.offline import OfflineLimits, check_redemption
from loyalty.domain import operations, pools
from loyalty.domain.events import PointsRedeemed, PoolRedeemed, VoucherIssued
from loyalty.domain.rewards import IssuedVoucher, Reward
from loyalty.errors import OfflineLimitReached

#: (partner, customer_id, redemption_event_id) -> the partner's code from central's pool.
VoucherIssuer = Callable[[str, str, str], IssuedVoucher]


class Redemption:
    """Redemptions on one device, under its offline limits; `issuer` is None when there is no central."""

    def __init__(self, device_id: str, limits: OfflineLimits, issuer: VoucherIssuer | None = None) -> None:
        self.device_id = device_id
        self.limits = limits
        self.issuer = issuer

    def prepare(
        self,
        store,
        reward: Reward,
        customer_id: str,
        *,
        online: bool | None,
        cashier_id: str | None = None,
        from_pool: bool = False,
    ) -> PointsRedeemed | PoolRedeemed:
        """The redemption event, not yet recorded; `online=None` (training) applies no offline limit."""
        if online is not None:
            check_redemption(
                self.limits,
                online=online,
                reward=reward,
                customer_id=customer_id,
                points=reward.points_price,
                unsynced=store.pending(),
            )
        if from_pool:
            return pools.redeem(store, reward, device_id=self.device_id, customer_id=customer_id, cashier_id=cashier_id)
        return operations.redeem(
            store, reward, device_id=self.device_id, customer_id=customer_id, cashier_id=cashier_id
        )

    def voucher(self, reward: Reward, customer_id: str, redemption_id: str) -> IssuedVoucher:
        """The partner's code for this redemption, from central; nothing is recorded yet."""
        if self.issuer is None:
            raise OfflineLimitReached(
                f"{reward.name} is a partner voucher: it needs the central server, which this device has not"
            )
        return self.issuer(reward.partner or "", customer_id, redemption_id)

    def record(
        self,
        store,
        event: PointsRedeemed | PoolRedeemed,
        voucher: IssuedVoucher | None = None,
        cashier_id: str | None = None,
    ) -> PointsRedeemed | PoolRedeemed:
        """Write the redemption, then its voucher's code when there is one; returns the recorded event."""
        recorded = store.record(event)
        if voucher is not None:
            store.record(
                VoucherIssued(
                    device_id=self.device_id,
                    cashier_id=cashier_id,
                    customer_id=event.customer_id,
                    redemption_event_id=recorded.event_id,
                    partner=voucher.partner,
                    code=voucher.code,
                    face_value_cents=voucher.face_value_cents,
                )
            )
        return recorded
