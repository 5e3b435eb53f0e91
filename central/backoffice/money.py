"""Euro amounts typed in the back office (`47,90` or `47.90`) turned into integer cents, never floats."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from central.errors import BadRequest

_EUROS = re.compile(r"^(\d{1,7})(?:[.,](\d{1,2}))?$")


def parse_euros(text: object, what: str = "amount") -> int:
    """`47,90` → 4790; refuses signs, thousands separators and more than two decimals."""
    cleaned = str(text or "").strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    match = _EUROS.match(cleaned)
    if not match:
        raise BadRequest(_("%(what)s: %(text)r is not an amount in euros such as 47,90", what=what, text=text))
    whole, decimals = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(decimals)


def format_euros(cents: int, decimal: str = ",") -> str:
    """4790 → `47,90` (the decimal mark follows the page's language)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}{decimal}{cents % 100:02d}"
