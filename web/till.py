"""The cashier's till screen: PIN sign-in, one page for earn/capture/redeem/refund/undo, live by SSE.

Views stay thin: every operation is a method of `service.till` (device/till). JSON endpoints under
/till/api/ take the CSRF token in the X-CSRFToken header; the POS pushes a basket to /api/till/basket from
the same machine only.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Iterator
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from loyalty.drills import DRILLS
from loyalty.errors import InvalidAmount, NotSignedIn, SignInLocked, SignInRefused
from web.category_names import category_names
from web.i18n import LANGUAGES

logger = logging.getLogger(__name__)

bp = Blueprint("till", __name__, url_prefix="/till")
pos = Blueprint("till_pos", __name__, url_prefix="/api/till")

SSE_KINDS = ("till", "status_changed", "print_job", "sync_status")
KEEPALIVE_S = 1.0  # short, so a closed screen frees its server thread within a second
LOOPBACK = ("127.0.0.1", "::1")


def _till():
    return current_app.extensions["kiosk.service"].till


def _session():
    return _till().sessions.current(session.get("till_token"))


@bp.app_context_processor
def _training_banner() -> dict:
    service = current_app.extensions.get("kiosk.service")
    till = getattr(service, "till", None)
    return {"till_training": bool(till and till.training)}


@bp.before_request
def _require_cashier():
    if request.endpoint in ("till.signin", "till.signin_post", "till.static"):
        return None
    current = _session()
    if current is None:
        if request.path.startswith("/till/api/") or request.path.endswith("/events"):
            raise NotSignedIn("sign in with your PIN")
        return redirect(url_for("till.signin"))
    asked = request.args.get("lang")
    if asked in LANGUAGES and asked != current.cashier.language:  # the language follows the cashier
        cashier = dataclasses.replace(current.cashier, language=asked)
        _till().cashiers.update(cashier)
        _till().sessions.update_cashier(cashier)
    return None


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidAmount("send a JSON object")
    return body


def _cents(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount("an amount is a whole number of cents")
    return value


# -- pages -------------------------------------------------------------------------------------------------
def _picked_language() -> str | None:
    """The language picked on the sign-in page (its links add ?lang=, the form carries it on)."""
    picked = request.values.get("lang")
    return picked if picked in LANGUAGES else None


@bp.get("/signin")
def signin():
    return render_template("till/signin.html", cashiers=_till().cashiers.all(), error=None, picked=_picked_language())


@bp.post("/signin")
def signin_post():
    till = _till()
    cashier_id = request.form.get("cashier_id", "")
    try:
        cashier = till.cashiers.check(cashier_id, request.form.get("pin", ""))
    except SignInRefused as exc:
        logger.info("till sign-in refused for cashier %s", cashier_id[:40])
        error = (
            _("Sign-in locked after repeated wrong PINs: wait a moment, or ask a manager.")
            if isinstance(exc, SignInLocked)
            else _("Wrong PIN.")
        )
        return render_template(
            "till/signin.html", cashiers=till.cashiers.all(), error=error, chosen=cashier_id, picked=_picked_language()
        ), 403
    picked = _picked_language()
    if picked and picked != cashier.language:  # the language picked before the PIN stays, and is remembered
        cashier = dataclasses.replace(cashier, language=picked)
        till.cashiers.update(cashier)
    till.clear_screen()
    opened = till.sessions.open(cashier)
    session["till_token"] = opened.token
    session["lang"] = cashier.language if cashier.language in LANGUAGES else "fr"
    logger.info("cashier %s signed in", cashier.cashier_id)
    return redirect(url_for("till.index"))


@bp.post("/signout")
def signout():
    _till().sessions.close(session.pop("till_token", None))
    _till().clear_screen()
    return redirect(url_for("till.signin"))


@bp.get("/")
def index():
    till = _till()
    current = _session()
    categories = sorted(set(till.config.earning.categories) | set(till.earning_scale().category_multipliers_pct)) or [
        "general"
    ]
    names = category_names(till.reference, str(get_locale()))
    return render_template(
        "till/index.html",
        cashier=current.cashier,
        state=till.snapshot(),
        categories=categories,
        category_names=names,
        drills=list(DRILLS),
        consent_version=till.config.till.consent_version,
        session_timeout_s=till.config.till.session_timeout_s,
        confirm_above=till.config.till.confirm_above_points,
    )


# -- live updates -------------------------------------------------------------------------------------------
@bp.get("/events")
def events():
    bus = current_app.extensions["kiosk.service"].bus

    def stream() -> Iterator[str]:
        with bus.subscribe(maxsize=64) as subscription:
            yield "retry: 1000\n\n"
            for message in subscription.messages(KEEPALIVE_S):
                if message is None:
                    yield ": keep-alive\n\n"
                elif message.kind in SSE_KINDS:
                    data = json.dumps(message.data, ensure_ascii=False, default=str)
                    yield f"id: {message.id}\nevent: {message.kind}\ndata: {data}\n\n"

    return Response(
        stream(), mimetype="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


@bp.get("/api/state")
def state():
    service = current_app.extensions["kiosk.service"]
    current = _session()
    return jsonify(
        till=service.till.snapshot(),
        devices=service.device_states(),
        sync=service.sync_state(),
        cashier={"cashier_id": current.cashier.cashier_id, "role": current.cashier.role},
    )


# -- operations -------------------------------------------------------------------------------------------
@bp.post("/api/sale")
def sale():
    body = _body()
    lines = body.get("lines")
    if lines is None:
        lines = {"general": _cents(body.get("amount_cents"))}
    if not isinstance(lines, dict):
        raise InvalidAmount("lines must map a category to cents")
    lines = {str(k): _cents(v) for k, v in lines.items()}
    shown = body.get("for_customer")
    if isinstance(shown, str):  # the customer tapped while the amount was keyed, before OK
        return jsonify(_till().credit_shown_customer(lines, shown))
    made = _till().start_sale(lines)
    return jsonify(sale={"receipt_ref": made.receipt_ref, "amount_cents": made.amount_cents})


@bp.post("/api/sale/cancel")
def cancel_sale():
    _till().cancel_sale()
    return jsonify(ok=True)


@bp.post("/api/card")
def card():
    """A card number keyed by hand (a damaged card, a phone card read aloud)."""
    uid = re.sub(r"[\s.-]", "", str(_body().get("uid", ""))).upper()  # "2 000123 456789" as printed
    if not uid or len(uid) > 40 or not uid.isalnum():
        raise InvalidAmount("a card number is letters and digits")
    return jsonify(_till().card_presented(uid, via="keyed"))


@bp.post("/api/register")
def register():
    body = _body()
    extra = {k: body.get(k) for k in ("last_name", "phone", "email") if isinstance(body.get(k), str)}
    return jsonify(_till().register(body.get("first_name"), body.get("consent") is True, extra=extra))


@bp.post("/api/skip")
def skip():
    pin = _body().get("manager_pin")
    return jsonify(_till().skip_capture(manager_pin=pin if isinstance(pin, str) else None))


@bp.post("/api/profile")
def profile():
    body = _body()
    return jsonify(
        _till().complete_profile(str(body.get("customer_id", "")), str(body.get("field", "")), body.get("value"))
    )


@bp.get("/api/duplicates")
def duplicates():
    return jsonify(found=_till().duplicates(request.args.get("q", "")))


@bp.post("/api/customer/open")
def open_customer():
    """A customer chosen from the search list (no card with them): shown, and credited if a sale waits."""
    return jsonify(_till().open_customer(str(_body().get("customer_id", ""))))


@bp.post("/api/redeem")
def redeem():
    body = _body()
    pin = body.get("pin") if isinstance(body.get("pin"), str) else None
    return jsonify(_till().redeem(str(body.get("reward_id", "")), pin=pin, from_pool=body.get("from_pool") is True))


@bp.post("/api/refund")
def refund():
    body = _body()
    cents = body.get("refund_cents")
    pin = body.get("manager_pin")
    return jsonify(
        _till().refund(
            str(body.get("receipt_ref", "")),
            None if cents is None else _cents(cents),
            later=body.get("later") is True,
            manager_pin=pin if isinstance(pin, str) else None,
        )
    )


@bp.get("/api/receipts")
def receipts():
    """This till's last receipts, to pick the one to refund on the touch screen."""
    return jsonify(receipts=_till().recent_receipts())


