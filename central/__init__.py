"""The central server: devices push their events here and pull customers, cards and balances back.

`create_app` is loaded on first use, so that importing a small module of this package (the `kiosk central`
command group) does not load SQLAlchemy and Alembic, which a till does not install.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from central.app import create_app

        return create_app
    raise AttributeError(f"module 'central' has no attribute {name!r}")
