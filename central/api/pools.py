"""Pool API: the back office sets members; devices read a pool's balance for its members' screens."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, current_app, jsonify

from central import devices as device_registry
from central import pools
from central.api.admin import ACTOR, _require_admin
from central.requests import bearer_token, json_object
from central.transactions import in_transaction

admin_bp = Blueprint("pools_admin", __name__, url_prefix="/api/admin/pools")
admin_bp.before_request(_require_admin)
device_bp = Blueprint("pools", __name__, url_prefix="/api/pools")


def _engine():
    return current_app.extensions["central.engine"]


@admin_bp.get("/<pool_id>")
def show(pool_id: str):
    return jsonify(dataclasses.asdict(in_transaction(_engine(), lambda c: pools.pool_state(c, pool_id))))


@admin_bp.put("/<pool_id>/members/<customer_id>")
def put_member(pool_id: str, customer_id: str):
    share = json_object().get("share_pct")
    in_transaction(_engine(), lambda c: pools.set_member(c, pool_id, customer_id, share, ACTOR))
    return jsonify(pool_id=pool_id, customer_id=customer_id, share_pct=share)


@admin_bp.post("/<pool_id>/members/<customer_id>/move")
def move_member(pool_id: str, customer_id: str):
    """Move a member of another pool into this one (the only way to change a member's pool)."""
    share = json_object().get("share_pct")
    left = in_transaction(_engine(), lambda c: pools.move_member(c, pool_id, customer_id, share, ACTOR))
    return jsonify(pool_id=pool_id, customer_id=customer_id, share_pct=share, left_pool=left)


@admin_bp.get("")
def list_all():
    return jsonify(pools=[dataclasses.asdict(p) for p in in_transaction(_engine(), pools.list_pools)])


@admin_bp.post("/<pool_id>/close")
def close(pool_id: str):
    left = in_transaction(_engine(), lambda c: pools.close_pool(c, pool_id, ACTOR))
    return jsonify(pool_id=pool_id, members_left=left)


@admin_bp.delete("/<pool_id>/members/<customer_id>")
def delete_member(pool_id: str, customer_id: str):
    in_transaction(_engine(), lambda c: pools.remove_member(c, pool_id, customer_id, ACTOR))
    return jsonify(pool_id=pool_id, customer_id=customer_id, left=True)


@device_bp.get("/of/<customer_id>")
def of_customer(customer_id: str):
    token = bearer_token()

    def work(connection):
        device_registry.authenticate(connection, token)
        return pools.pool_of_customer(connection, customer_id)

    state = in_transaction(_engine(), work)
    if state is None:
        return jsonify(customer_id=customer_id, pool=None)
    return jsonify(
        customer_id=customer_id, pool={"pool_id": state.pool_id, "points": state.points, "members": len(state.members)}
    )
