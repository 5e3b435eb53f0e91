"""Online, a scanned phone card code is also accepted once in the whole chain: the device asks central,
with a short deadline so the queue never waits long; unreachable central leaves the device's own rule."""

from __future__ import annotations

from collections.abc import Callable

from device.config import Config
from loyalty.phonecard import PhoneCardVerifier

#: Seconds a till waits for central's answer before trusting its own once-only rule.
ASK_TIMEOUT_S = 2.0


def chain_acceptor(config: Config) -> Callable[[str], None] | None:
    """A function asking central to accept a code (None when the device has no central or no token)."""
    from device.sync.client import CentralClient
    from device.sync.setup import token_file

    if not config.central.url:
        return None
    token = token_file(config).read()
    if token is None:
        return None
    client = CentralClient(config.central.url, token, min(ASK_TIMEOUT_S, config.central.timeout_s))
    return client.accept_phone_code


def verifier_from_config(config: Config) -> PhoneCardVerifier | None:
    """The device's verifier from `[phonecard]`, or None when no public key is configured; with central
    configured and the device enrolled, codes are also accepted once chain-wide while online."""
    if not config.phonecard.public_key:
        return None
    return PhoneCardVerifier.from_text(config.phonecard.public_key, config.phonecard.skew_s, chain_acceptor(config))
