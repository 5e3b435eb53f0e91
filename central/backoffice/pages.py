"""Home page and audit trail of the back office."""

from __future__ import annotations

from flask import Blueprint, render_template

from central.backoffice import audit
from central.backoffice.web import head_office_only, transaction

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    return render_template("backoffice/home.html")


@bp.get("/audit")
@head_office_only
def audit_trail():
    entries = transaction(lambda c: audit.recent(c, 300))
    return render_template("backoffice/audit.html", entries=entries)
