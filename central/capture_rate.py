"""The capture rate, defined once for every page, export and printed summary.

Capture rate = customers captured at the till ÷ sales where an unknown card was met, in percent. It is
a share of those sales, so it is never above 100 %; a till that met no unknown card has none (None).
"""

from __future__ import annotations


def capture_rate_pct(captured: int, unknown_card_sales: int) -> float | None:
    """Customers captured per unknown-card sale, in percent with one decimal; None before any."""
    if unknown_card_sales <= 0:
        return None
    return round(100 * min(captured, unknown_card_sales) / unknown_card_sales, 1)
