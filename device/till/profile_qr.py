"""The address the till prints as a QR for a new customer: the portal's profile page with a signed link."""

from __future__ import annotations

import logging

from device.config import Config
from loyalty.profile_link import make_link_token

log = logging.getLogger(__name__)


def profile_link_for(config: Config, customer_id: str) -> str:
    """`profile_url` + a signed, expiring, one-use link for this customer; empty (no QR) while not enrolled."""
    from device.sync.setup import token_file

    try:
        token = token_file(config).read()
    except OSError as exc:
        log.warning("no profile QR: the central token cannot be read (%s)", type(exc).__name__)
        return ""
    if not token:
        return ""
    return config.till.profile_url + make_link_token(token, config.device.id, customer_id)
