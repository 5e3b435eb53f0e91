"""Order channels page: points by channel (store, web, catalogue, partner) and, for head office, the order
systems' API keys, made (the key is shown once) and revoked here, each change audited."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request
from flask_babel import gettext as _

from central import channel_keys, order_webhooks
from central.backoffice import audit, points_by_channel, scope
from central.backoffice.reports import Period
from central.backoffice.web import head_office_only, transaction
from central.errors import BadRequest, NotFound

bp = Blueprint("channels", __name__, url_prefix="/channels")


def _rows():
    period = Period.parse(request.args.get("start"), request.args.get("end"))
    stores = scope.visible_stores(g.user)
    return period, transaction(lambda c: points_by_channel.points_by_channel(c, period, stores))


def _page(made: tuple | None = None, error: str | None = None, status: int = 200):
    period, rows = _rows()
    keys = transaction(channel_keys.list_keys) if g.user.is_head_office else []
    return render_template(
        "backoffice/channels.html",
        rows=rows,
        period=period,
        keys=keys,
        made=made,
        error=error,
        channels=channel_keys.CHANNELS,
        scopes=channel_keys.SCOPES,
        period_args={k: v for k in ("start", "end") if (v := request.args.get(k))},
    ), status


@bp.get("/")
def index():
    return _page()


@bp.get("/points.csv")
def points_csv():
    return Response(
        points_by_channel.channels_csv(_rows()[1]),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="points-by-channel.csv"'},
    )


@bp.post("/keys")
@head_office_only
def create_key():
    form = request.form
    rate = (form.get("rate_per_minute") or "").strip()
    problem = _form_problem(form.get("channel", ""), form.get("name", ""), form.getlist("scope"), rate)
    if problem:
        return _page(error=problem, status=400)

    def make(connection):
        key, text = channel_keys.create_key(
            connection,
            form.get("channel", ""),
            form.get("name", ""),
            form.getlist("scope"),
            g.user.user_id,
            int(rate) if rate.isdigit() else -1,
        )
        audit.record(
            connection,
            g.user.user_id,
            "channel_key.create",
            key.key_id,
            None,
            {"channel": key.channel, "scopes": list(key.scopes), "rate_per_minute": key.rate_per_minute},
        )
        return key, text, order_webhooks.webhook_secret(connection, key.key_id)

    try:
        made = transaction(make)
    except BadRequest as exc:
        return _page(error=str(exc), status=400)
    return _page(made=made)


def _form_problem(channel: str, name: str, scopes: list[str], rate: str) -> str | None:
    """The form's mistake in the reader's language (the service checks the same rules again)."""
    if channel not in channel_keys.CHANNELS:
        return _("Choose the channel the key is for.")
    if not 0 < len(name.strip()) <= 200:
        return _("Name the key after the system that uses it (1 to 200 characters).")
    if not scopes or any(s not in channel_keys.SCOPES for s in scopes):
        return _("Tick at least one thing the key may do.")
    if not rate.isdigit() or not 1 <= int(rate) <= channel_keys.MAX_RATE_PER_MINUTE:
        return _(
            "The rate limit is a whole number of requests per minute, from 1 to %(most)s.",
            most=channel_keys.MAX_RATE_PER_MINUTE,
        )
    return None


@bp.post("/keys/<key_id>/revoke")
@head_office_only
def revoke_key(key_id: str):
    def revoke(connection):
        key = channel_keys.revoke_key(connection, key_id)
        audit.record(connection, g.user.user_id, "channel_key.revoke", key.key_id, None, {"revoked_at": key.revoked_at})

    try:
        transaction(revoke)
    except NotFound as exc:
        return _page(error=str(exc), status=404)
    return _page()
