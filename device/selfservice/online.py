"""The kiosk's online calls to central: partner vouchers, the phone card link, the catalogue, pool balances."""

from __future__ import annotations

from urllib.parse import quote

from device.config import Config
from device.sync.client import CentralClient
from device.sync.setup import token_file
from loyalty.domain.rewards import IssuedVoucher
from loyalty.domain.snapshot import RewardState
from loyalty.errors import SyncUnavailable


class KioskCentral(CentralClient):
    """The device's central client plus the calls only the kiosk screen makes."""

    def phone_link(self, card_uid: str) -> str:
        """The address of the card's phone card page (central signs it; the kiosk cannot)."""
        return str(self._call("POST", "/api/phonecard/link", json={"card_uid": card_uid})["url"])

    def catalogue(self) -> list[RewardState]:
        """Every reward central publishes, active or withdrawn."""
        rows = self._call("GET", "/api/catalogue").get("rewards")
        try:
            return [RewardState(**row) for row in rows]  # type: ignore[union-attr]
        except TypeError:
            raise SyncUnavailable("central's catalogue answer was not readable") from None

    def pool_of(self, customer_id: str) -> dict | None:
        """The pool the customer gives to ({pool_id, points, members}) or None."""
        pool = self._call("GET", f"/api/pools/of/{quote(customer_id, safe='')}").get("pool")
        return pool if isinstance(pool, dict) else None

    def recent_operations(self, customer_id: str, limit: int) -> list[dict]:
        """The customer's latest operations from every device ({event_id, kind, at, points, code}), newest first."""
        rows = self._call(
            "GET", f"/api/customers/{quote(customer_id, safe='')}/operations", params={"limit": limit}
        ).get("operations")
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise SyncUnavailable("central's history answer was not readable")
        return rows

    def issue(self, partner: str, customer_id: str, redemption_event_id: str) -> IssuedVoucher:
        return self.issue_voucher(partner, customer_id, redemption_event_id)


def central_for(config: Config, timeout_s: float = 5.0) -> KioskCentral | None:
    """A client with the device token, or None when the device works alone or is not enrolled."""
    if not config.central.url:
        return None
    token = token_file(config).read()
    if token is None:
        return None
    return KioskCentral(config.central.url, token, min(timeout_s, config.central.timeout_s))
