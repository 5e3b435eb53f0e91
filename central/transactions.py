"""Run a unit of work in one transaction, retrying when concurrent instances collide (deadlock, race)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 5


def in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    """`work(connection)` committed once; a deadlock or unique race is retried, the last failure raised."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with engine.begin() as connection:
                return work(connection)
        except (OperationalError, IntegrityError) as exc:
            if attempt == ATTEMPTS:
                raise
            log.info("transaction collided (%s), retry %d", type(exc.orig).__name__, attempt)
            time.sleep(random.uniform(0.005, 0.05) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
