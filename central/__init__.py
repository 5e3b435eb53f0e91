"""The central server: devices push their events here and pull customers, cards and balances back."""

from central.app import create_app

__all__ = ["create_app"]
