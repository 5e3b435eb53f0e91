"""Home page, audit trail and the partner voucher check of the back office."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from central.backoffice import audit
from central.backoffice.web import head_office_only, transaction
from central.voucher_reconcile import reconcile

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    return render_template("backoffice/home.html")


@bp.get("/audit")
@head_office_only
def audit_trail():
    entries = transaction(lambda c: audit.recent(c, 300))
    return render_template("backoffice/audit.html", entries=entries)


@bp.get("/vouchers-check")
@head_office_only
def vouchers_check():
    """Codes issued against redemptions recorded: every mismatch, as `kiosk central vouchers-check` lists them."""
    grace_s = current_app.extensions["central.settings"].voucher_release_s
    return render_template(
        "backoffice/vouchers_check.html",
        mismatches=transaction(lambda c: reconcile(c, grace_s=grace_s)),
        grace_h=grace_s // 3600,
    )
