"""Portal pages. Views stay thin: the rules live in `links`, `signin` and `account`."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _

from central import customers as customer_admin
from central import phonecard
from central.backoffice.customer_service import mask_email
from central.backoffice.web import csrf
from central.errors import NotFound, PortalRefused, VoucherPoolEmpty
from central.portal import account, links, signin
from central.portal.mail import send_mail
from central.transactions import in_transaction
from loyalty.errors import KioskError

STATIC = Path(__file__).with_name("static")
bp = Blueprint(
    "portal",
    __name__,
    url_prefix="/portal",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
SESSION_KEY = "portal_customer"


def _engine():
    return current_app.extensions["central.engine"]


def _tx(work):
    return in_transaction(_engine(), work)


@bp.before_request
def _guard():
    if request.method == "POST":
        csrf.protect()
    g.customer_id = session.get(SESSION_KEY)


@bp.errorhandler(KioskError)
def _refused(exc: KioskError):
    return render_template("portal/message.html", message=str(exc), refused=True), 400 if isinstance(
        exc, PortalRefused
    ) else 409


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    return render_template("portal/message.html", message=str(exc), refused=True), 404


def _signed_in() -> str:
    if not g.customer_id:
        raise PortalRefused(_("Your session has ended; sign in again."))
    return g.customer_id


@bp.get("/")
def home():
    if g.customer_id:
        return redirect(url_for("portal.me"))
    return render_template("portal/signin.html")


@bp.post("/code")
def ask_code():
    card = (request.form.get("card_number") or "").strip()
    customer_id, email, code = _tx(lambda c: signin.new_code(c, card))
    send_mail(
        email,
        _("Your loyalty card code"),
        _(
            "Your sign-in code is %(code)s. It is valid for 10 minutes.\n\nIf you did not ask for it, ignore "
            "this message.",
            code=code,
        ),
    )
    return render_template("portal/code.html", card_number=card, sent_to=mask_email(email))


@bp.post("/signin")
def sign_in():
    card = (request.form.get("card_number") or "").strip()

    def check(connection):
        try:
            return signin.check_code(connection, card, request.form.get("code") or ""), None
        except signin.PortalWrongCode as exc:  # the try is counted: commit, then refuse
            return None, exc

    customer_id, wrong = _tx(check)
    if wrong is not None:
        return render_template("portal/code.html", card_number=card, error=str(wrong)), 400
    _start_session(customer_id)
    return redirect(url_for("portal.me"))


def _start_session(customer_id: str) -> None:
    language = session.get("lang")
    session.clear()  # a fresh session for the signed-in shopper, in the language they chose
    if language:
        session["lang"] = language
    session[SESSION_KEY] = customer_id


@bp.get("/phone/<token>")
def phone_sign_in(token: str):
    """Sign in from the phone card: its signed link is already this phone's proof of the card."""
    try:
        card_uid = phonecard.card_for_link(phonecard.signing_key(), token)
    except KioskError:
        raise PortalRefused(_("This phone card link is not valid. Sign in with your card number instead.")) from None
    customer_id = _tx(lambda c: signin.customer_of_card(c, card_uid).customer_id)
    _start_session(customer_id)
    return redirect(url_for("portal.me"))


@bp.post("/signout")
def sign_out():
    session.pop(SESSION_KEY, None)
    return redirect(url_for("portal.home"))


@bp.get("/me")
def me():
    if not g.customer_id:
        return redirect(url_for("portal.home"))
    customer_id = g.customer_id
    file, offered = _tx(lambda c: (account.account(c, customer_id, date.today()), account.rewards(c)))
    card = next((uid for uid, blocked in file.cards if not blocked), None)
    phone_card = (
        url_for("phonecard.card_page", token=phonecard.link_token(phonecard.signing_key(), card)) if card else None
    )
    return render_template(
        "portal/me.html",
        c=file,
        rewards=offered,
        phone_card=phone_card,
        request_id=str(uuid.uuid4()),
        done=request.args.get("done"),
    )


@bp.post("/vouchers")
def convert():
    customer_id = _signed_in()
    request_id = request.form.get("request_id") or ""
    try:
        uuid.UUID(request_id)
    except ValueError:
        raise PortalRefused(_("This form is out of date; reload the page.")) from None
    try:
        issued = _tx(lambda c: account.convert_points(c, customer_id, request.form.get("reward_id") or "", request_id))
    except VoucherPoolEmpty:
        raise PortalRefused(
            _("No voucher of this kind is left just now; your points were not spent. Try again later.")
        ) from None
    email = _tx(lambda c: account.account(c, customer_id, date.today()).email)
    mailed = False
    if email:
        try:
            send_mail(
                email,
                _("Your %(partner)s voucher", partner=issued.partner),
                _("Your voucher code: %(code)s", code=issued.code),
            )
            mailed = True
        except KioskError:
            mailed = False  # the code is on the screen and in the account; the mail is a copy
    return render_template("portal/voucher.html", voucher=issued, mailed=mailed)


@bp.post("/consent/withdraw")
def withdraw_consent():
    customer_id = _signed_in()
    _tx(lambda c: account.withdraw_consent(c, customer_id))
    return redirect(url_for("portal.me", done="consent"))


@bp.get("/export.json")
def export():
    customer_id = _signed_in()
    data = _tx(lambda c: customer_admin.export_customer(c, customer_id))
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-loyalty-data.json"'},
    )


@bp.post("/erasure")
def erasure():
    customer_id = _signed_in()
    _tx(lambda c: account.request_erasure(c, customer_id))
    return redirect(url_for("portal.me", done="erasure"))


@bp.get("/p/<token>")
def profile(token: str):
    link = _tx(lambda c: links.check_link(c, token))
    first_name = _tx(lambda c: account.account(c, link.customer_id, date.today()).first_name)
    return render_template("portal/profile.html", token=token, first_name=first_name)


@bp.post("/p/<token>")
def save_profile(token: str):
    def save(connection):
        link = links.check_link(connection, token)
        links.use_link(connection, link)
        account.save_profile(connection, link.customer_id, request.form, request.form.get("consent") == "yes")

    _tx(save)
    return render_template(
        "portal/message.html",
        message=_("Thank you, your profile is complete. Sign in with your card number to see your points."),
        done=True,
    )


@bp.get("/manifest.webmanifest")
def manifest():
    return send_from_directory(STATIC, "manifest.webmanifest", mimetype="application/manifest+json")


@bp.get("/sw.js")
def service_worker():
    """Served from /portal/ so that it may look after every portal page."""
    response = send_from_directory(STATIC, "sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline():
    return render_template(
        "portal/message.html",
        message=_("You are offline. The last pages you opened are shown; try again when the connection is back."),
    )
