"""Exactly-once fixtures: the till's (a till on a store of five invented customers, Alice signed in)."""

from tests.till.conftest import clock, sync_state, till  # noqa: F401
