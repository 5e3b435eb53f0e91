"""Catalogue in the back office: in-house rewards and partner vouchers, with each partner's code pool
level and a low-stock alert. Saved through `central.reference_data` so devices pull the changes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Connection, select

from central import reference_data, vouchers
from central.backoffice import audit
from central.backoffice.money import parse_euros
from central.clock import utc_now
from central.errors import BadRequest, NotFound
from central.schema import catalogue, partner_pool_alerts, reward_pictures
from central.sql import insert_for

#: Free codes under which a partner's pool is flagged when no level was set for it.
DEFAULT_ALERT_BELOW = 20
_FIELDS = ("kind", "name", "points_price", "stock", "partner", "face_value_cents", "active")


@dataclass(frozen=True)
class CatalogueEntry:
    """A reward as the back office lists it, with its partner's pool level when it is a voucher."""

    reward_id: str
    kind: str
    name: str
    points_price: int
    stock: int | None
    partner: str | None
    face_value_cents: int | None
    active: bool
    pool_free: int | None = None
    pool_issued: int | None = None
    alert_below: int | None = None

    @property
    def low(self) -> bool:
        """True when the partner's pool has fewer free codes than its alert level."""
        return self.pool_free is not None and self.alert_below is not None and self.pool_free < self.alert_below


def _row(connection: Connection, reward_id: str) -> dict | None:
    row = connection.execute(select(catalogue).where(catalogue.c.reward_id == reward_id)).first()
    return {k: getattr(row, k) for k in _FIELDS} if row else None


def alert_levels(connection: Connection) -> dict[str, int]:
    return dict(connection.execute(select(partner_pool_alerts.c.partner, partner_pool_alerts.c.alert_below)).all())


def list_entries(connection: Connection) -> list[CatalogueEntry]:
    """Every reward, partner vouchers with their pool's free and issued codes."""
    levels = alert_levels(connection)
    pools: dict[str, dict[str, int]] = {}
    entries = []
    for row in connection.execute(select(catalogue).order_by(catalogue.c.kind, catalogue.c.reward_id)):
        extra = {}
        if row.partner:
            if row.partner not in pools:
                pools[row.partner] = vouchers.pool_counts(connection, row.partner)
            pool = pools[row.partner]
            extra = {
                "pool_free": pool["free"],
                "pool_issued": pool["issued"],
                "alert_below": levels.get(row.partner, DEFAULT_ALERT_BELOW),
            }
        entries.append(
            CatalogueEntry(
                row.reward_id,
                row.kind,
                row.name,
                row.points_price,
                row.stock,
                row.partner,
                row.face_value_cents,
                bool(row.active),
                **extra,
            )
        )
    return entries


def _whole(form: Mapping[str, str], name: str, what: str) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise BadRequest(_("%(what)s must be a whole number", what=what))
    return int(raw)


def body_from_form(form: Mapping[str, str]) -> dict:
    """The JSON body `put_reward` takes, from the editor's fields (face value typed in euros)."""
    kind = form.get("kind")
    body = {
        "kind": kind,
        "name": (form.get("name") or "").strip(),
        "points_price": _whole(form, "points_price", _("the points price")) or 0,
        "stock": _whole(form, "stock", _("the stock")),
        "active": form.get("active") == "on",
    }
    if kind == "partner_voucher":
        body["partner"] = (form.get("partner") or "").strip() or None
        face = (form.get("face_value") or "").strip()
        body["face_value_cents"] = parse_euros(face, _("face value")) if face else None
    return body


def save_reward(connection: Connection, actor: str, reward_id: str, form: Mapping[str, str]) -> None:
    """Create or change one reward, audited with its values before and after."""
    reward_id = (reward_id or "").strip()
    before = _row(connection, reward_id)
    reference_data.put_reward(connection, reward_id, body_from_form(form))
    audit.record(connection, actor, "catalogue.save", f"reward {reward_id}", before, _row(connection, reward_id))


#: Pictures are shown small on the kiosk screen: a few hundred kilobytes is plenty.
MAX_PICTURE_BYTES = 300 * 1024
_PICTURE_KINDS = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def picture_mime(data: bytes) -> str:
    """The picture's type from its first bytes (PNG or JPEG only); refuses anything else or too large."""
    if len(data) > MAX_PICTURE_BYTES:
        raise BadRequest(_("a picture must be at most %(size)s KB", size=MAX_PICTURE_BYTES // 1024))
    for magic, mime in _PICTURE_KINDS:
        if data.startswith(magic):
            return mime
    raise BadRequest(_("a picture must be a PNG or JPEG file"))


def save_picture(connection: Connection, actor: str, reward_id: str, data: bytes) -> None:
    """Attach a picture to an existing reward (replacing any earlier one)."""
    if _row(connection, reward_id) is None:
        raise NotFound(_("no reward %(reward)s", reward=reward_id))
    mime = picture_mime(data)
    statement = insert_for(connection, reward_pictures)
    row = {"reward_id": reward_id, "mime": mime, "data": data, "updated_at": utc_now()}
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["reward_id"], set_={k: statement.excluded[k] for k in ("mime", "data", "updated_at")}
        ),
        row,
    )
    audit.record(
        connection,
        actor,
        "catalogue.picture",
        f"reward {reward_id}",
        None,
        {"mime": mime, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()},
    )


def picture(connection: Connection, reward_id: str) -> tuple[str, bytes]:
    row = connection.execute(select(reward_pictures).where(reward_pictures.c.reward_id == reward_id)).first()
    if row is None:
        raise NotFound(_("reward %(reward)s has no picture", reward=reward_id))
    return row.mime, bytes(row.data)


def with_pictures(connection: Connection) -> set[str]:
    return set(connection.execute(select(reward_pictures.c.reward_id)).scalars())


def set_alert_level(connection: Connection, actor: str, partner: str, alert_below: object) -> None:
    """Set the free-code count under which this partner's pool is flagged."""
    vouchers.check_partner(partner)
    text = str(alert_below or "").strip()
    if not text.isdigit():
        raise BadRequest(_("the alert level must be a whole number of codes"))
    before = alert_levels(connection).get(partner)
    statement = insert_for(connection, partner_pool_alerts)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["partner"], set_={"alert_below": statement.excluded.alert_below}
        ),
        {"partner": partner, "alert_below": int(text)},
    )
    audit.record(connection, actor, "catalogue.pool_alert", f"partner {partner}", before, int(text))
