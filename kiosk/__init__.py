"""Loyalty kiosk: the till, self-service kiosk and back office of a shop's loyalty-card programme."""

__version__ = "0.1.0"