@bp.post("/api/undo")
def undo():
    pin = _body().get("manager_pin")
    return jsonify(_till().undo(manager_pin=pin if isinstance(pin, str) else None))


@bp.post("/api/reprint")
def reprint():
    _till().reprint_last()
    return jsonify(ok=True)


@bp.post("/api/training")
def training():
    _till().set_training(_body().get("on") is True)
    return jsonify(training=_till().training)


@bp.post("/api/drill")
def drill():
    return jsonify(_till().start_drill(str(_body().get("drill", ""))))


@bp.get("/api/checklist")
def checklist():
    return jsonify(checklist=_till().training_book.checklist(_session().cashier.cashier_id))


@bp.get("/api/adoption")
def adoption():
    """Figures per cashier for the back office (managers only)."""
    return jsonify(cashiers=[dataclasses.asdict(f) for f in _till().adoption_figures(_session().cashier)])


@bp.post("/api/daily-summary")
def daily_summary():
    """Print this store's daily summary from central on the receipt printer (managers only)."""
    from device.till.daily_print import print_daily_summary

    body = _body()
    till = _till()
    day = body.get("day") or date.today().isoformat()
    lang = body.get("lang") if body.get("lang") in ("fr", "en") else session.get("lang", "fr")
    job_id = print_daily_summary(till.devices, till.daily_summary_source, _session().cashier.role, str(day), lang)
    printer = current_app.extensions["kiosk.service"].device_states().get("printer")
    return jsonify(job_id=job_id, printer=printer)  # the screen says "waiting for paper" when it is not ready


# -- the POS pushes the basket instead of the cashier keying it ----------------------------------------------------
@pos.post("/basket")
def basket():
    if request.remote_addr not in LOOPBACK:
        abort(403)
    body = _body()
    lines = body.get("lines")
    if not isinstance(lines, dict):
        raise InvalidAmount("lines must map a category to cents")
    ref = body.get("receipt_ref")
    earlier = _till().credited(ref) if isinstance(ref, str) else None
    if earlier is not None:  # the POS retried after a lost answer: the first result, nothing held or recorded
        return jsonify(sale=None, repeat=True, earned=earlier)
    made = _till().start_sale(
        {str(k): _cents(v) for k, v in lines.items()}, receipt_ref=ref if isinstance(ref, str) else None, source="pos"
    )
    return jsonify(sale={"receipt_ref": made.receipt_ref, "amount_cents": made.amount_cents})


def init_app(app, csrf) -> None:
    """Register the till (on a device that runs one); with cashiers it opens at `/` (the status page stays at
    /status)."""
    if app.extensions["kiosk.service"].till is None:
        return
    csrf.exempt(pos)
    app.register_blueprint(bp)
    app.register_blueprint(pos)

    @app.before_request
    def _till_first():
        service = app.extensions["kiosk.service"]
        if (
            request.path == "/"
            and service.config.device.role == "till"
            and request.args.get("lang") is None
            and service.till.cashiers.all()
        ):
            return redirect(url_for("till.index"))
        return None
