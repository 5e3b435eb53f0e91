"""What the till's screen is sent: plain dicts of a sale, a customer, a reward or a pool, masked where a
customer's details show to whoever stands at the till. Rules stay in the use cases; this only formats."""

from __future__ import annotations

from device.standing import receipt_notice
from device.store.views import CustomerView
from loyalty.domain.expiry import ExpiryNotice
from loyalty.domain.pools import PoolSummary
from loyalty.domain.rewards import Reward


def sale_dict(sale) -> dict | None:
    """A pending sale (device.till.desk.PendingSale) as the screen shows it, None when there is none."""
    if sale is None:
        return None
    return {
        "receipt_ref": sale.receipt_ref,
        "amount_cents": sale.amount_cents,
        "lines": [list(x) for x in sale.lines],
        "source": sale.source,
    }


def pool_dict(pool: PoolSummary | None) -> dict | None:
    if pool is None:
        return None
    return {"pool_id": pool.pool_id, "points": pool.points, "members": pool.members, "share_pct": pool.share_pct}


def reward_dict(reward: Reward) -> dict:
    return {"reward_id": reward.reward_id, "name": reward.name, "points": reward.points_price, "kind": reward.kind}


def customer_dict(
    view: CustomerView,
    *,
    rewards: tuple[Reward, ...],
    pool: PoolSummary | None,
    expiring: ExpiryNotice | None,
    suggest: str | None,
) -> dict:
    """The customer on screen: first name, balance, what the balance (and the pool's) can buy, points expiring."""
    notice = receipt_notice(expiring)
    soon = {"points": notice["expiring_points"], "day": notice["expiring_from"]} if notice else None
    return {
        "customer_id": view.customer_id,
        "first_name": view.first_name or "",
        "card_suffix": view.card_uids[0][-4:] if view.card_uids else "",  # named by the card until a name comes
        "points": view.points,
        "suggest": suggest,
        "rewards": [reward_dict(r) for r in rewards if r.points_price <= view.points],
        "expiring": soon,
        "pool": pool_dict(pool),
        "pool_rewards": [reward_dict(r) for r in rewards if pool is not None and r.points_price <= pool.points],
    }


def card_only_dict(view: CustomerView) -> dict:
    """A card whose owner only central knows (offline): the points it collected here; the balance comes later."""
    uid = view.card_uids[0] if view.card_uids else ""
    return {
        "customer_id": view.customer_id,
        "first_name": "",
        "points": view.points,
        "suggest": None,
        "rewards": [],
        "expiring": None,
        "pool": None,
        "pool_rewards": [],
        "balance_later": True,
        "card_suffix": uid[-4:],
    }


def duplicate_dict(view: CustomerView, *, same_contact: bool = False) -> dict:
    """A possible duplicate while a new customer is typed: enough to recognise them, not to read their details.

    A customer held from central has no phone or e-mail here: `same_contact` says the typed one is theirs (its
    keyed hash matched)."""
    initial = view.last_initial or (view.last_name or "")[:1] or None
    return {
        "customer_id": view.customer_id,
        "first_name": view.first_name or "",
        "last_name": f"{initial}." if initial else "",
        "phone": ("…" + view.phone[-2:]) if view.phone else "",
        "email": mask_email(view.email),
        "same_contact": same_contact,
    }


def masked_dict(row: dict) -> dict:
    """A customer of central's masked search, in the duplicate list's shape (already masked by central)."""
    initial = row.get("last_initial")
    return {
        "customer_id": str(row.get("customer_id", "")),
        "first_name": str(row.get("first_name") or ""),
        "last_name": f"{initial}." if initial else "",
        "phone": str(row.get("phone") or ""),
        "email": str(row.get("email") or ""),
        "same_contact": False,
        "card_suffix": str(row.get("card_suffix") or ""),
        "central": True,
    }


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}…@{domain}"
