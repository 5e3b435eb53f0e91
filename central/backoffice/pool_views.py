"""Pools page (head office; a pool spans stores): list and open pools, add members by card number or name,
change a share, move a member, remove one, close a pool, see its balance and history.

Membership changes are `central.pools`' (events devices pull, audited with the signed-in user), the same rules
the admin API applies for scripts.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from central import errors as ce
from central import pools
from central.backoffice.member_lookup import find_customer
from central.backoffice.web import head_office_only, transaction
from central.schema import customers
from loyalty import errors as e

bp = Blueprint("pools", __name__, url_prefix="/pools")


def _explain(exc: e.KioskError) -> str:
    """The refusal in the page's language (the exception's own text is English, for logs and the API)."""
    if isinstance(exc, ce.SeveralCustomers):
        return _("Several customers have this name: use their card number.")
    if isinstance(exc, ce.NotFound):
        return _("No customer with this card number or name.")
    if isinstance(exc, e.PoolMoveNeeded):
        return _("This customer already gives to another pool: move them from that pool's page.")
    if isinstance(exc, e.PoolRefused):
        return _("Refused by the pool rules: %(reason)s", reason=str(exc))
    return _("Give a card number or a name, and a share from 1 to 100 percent.")


def _share(text: str | None) -> int | str | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return text


def _list(error: str | None = None, status: int = 200):
    return render_template("backoffice/pools.html", pools=transaction(pools.list_pools), error=error), status


def _pool(pool_id: str, error: str | None = None, status: int = 200):
    state, names = transaction(lambda c: _state_and_names(c, pool_id))
    return render_template(
        "backoffice/pool.html", pool=state, names=names, error=error, done=request.args.get("done")
    ), status


def _state_and_names(connection, pool_id: str):
    """The pool and its members' and contributors' names as head office sees them (first name, initial)."""
    state = pools.pool_state(connection, pool_id)
    ids = {m.customer_id for m in state.members} | {str(h["customer_id"]) for h in state.history}
    names = {}
    for row in connection.execute(
        select(customers.c.customer_id, customers.c.first_name, customers.c.last_name).where(
            customers.c.customer_id.in_(sorted(ids))
        )
    ):
        initial = f" {row.last_name[:1]}." if row.last_name else ""
        names[row.customer_id] = f"{row.first_name or ''}{initial}"
    return state, names


@bp.get("/")
@head_office_only
def index():
    return _list()


@bp.post("/")
@head_office_only
def create():
    """A new pool is its first member joining it."""
    pool_id = request.form.get("pool_id", "").strip()
    try:
        _set_member_from_form(pool_id)
    except e.KioskError as exc:
        return _list(_explain(exc), 400)
    return redirect(url_for("backoffice.pools.show", pool_id=pool_id))


def _set_member_from_form(pool_id: str) -> None:
    """The form's member joins the pool with the form's share (or their share changes): creating and adding alike."""
    transaction(
        lambda c: pools.set_member(
            c,
            pool_id,
            find_customer(c, request.form.get("member", "")),
            _share(request.form.get("share_pct")),
            g.user.user_id,
        )
    )


@bp.get("/<pool_id>")
@head_office_only
def show(pool_id: str):
    return _pool(pool_id)


@bp.post("/<pool_id>/members")
@head_office_only
def add_member(pool_id: str):
    """Add a member, or change a member's share (the same form)."""
    try:
        _set_member_from_form(pool_id)
    except e.KioskError as exc:
        return _pool(pool_id, _explain(exc), 400)
    return redirect(
        url_for("backoffice.pools.show", pool_id=pool_id, done=_("Saved; devices receive it on their next pull."))
    )


@bp.post("/<pool_id>/members/<customer_id>/move")
@head_office_only
def move_member(pool_id: str, customer_id: str):
    to_pool = request.form.get("to_pool", "").strip()
    try:
        transaction(
            lambda c: pools.move_member(c, to_pool, customer_id, _share(request.form.get("share_pct")), g.user.user_id)
        )
    except e.KioskError as exc:
        return _pool(pool_id, _explain(exc), 400)
    return redirect(url_for("backoffice.pools.show", pool_id=to_pool))


@bp.post("/<pool_id>/members/<customer_id>/remove")
@head_office_only
def remove_member(pool_id: str, customer_id: str):
    try:
        transaction(lambda c: pools.remove_member(c, pool_id, customer_id, g.user.user_id))
    except e.KioskError as exc:
        return _pool(pool_id, _explain(exc), 400)
    return redirect(url_for("backoffice.pools.show", pool_id=pool_id))


@bp.post("/<pool_id>/close")
@head_office_only
def close(pool_id: str):
    transaction(lambda c: pools.close_pool(c, pool_id, g.user.user_id))
    return redirect(
        url_for("backoffice.pools.show", pool_id=pool_id, done=_("The pool is closed: it has no members any more."))
    )
