"""The receipt reference as the till's scanner reads it: printed as a QR code, scanned back for a refund.

A receipt carries one reference, the one a refund takes. Its code is `LR1.` followed by the reference,
so the scanner tells it from a phone card's code (`LC1.`) without guessing.
"""

from __future__ import annotations

from loyalty.domain.operations import MAX_REF_LENGTH

PREFIX = "LR1."


def receipt_code(receipt_ref: str) -> str:
    """What the receipt's QR code holds for this reference."""
    return PREFIX + receipt_ref


def reference_in(payload: object) -> str | None:
    """The receipt reference a scanned code holds, or None when it is not a receipt code."""
    if not isinstance(payload, str) or not payload.startswith(PREFIX):
        return None
    ref = payload[len(PREFIX) :].strip()
    if not ref or len(ref) > MAX_REF_LENGTH or not ref.isprintable():
        return None
    return ref
