"""Normalised forms of names, phones and e-mails: for duplicate checks and prefix search."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from loyalty.errors import FieldRequired, InvalidName

_NON_DIGITS = re.compile(r"\D+")


def normalise_name(text: str) -> str:
    """Case- and accent-insensitive form of a name: 'Hélène ' → 'helene'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise_phone(text: str) -> str:
    """Digits only, French international prefix folded: '+33 6 12 34 56 78' → '0612345678'."""
    digits = _NON_DIGITS.sub("", text)
    if digits.startswith("0033"):
        return "0" + digits[4:]
    if text.strip().startswith("+33"):
        return "0" + digits[2:]
    return digits


def normalise_email(text: str) -> str:
    """Trimmed, lower-case e-mail."""
    return text.strip().lower()


def contact_hashes(key: bytes, phone: str | None, email: str | None) -> tuple[str, ...]:
    """Keyed hashes (HMAC-SHA256, 128 bits in hex) of the normalised phone and e-mail, for duplicate checks on a
    device that holds no contact details: it hashes what is typed with the chain's key and compares."""
    found = []
    if phone and (digits := normalise_phone(phone)):
        found.append(_keyed(key, "phone:" + digits))
    if email and (mail := normalise_email(email)):
        found.append(_keyed(key, "email:" + mail))
    return tuple(found)


def _keyed(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def last_initial(last_name: str | None) -> str | None:
    """The surname's first letter, upper-case: what a device shows of it ('Dupont' → 'D')."""
    stripped = (last_name or "").strip()
    return stripped[0].upper() if stripped else None


#: A device records an earn against a card it does not know (offline) for the customer id `card:<uid>`;
#: central gives the event to the card's owner, or to a new customer if the card belongs to no one yet.
UNKNOWN_CARD_PREFIX = "card:"


def unknown_card_customer(card_uid: str) -> str:
    """The stand-in customer id of an earn recorded against a card the device could not look up."""
    return UNKNOWN_CARD_PREFIX + card_uid


def card_of_stand_in(customer_id: str | None) -> str | None:
    """The card a stand-in customer id names, or None for a real customer id."""
    if customer_id and customer_id.startswith(UNKNOWN_CARD_PREFIX) and len(customer_id) > len(UNKNOWN_CARD_PREFIX):
        return customer_id[len(UNKNOWN_CARD_PREFIX) :]
    return None


def search_keys(first_name: str | None, last_name: str | None, phone: str | None, email: str | None) -> set[str]:
    """Every key a customer can be found by with a prefix search."""
    keys: set[str] = set()
    for name in (first_name, last_name):
        if name:
            keys.update(part for part in normalise_name(name).split() if part)
    if first_name and last_name:
        keys.add(normalise_name(f"{first_name} {last_name}"))
    if phone and (digits := normalise_phone(phone)):
        keys.add(digits)
    if email:
        keys.add(normalise_email(email))
    return keys


def normalise_query(text: str) -> str:
    """The form a typed search is compared in: a phone if it is mostly digits, else a name or e-mail."""
    stripped = text.strip()
    if stripped and sum(ch.isdigit() for ch in stripped) >= max(1, len(stripped.replace(" ", "")) - 1):
        return normalise_phone(stripped)
    if "@" in stripped:
        return normalise_email(stripped)
    return normalise_name(stripped)


MAX_FIRST_NAME = 40
_FIRST_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’\-.])*$")


def clean_first_name(text: object, *, required: bool = True) -> str:
    """A first name as the till and the kiosk both keep it: letters (with spaces, ' - .), at most 40.

    Spaces are collapsed, and a name typed all in capitals or all in small letters is written the usual way
    ('INES' and 'ines' become 'Ines', 'JEAN-PIERRE' becomes 'Jean-Pierre'); a mixed case is kept as typed.
    Where the name may come later (`required=False`), a blank one is kept as "".
    """
    name = " ".join(text.split()) if isinstance(text, str) else ""
    if not name and not required:
        return ""
    if not name:
        raise FieldRequired("the first name is required")
    if len(name) > MAX_FIRST_NAME or not _FIRST_NAME.match(name):
        raise InvalidName(f"a first name is letters (and ' - .), at most {MAX_FIRST_NAME}")
    if name.isupper() or name.islower():
        name = name.title()
    return name
