"""Loyalty kiosk: the till, self-service kiosk and back office of a shop's loyalty-card programme.

This package composes the others (the `kiosk` command, the demo, the service and its runner)."""

from loyalty import __version__

__all__ = ["__version__"]
