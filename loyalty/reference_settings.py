"""The settings central publishes to devices (earning rules, capture mode, expiry, tiers): their names and
how a value is read, the same on the device and in central's back office."""

from __future__ import annotations

import logging

from loyalty.domain.expiry import ExpiryRule
from loyalty.domain.tiers import Tier, TierScale

log = logging.getLogger(__name__)

EARNING_RULES = "earning_rules"
CAPTURE_MODE = "capture_mode"
EXPIRY = "expiry"
TIERS = "tiers"
ISSUED_CARDS = "issued_cards"  # the filter of the cards the chain issued (loyalty.domain.card_filter)
CONTACT_HASH_KEY = "contact_hash_key"  # the chain key of the contact hashes (loyalty.domain.customers)


def expiry_rule_from(value: object) -> ExpiryRule | None:
    """The points lifetime and notice period from the `expiry` setting's value, or None when absent or invalid."""
    if value is None:
        return None
    try:
        if not isinstance(value, dict):
            raise TypeError("not a table")
        after, notice = value["after_days"], value["notice_days"]
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (after, notice)):
            raise TypeError("after_days and notice_days must be whole numbers")
        return ExpiryRule(after, notice)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("central expiry setting ignored: %s", exc)
        return None


def tier_scale_from(value: object) -> TierScale | None:
    """The tier period and thresholds from the `tiers` setting's value, or None when absent or invalid."""
    if value is None:
        return None
    try:
        if not isinstance(value, dict) or not isinstance(value["tiers"], list):
            raise TypeError("not a table with a list of tiers")
        tiers = []
        for tier in value["tiers"]:
            name, minimum = tier["name"], tier["min_points"]
            if not isinstance(name, str) or isinstance(minimum, bool) or not isinstance(minimum, int):
                raise TypeError("a tier needs a name and whole minimum points")
            tiers.append(Tier(name, minimum))
        period = value["period_days"]
        if isinstance(period, bool) or not isinstance(period, int):
            raise TypeError("period_days must be a whole number")
        return TierScale(period, tuple(tiers))
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("central tiers setting ignored: %s", exc)
        return None
