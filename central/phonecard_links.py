"""Phone card codes counted once in the whole chain, and card-page links that can be rotated.

A code is accepted once per device offline (`loyalty.phonecard.ReplayGuard`); online, the device also asks
central, which notes each accepted code (a hash of its minute, nonce and card) for a few minutes, so a
photo of the phone shown at a second till within the same minute is refused there too.

A card-page link is the card signed with central's key and the link's generation; rotating the link
(by the customer on the page, or by the back office) moves the generation on, and older links stop
opening the page. Generation 0 is the original unnumbered link.
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import Connection, delete, select

from central.schema import phonecard_codes_used, phonecard_links
from central.sql import insert_for
from loyalty import phonecard
from loyalty.errors import PhoneCodeInvalid, PhoneCodeReplayed

#: How long an accepted code is remembered: its minute plus the allowed clock skew, with room to spare.
KEEP_S = 10 * 60


def accept_once(connection: Connection, code: phonecard.PhoneCode, device_id: str) -> None:
    """Note the code as used, or PhoneCodeReplayed if any device had it accepted already."""
    now = int(time.time())
    connection.execute(delete(phonecard_codes_used).where(phonecard_codes_used.c.used_at < now - KEEP_S))
    minute, nonce, uid = code.replay_key
    digest = hashlib.sha256(b"%d:" % minute + nonce + b":" + uid.encode()).hexdigest()
    noted = connection.execute(
        insert_for(connection, phonecard_codes_used)
        .on_conflict_do_nothing(index_elements=["code_hash"])
        .returning(phonecard_codes_used.c.code_hash),
        {"code_hash": digest, "device_id": device_id, "used_at": now},
    ).first()
    if noted is None:
        raise PhoneCodeReplayed(
            "this phone card code was already used at another till or kiosk: a code counts "
            "once, ask the customer to show the card page on their phone again"
        )


def current_generation(connection: Connection, card_uid: str) -> int:
    return (
        connection.execute(
            select(phonecard_links.c.generation).where(phonecard_links.c.card_uid == card_uid)
        ).scalar_one_or_none()
        or 0
    )


def check_generation(connection: Connection, card_uid: str, generation: int) -> None:
    """Refuse a link older than the card's current one."""
    if generation != current_generation(connection, card_uid):
        raise PhoneCodeInvalid("this card link was replaced by a new one; open the newest link, or ask at the till")


def rotate(connection: Connection, card_uid: str) -> int:
    """Give the card a new link generation: every older link stops opening the card page."""
    generation = current_generation(connection, card_uid) + 1
    statement = insert_for(connection, phonecard_links)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["card_uid"], set_={"generation": statement.excluded.generation}
        ),
        {"card_uid": card_uid, "generation": generation},
    )
    return generation
