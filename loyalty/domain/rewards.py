"""Rewards the points buy: in-house catalogue items and partner vouchers (holiday, home-service)."""

from __future__ import annotations

from dataclasses import dataclass

from loyalty.domain.events import REWARD_KINDS


@dataclass(frozen=True)
class Reward:
    """A catalogue entry. Partner vouchers have a partner and a face value and are issued online only."""

    reward_id: str
    kind: str
    name: str
    points_price: int
    stock: int | None = None
    partner: str | None = None
    face_value_cents: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in REWARD_KINDS:
            raise ValueError(f"reward kind {self.kind!r} is not one of {', '.join(REWARD_KINDS)}")
        if self.points_price <= 0:
            raise ValueError(f"reward {self.reward_id!r} must cost at least one point")
        if self.kind == "partner_voucher" and (not self.partner or not self.face_value_cents):
            raise ValueError(f"partner voucher {self.reward_id!r} needs a partner and a face value")

    @property
    def needs_central(self) -> bool:
        """Partner voucher codes come from central's pool, so they cannot be issued offline."""
        return self.kind == "partner_voucher"


@dataclass(frozen=True)
class IssuedVoucher:
    """A partner voucher code central gave for one redemption (the same code if asked again)."""

    partner: str
    code: str
    face_value_cents: int
    redemption_event_id: str
