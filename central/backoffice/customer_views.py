"""Customer service pages: find a customer, read their file, and act on it (each action audited).

Head office sees every customer; a store manager only those who shopped in their stores, with phone and
e-mail masked, and within the manager's adjustment limit. The GDPR export and erasure are head office's.
"""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from central import customers as customer_admin
from central.backoffice import customer_service as service
from central.backoffice import scope
from central.backoffice.web import head_office_only, transaction
from central.customer_search import PAGE_SIZE, search
from central.errors import BadRequest, NotAllowed
from central.portal.mail import send_mail
from central.schema import cards

bp = Blueprint("customers", __name__, url_prefix="/customers")


def _stores():
    return scope.visible_stores(g.user)


def _masked() -> bool:
    return not g.user.is_head_office


@bp.get("/")
def index():
    query = (request.args.get("q") or "").strip()
    page = request.args.get("page", "0")
    page = int(page) if page.isdigit() and int(page) < 500 else 0
    found = transaction(lambda c: search(c, query, page=page, stores=_stores())) if query else []
    return render_template(
        "backoffice/customers.html",
        query=query,
        found=found,
        page=page,
        more=len(found) == PAGE_SIZE,
        masked=_masked(),
        mask_phone=service.mask_phone,
        mask_email=service.mask_email,
    )


@bp.get("/<customer_id>")
def detail(customer_id: str):
    def read(connection):
        row = service.require_customer(connection, g.user, customer_id, _stores())
        return service.customer_file(connection, row, date.today())

    file = transaction(read)
    return render_template(
        "backoffice/customer.html",
        c=file,
        masked=_masked(),
        mask_phone=service.mask_phone,
        mask_email=service.mask_email,
        limit=service.ADJUSTMENT_LIMITS["head_office" if g.user.is_head_office else "manager"],
        undo_days=service.MERGE_UNDO_DAYS,
        done=request.args.get("done"),
    )


def _act(customer_id: str, work, done: str, target: str | None = None):
    """Run an action on a customer this user may see, then show the customer's page again."""

    def run(connection):
        service.require_customer(connection, g.user, customer_id, _stores())
        return work(connection)

    transaction(run)
    return redirect(url_for("backoffice.customers.detail", customer_id=target or customer_id, done=done))


def _owned_card(connection, customer_id: str, card_uid: str) -> str:
    owner = connection.execute(cards.select().where(cards.c.card_uid == card_uid)).first()
    if owner is None or owner.customer_id != customer_id:
        raise BadRequest(_("This card is not one of this customer's cards."))
    return card_uid


@bp.post("/<customer_id>/adjust")
def adjust(customer_id: str):
    raw = (request.form.get("points") or "").strip()
    try:
        delta = int(raw)
    except ValueError:
        raise BadRequest(
            _("The adjustment is a whole number of points other than 0 (negative takes points back).")
        ) from None
    return _act(
        customer_id,
        lambda c: service.adjust_points(c, g.user, customer_id, delta, request.form.get("reason")),
        "adjusted",
    )


@bp.post("/<customer_id>/cards/<card_uid>/block")
def block_card(customer_id: str, card_uid: str):
    reason = service.check_reason(request.form.get("reason"))
    return _act(
        customer_id,
        lambda c: customer_admin.block_card(c, _owned_card(c, customer_id, card_uid), reason, g.user.user_id),
        "blocked",
    )


@bp.post("/<customer_id>/cards/<card_uid>/replace")
def replace_card(customer_id: str, card_uid: str):
    reason = service.check_reason(request.form.get("reason"))
    new_uid = (request.form.get("new_card_uid") or "").strip()
    if not new_uid:
        raise BadRequest(_("Type the number of the new card."))

    def work(connection):
        customer_admin.replace_card(connection, _owned_card(connection, customer_id, card_uid), new_uid, g.user.user_id)
        service.audit.record(
            connection,
            g.user.user_id,
            "customer.replace_card",
            customer_id,
            None,
            {"old": card_uid, "new": new_uid, "reason": reason},
        )

    return _act(customer_id, work, "replaced")


@bp.post("/<customer_id>/merge")
def merge(customer_id: str):
    other = (request.form.get("duplicate") or "").strip()

    def work(connection):
        duplicate = service.resolve_customer(connection, other)
        service.require_customer(connection, g.user, duplicate, _stores())
        service.merge_customers(connection, g.user, customer_id, duplicate, request.form.get("reason"))

    return _act(customer_id, work, "merged")


@bp.post("/merges/<merge_id>/undo")
def undo_merge(merge_id: str):
    kept = (request.form.get("kept") or "").strip()
    return _act(
        kept, lambda c: service.undo_merge(c, g.user, merge_id, request.form.get("reason"), kept_id=kept), "unmerged"
    )


@bp.get("/<customer_id>/export.json")
@head_office_only
def export(customer_id: str):
    data = transaction(lambda c: customer_admin.export_customer(c, customer_id))
    transaction(lambda c: service.audit.record(c, g.user.user_id, "customer.export", customer_id, None, None))
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@bp.post("/<customer_id>/erase")
@head_office_only
def erase(customer_id: str):
    if request.form.get("confirm") != customer_id:
        raise NotAllowed(_("Type the customer id to confirm the erasure."))
    reason = service.check_reason(request.form.get("reason"))

    def work(connection):
        customer_admin.erase_customer(connection, customer_id, g.user.user_id)
        service.audit.record(connection, g.user.user_id, "customer.erase", customer_id, None, {"reason": reason})

    return _act(customer_id, work, "erased")


@bp.post("/<customer_id>/vouchers/<code>/cancel")
def cancel_voucher(customer_id: str, code: str):
    return _act(
        customer_id,
        lambda c: service.cancel_voucher(c, g.user, customer_id, code, request.form.get("reason")),
        "voucher_cancelled",
    )


@bp.post("/<customer_id>/vouchers/<code>/resend")
def resend_voucher(customer_id: str, code: str):
    def work(connection):
        email, partner = service.voucher_for_resend(connection, g.user, customer_id, code)
        send_mail(email, _("Your %(partner)s voucher", partner=partner), _("Your voucher code: %(code)s", code=code))

    return _act(customer_id, work, "voucher_resent")
