"""Partner-voucher redemptions asked of central but not yet recorded: a retry reuses the same redemption id.

Central ties a voucher code to a redemption id and answers the same code when asked again for it. When the
answer is lost (a cut connection, a central instance killed, the till restarted), the cashier's retry of
the same reward for the same customer must carry the same id, or a second code is taken from the pool.
The ids are kept on disk (written before central is asked) until the redemption is recorded; an attempt
older than `KEEP_S` is forgotten (central releases a code whose redemption never arrives).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from device.till.json_file import read_json, write_json

#: An unfinished attempt is reused for this long (central's release delay is longer).
KEEP_S = 6 * 3600


class RedemptionAttempts:
    """Redemption ids by (customer, reward) while central's code is asked for and the redemption recorded."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time, keep_s: float = KEEP_S) -> None:
        self.path = Path(path)
        self._clock = clock
        self._keep_s = keep_s
        self._lock = threading.Lock()
        stored = read_json(self.path, {"attempts": {}}).get("attempts")
        self._attempts: dict[str, list] = stored if isinstance(stored, dict) else {}

    @staticmethod
    def _key(customer_id: str, reward_id: str) -> str:
        return f"{customer_id}\x1f{reward_id}"

    def id_for(self, customer_id: str, reward_id: str, fresh_id: str) -> str:
        """The id of an unfinished attempt at this redemption, else `fresh_id`, kept durably before use."""
        key = self._key(customer_id, reward_id)
        with self._lock:
            now = self._clock()
            found = self._attempts.get(key)
            if (
                isinstance(found, list)
                and len(found) == 2
                and isinstance(found[0], str)
                and isinstance(found[1], (int, float))
                and now - found[1] < self._keep_s
            ):
                return found[0]
            self._attempts = {
                k: v
                for k, v in self._attempts.items()
                if isinstance(v, list) and len(v) == 2 and now - v[1] < self._keep_s
            }
            self._attempts[key] = [fresh_id, now]
            write_json(self.path, {"attempts": self._attempts})
            return fresh_id

    def done(self, customer_id: str, reward_id: str) -> None:
        """The redemption is recorded: the next one of the same reward is a new redemption."""
        with self._lock:
            if self._attempts.pop(self._key(customer_id, reward_id), None) is not None:
                write_json(self.path, {"attempts": self._attempts})
