"""The chain's contact-hash key: devices compare keyed hashes of phones and e-mails, never the values.

The key is a chain-wide setting (`contact_hash_key`, hex), pulled by every device with the other settings,
so a device hashes what a cashier types the same way central hashed the customers of its scope
(`loyalty.domain.customers.contact_hashes`). It is made once; changing it would change every customer's hashes.
"""

from __future__ import annotations

import json
import secrets

from sqlalchemy import Connection, select

from central.schema import settings
from central.sql import Versions, insert_for
from loyalty.reference_settings import CONTACT_HASH_KEY as SETTING


def chain_key(connection: Connection) -> bytes:
    """The key, made and published the first time it is needed."""
    value = connection.execute(select(settings.c.value_json).where(settings.c.key == SETTING)).scalar()
    if value is None:
        versions = Versions(connection)
        connection.execute(
            insert_for(connection, settings)
            .on_conflict_do_nothing(index_elements=["key"])
            .values(key=SETTING, value_json=json.dumps(secrets.token_hex(32)), version=versions.next())
        )
        versions.save()
        value = connection.execute(select(settings.c.value_json).where(settings.c.key == SETTING)).scalar_one()
    return bytes.fromhex(json.loads(value))
