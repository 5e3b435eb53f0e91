"""Partner voucher codes for the till: asked from central's pool at the moment of the redemption."""

from __future__ import annotations

from collections.abc import Callable

from device.config import Config

#: (partner, customer_id, redemption_event_id) -> an IssuedVoucher (partner, code, face_value_cents, ...).
VoucherIssuer = Callable[[str, str, str], object]


#: A card tapped at the till waits at most this long for central's answer before it is taken as offline.
LOOKUP_TIMEOUT_S = 2.0


def central_voucher_issuer(config: Config):
    """A client of central for voucher codes, or None when this device has no central or no token."""
    return central_client(config, config.central.timeout_s)


def central_lookup_client(config: Config):
    """A client of central for customer look-ups and search, with a short timeout (a customer is waiting)."""
    return central_client(config, min(LOOKUP_TIMEOUT_S, config.central.timeout_s))


def central_client(config: Config, timeout_s: float):
    """A client of central, or None when this device has no central or no token."""
    if not config.central.url:
        return None
    from device.sync.client import CentralClient
    from device.sync.setup import token_file

    token = token_file(config).read()
    if token is None:
        return None
    return CentralClient(config.central.url, token, timeout_s)
