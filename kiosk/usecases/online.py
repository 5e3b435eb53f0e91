"""Whether central counts as reachable: the one answer the till and the kiosk give to the same sync state."""

from __future__ import annotations

from collections.abc import Mapping

#: The sync worker's states in which central answered its last round (or is answering one now). Any other
#: state ("offline", "refused", "stopped", "not_enrolled", "alone") counts as offline: offline limits apply.
ONLINE_STATES = ("idle", "syncing")


def is_online(sync_state: Mapping[str, object], *, has_central: bool = True) -> bool:
    """True when this device can ask central now: it has a client for it and the last sync round got through."""
    return has_central and sync_state.get("state") in ONLINE_STATES
