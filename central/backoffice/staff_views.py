"""Cashier pages (managers and head office): create, reset PIN, role, capture mode per store and cashier
(a manager sets the capture mode of their own stores only, see `central.backoffice.scope`), and each
cashier's onboarding checklist from the tills' training progress."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from central import training_progress
from central.backoffice import onboarding, scope, staff
from central.backoffice.spreadsheet_csv import csv_download
from central.backoffice.web import transaction
from central.errors import BadRequest, NotFound
from loyalty.cashiers import CAPTURE_MODES, ROLES
from loyalty.drills import DRILLS

bp = Blueprint("staff", __name__, url_prefix="/cashiers")


def _page(error: str | None = None, form: dict | None = None, status: int = 200):
    def read(connection):
        listed = staff.list_cashiers(connection)
        training = onboarding.checklists(
            connection, also=[c.cashier_id for c in listed], stores=scope.visible_stores(g.user)
        )
        return listed, staff.capture_modes(connection), scope.store_choices(connection, g.user), training

    cashier_list, modes, stores, training = transaction(read)
    return render_template(
        "backoffice/cashiers.html",
        cashiers=cashier_list,
        modes=modes,
        stores=stores,
        roles=ROLES,
        capture_modes=CAPTURE_MODES,
        error=error,
        form=form or {},
        training=training,
        drills=DRILLS,
    ), status


def _act(work):
    try:
        transaction(work)
    except (BadRequest, NotFound) as exc:
        return _page(str(exc), request.form.to_dict(), 400)
    return redirect(url_for("backoffice.staff.index", done=1))


@bp.get("/")
def index():
    return _page()


@bp.get("/training.csv")
def training_csv():
    """The training progress of the tills the user may see, one row per device, cashier and drill."""
    stores = scope.visible_stores(g.user)
    text = onboarding.progress_csv(transaction(lambda c: training_progress.stored_rows(c, stores=stores)))
    return csv_download(text, "training.csv")


@bp.post("/")
def create():
    form = request.form.to_dict()
    return _act(lambda c: staff.create_cashier(c, g.user.user_id, form))


@bp.post("/<cashier_id>/pin")
def reset_pin(cashier_id: str):
    pin = request.form.get("pin")
    return _act(lambda c: staff.reset_pin(c, g.user.user_id, cashier_id, pin))


@bp.post("/<cashier_id>")
def update(cashier_id: str):
    role, active = request.form.get("role"), request.form.get("active") == "on"
    return _act(lambda c: staff.update_cashier(c, g.user.user_id, cashier_id, role, active))


@bp.post("/capture")
def capture():
    form = request.form.to_dict()
    scope.check_capture_change(g.user, form.get("scope", ""), form.get("key", ""))
    return _act(
        lambda c: staff.set_capture_mode(
            c, g.user.user_id, form.get("scope", ""), form.get("key", ""), form.get("mode", "")
        )
    )
