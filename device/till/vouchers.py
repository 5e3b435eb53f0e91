"""Partner voucher codes for the till: asked from central's pool at the moment of the redemption."""

from __future__ import annotations

from collections.abc import Callable

from device.config import Config

#: (partner, customer_id, redemption_event_id) -> an IssuedVoucher (partner, code, face_value_cents, ...).
VoucherIssuer = Callable[[str, str, str], object]


def central_voucher_issuer(config: Config):
    """A client of central for voucher codes, or None when this device has no central or no token."""
    if not config.central.url:
        return None
    from device.sync.client import CentralClient
    from device.sync.setup import token_file

    token = token_file(config).read()
    if token is None:
        return None
    return CentralClient(config.central.url, token, config.central.timeout_s)
