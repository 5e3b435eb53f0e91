"""Per-device pages: what central knows of one till or kiosk, its store's capture mode, the cashiers
seen on it and their training progress, today's figures, and an onboarding checklist computed from
central's own records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, g, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import Connection, func, select

from central import cashier_figures, push_refusals
from central import devices as device_registry
from central.backoffice import daily_summary, onboarding, reports, rules, scope, staff
from central.backoffice.web import transaction
from central.errors import NotFound
from central.schema import cashiers, events
from loyalty.drills import DRILLS

bp = Blueprint("devices", __name__, url_prefix="/devices")


@dataclass(frozen=True)
class ChecklistItem:
    """One onboarding step and whether central can see it done."""

    key: str
    done: bool


def device_checklist(connection: Connection, device: device_registry.DeviceInfo) -> tuple[ChecklistItem, ...]:
    """Enrolled, synced once, earning scale published, cashiers set up, first earn and registration received."""

    def count(kind: str) -> int:
        return connection.execute(
            select(func.count())
            .select_from(events)
            .where(events.c.device_id == device.device_id, events.c.type == kind)
        ).scalar_one()

    active_cashiers = connection.execute(
        select(func.count()).select_from(cashiers).where(cashiers.c.active.is_(True))
    ).scalar_one()
    return (
        ChecklistItem("enrolled", device.enrolled and not device.revoked),
        ChecklistItem("synced", device.last_seen_at is not None),
        ChecklistItem("rules", rules.published_rules(connection) is not None),
        ChecklistItem("cashiers", active_cashiers > 0),
        ChecklistItem("first_earn", count("PointsEarned") > 0),
        ChecklistItem("first_registration", count("CustomerRegistered") > 0),
    )


@bp.get("/")
def index():
    if scope.has_no_store(g.user):
        return render_template("backoffice/devices.html", devices=None)
    listed = scope.only_visible(g.user, transaction(device_registry.list_devices), lambda d: d.device_id)
    return render_template("backoffice/devices.html", devices=listed)


@bp.get("/<device_id>")
def detail(device_id: str):
    scope.require_store(g.user, device_id)  # before looking it up: another store's page tells nothing
    today = date.today()
    only_this = frozenset({device_id})

    def read(connection):
        found = [d for d in device_registry.list_devices(connection) if d.device_id == device_id]
        if not found:
            raise NotFound(_("no device %(device)s", device=device_id))
        device = found[0]
        modes = staff.capture_modes(connection)
        report = scope.for_viewer(g.user, reports.build_report(connection, reports.Period(today, today), only_this))
        seen = reports.build_report(connection, reports.Period(), only_this).by_cashier
        training = onboarding.checklists(
            connection, device_id, also=[r.key for r in seen if r.key != reports.NO_CASHIER]
        )
        refused = push_refusals.latest(connection, only_this)
        adoption = cashier_figures.adoption_rows(connection, today, today, only_this)[0]
        return device, modes, report, seen, device_checklist(connection, device), training, refused, adoption

    device, modes, report, seen, checklist, training, refused, adoption = transaction(read)
    lang = "en" if str(get_locale()) == "en" else "fr"
    lines = daily_summary.summary_lines(report, device_id, today, lang, adoption)
    summary = daily_summary.summary_text(lines, daily_summary.LABELS[lang]["title"])
    return render_template(
        "backoffice/device.html",
        device=device,
        mode=modes["stores"].get(device_id),
        default_mode=modes["default"],
        seen=seen,
        checklist=checklist,
        summary=summary,
        today=today,
        training=training,
        drills=DRILLS,
        refused=refused,
    )
