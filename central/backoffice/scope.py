"""The one rule for which stores a back-office user sees and changes: head office every store, a manager
only the stores tied to their account (none: nothing of any store).

Views ask here before they read or change a store's data, so the rule holds on the server whatever a
page offered or a query string says. Chain-wide figures (the outstanding liability, cards by sales
channel) and the chain-wide capture mode are head office's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import Connection, select

from central.backoffice.accounts import BackofficeUser
from central.backoffice.reports import Report
from central.errors import NotAllowed
from central.schema import devices

T = TypeVar("T")


def visible_stores(user: BackofficeUser) -> frozenset[str] | None:
    """None for head office (every store); otherwise the manager's own stores, maybe none."""
    return None if user.is_head_office else user.stores


def has_no_store(user: BackofficeUser) -> bool:
    """A manager whose account is tied to no store yet: their pages say to ask head office."""
    return visible_stores(user) == frozenset()


def may_see(user: BackofficeUser, store: str) -> bool:
    stores = visible_stores(user)
    return stores is None or store in stores


def require_store(user: BackofficeUser, store: str) -> str:
    """The store if the user may see it; NotAllowed otherwise, the same answer whether it exists or not."""
    if not may_see(user, store):
        raise NotAllowed(_("This store is not one of yours."))
    return store


def report_stores(user: BackofficeUser, asked: str | None) -> frozenset[str] | None:
    """The stores a report covers: the one asked for (if the user may see it), else all the user may see."""
    asked = (asked or "").strip()
    if asked:
        return frozenset({require_store(user, asked)})
    if has_no_store(user):
        raise NotAllowed(_("No store is tied to your account yet; ask head office."))
    return visible_stores(user)


def store_choices(connection: Connection, user: BackofficeUser) -> list[str]:
    """The stores a page may offer this user: every device for head office, a manager's own otherwise."""
    stores = visible_stores(user)
    if stores is not None:
        return sorted(stores)
    return [d for (d,) in connection.execute(select(devices.c.device_id).order_by(devices.c.device_id))]


def only_visible(user: BackofficeUser, items: Iterable[T], store_of: Callable[[T], str]) -> list[T]:
    """The items whose store (`store_of(item)`) the user may see, in their order."""
    return [item for item in items if may_see(user, store_of(item))]


def sees_chain_figures(user: BackofficeUser) -> bool:
    """The chain-wide liability and card production are head office's figures."""
    return user.is_head_office


def for_viewer(user: BackofficeUser, report: Report) -> Report:
    """The report as this user reads it: a manager's holds their stores' operations, not the chain's
    outstanding liability (a customer's balance belongs to no single store)."""
    if sees_chain_figures(user):
        return report
    return replace(report, summary=replace(report.summary, outstanding_points=None))


def check_capture_change(user: BackofficeUser, scope: str, key: str) -> None:
    """The chain-wide default and other stores' capture modes are head office's; per-cashier modes stay
    open to managers (cashiers are chain-wide records)."""
    if user.is_head_office:
        return
    if scope == "default":
        raise NotAllowed(_("The chain-wide capture mode is set by head office."))
    if scope == "stores":
        require_store(user, key)
