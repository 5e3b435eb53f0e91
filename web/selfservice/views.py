"""Views of the kiosk screen: the shell, the fragments and the event stream."""

from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime

import qrcode
import qrcode.image.svg
from babel.dates import format_date
from flask import Blueprint, Flask, Response, current_app, render_template, request, stream_with_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from hardware.errors import HardwareError
from loyalty import errors as e
from web.errors import REPORTED
from web.i18n import LANGUAGES

logger = logging.getLogger(__name__)

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
STREAM_KINDS = {"card_tapped": "card", "card_removed": "removed", "qr_scanned": "qr"}
KEEPALIVE_S = 15
POLL_S = 0.5  # how soon a stream notices the screen closing (service shutdown)


def init_app(app: Flask, service) -> None:
    """Register the screen for this service (built once: rewards file, printer, central client, verifier)."""
    from device.selfservice.wiring import build_screen

    app.extensions["kiosk.screen"] = build_screen(service)
    app.register_blueprint(bp)


@bp.app_template_filter("local_day")
def local_day(day: date) -> str:
    """A day as the screen's language writes it: 15/01/2027 in French and in (British) English."""
    return format_date(day, "short", locale="en_GB" if str(get_locale()) == "en" else "fr_FR")


def _screen():
    return current_app.extensions["kiosk.screen"]


def _message_for(error: e.KioskError | HardwareError) -> str:
    """What the shopper reads, in the screen's language; the log keeps the error's type only."""
    messages = (
        (e.CardNotPresent, _("Put your card back on the reader to continue.")),
        (e.DailyRedeemLimit, _("This card has used all its rewards at the kiosk for today. Ask at the till.")),
        (e.ConsentRequired, _("To join, please accept the conditions first.")),
        (e.InsufficientPoints, _("Your balance does not cover this reward.")),
        (e.VoucherOutOfStock, _("This voucher is out of stock. Choose another reward; nothing was spent.")),
        (e.CardNotKnowable, _("This kiosk cannot read your card's account right now. Please ask at the till.")),
        (e.BalanceLater, _("Your card is fine: its balance shows here once this kiosk reaches our server again.")),
        (e.CardNeedsCentral, _("This card can join once this kiosk reaches our server again. Please ask at the till.")),
        (e.ForeignCard, _("This card is not one of our loyalty cards.")),
        (
            e.OfflineLimitReached,
            _("This needs the central server, which cannot be reached right now. Nothing was spent."),
        ),
        (
            e.PhoneCodeClockWrong,
            _(
                "This kiosk's clock is wrong, so it cannot read your phone code. Your code is fine: "
                "please tap your card or ask at the till."
            ),
        ),
        (e.StoreWriteError, _("This kiosk's disk is full, so nothing new can be recorded. Please ask at the till.")),
        (e.PhoneCodeExpired, _("This phone code has expired. Open your card page again to show the new code.")),
        (e.PhoneCodeReplayed, _("This phone code was already used. Show the card page on your phone again.")),
        (e.PhoneCodeInvalid, _("This QR code is not a loyalty card.")),
        (e.CardBlocked, _("This card is blocked. Please ask at the till.")),
        (e.PoolRefused, _("Only a member of the pool can spend its points.")),
        (e.InvalidCustomerText, _("Please type your first name (letters only).")),
        (e.CardAlreadyLinked, _("This card is already registered. Please ask at the till.")),
        (e.UnknownReward, _("This cannot be done at the kiosk. Please ask at the till.")),
        (e.SelfServiceRefused, _("This cannot be done at the kiosk. Please ask at the till.")),
    )
    return next(
        (text for cls, text in messages if isinstance(error, cls)),
        _("Sorry, this did not work. Please ask at the till."),
    )


def _refused(error: e.KioskError | HardwareError, card_uid: str | None = None, status: int = 200):
    logger.info("kiosk step refused: %s", type(error).__name__)
    html = render_template(
        "kiosk/message.html", message=_message_for(error), card_uid=card_uid, kind=type(error).__name__
    )
    return html, status


def qr_svg(data: str) -> Markup:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return Markup(image.to_string(encoding="unicode"))


@bp.app_template_filter("local_moment")
def local_moment(at: str) -> str:
    """An event's time as the shopper reads it, in this kiosk's time zone: 21/12/2026 14:05."""
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        return str(at)[:16].replace("T", " ")
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d/%m/%Y %H:%M")


@bp.app_template_filter("points_word")
def points_word(count: int) -> str:
    """'point' or 'points' by the language's plural rule: 0 and 1 point in French, 1 point but 0 points in English."""
    return _("point") if get_locale().plural_form(int(count)) == "one" else _("points")


def _header_words() -> dict[str, dict[str, str]]:
    """The header's words in each language, so switching language on the screen changes them too."""
    words = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            words[lang] = {"brand": _("Loyalty card"), "languages": _("Language")}
    return words


@bp.get("/")
def shell():
    return render_template(
        "kiosk/shell.html", idle_timeout_s=current_app.config["KIOSK_IDLE_TIMEOUT_S"], header_words=_header_words()
    )


@bp.get("/screen/idle")
def idle():
    return render_template("kiosk/idle.html")


@bp.post("/screen/end")
def end():
    _screen().end()
    return render_template("kiosk/idle.html")


def _card_fragment(card_uid: str) -> str:
    try:
        summary = _screen().summary(card_uid)
    except e.UnknownCard:
        return render_template("kiosk/consent.html", card_uid=card_uid, consent_version=_screen().consent_version)
    except REPORTED as error:
        return _refused(error, None)[0]
    return render_template("kiosk/balance.html", s=summary)


@bp.get("/screen/card/<card_uid>")
def card(card_uid: str):
    return _card_fragment(card_uid)


@bp.get("/screen/pool/<card_uid>")
def pool(card_uid: str):
    """The pool part of the balance screen, loaded after it so a slow central never delays the balance."""
    try:
        found = _screen().pool(card_uid)
    except REPORTED:
        found = None
    return render_template("kiosk/pool.html", pool=found, card_uid=card_uid)


@bp.get("/screen/confirm/<card_uid>/<reward_id>")
def confirm(card_uid: str, reward_id: str):
    try:
        summary, reward, pool, available = _screen().confirmation(
            card_uid, reward_id, from_pool=request.args.get("pool") == "1"
        )
    except REPORTED as error:
        return _refused(error, card_uid)
    return render_template("kiosk/confirm.html", s=summary, reward=reward, pool=pool, available=available)


@bp.post("/screen/redeem")
def redeem():
    card_uid = request.form.get("card_uid", "")
    try:
        done = _screen().redeem(
            card_uid, request.form.get("reward_id", ""), from_pool=request.form.get("from_pool") == "1"
        )
    except REPORTED as error:
        return _refused(error, card_uid)
    return render_template(
        "kiosk/done.html", done=done, card_uid=card_uid, qr=qr_svg(done.voucher_code) if done.voucher_code else None
    )


@bp.get("/screen/register/<card_uid>")
def register_form(card_uid: str):
    return render_template("kiosk/register.html", card_uid=card_uid)


@bp.post("/screen/register")
def register():
    card_uid = request.form.get("card_uid", "")
    try:
        summary = _screen().register(
            card_uid, first_name=request.form.get("first_name", ""), consent=request.form.get("consent") == "yes"
        )
    except REPORTED as error:
        return _refused(error, card_uid)
    return render_template("kiosk/balance.html", s=summary, welcome=True)


@bp.post("/screen/qr")
def scanned():
    try:
        card_uid = _screen().identify_qr(request.form.get("payload", ""))
    except REPORTED as error:
        return _refused(error)
    return card(card_uid)


@bp.get("/screen/phone/<card_uid>")
def phone(card_uid: str):
    try:
        url = _screen().phone_link(card_uid)
    except REPORTED as error:
        return _refused(error, card_uid)
    return render_template("kiosk/phone.html", card_uid=card_uid, qr=qr_svg(url))


@bp.get("/events")
def events():
    """Card taps (with their screen, in the stream's language), removals and QR scans for the page."""
    service = current_app.extensions["kiosk.service"]
    screen = _screen()
    subscription = service.bus.subscribe(maxsize=64)

    def stream():
        try:
            yield "retry: 1000\n\n"
            quiet_since = time.monotonic()
            while not screen.closed:
                message = subscription.get(timeout=POLL_S)
                if message is None:
                    if time.monotonic() - quiet_since >= KEEPALIVE_S:
                        quiet_since = time.monotonic()
                        yield ": keep-alive\n\n"
                    continue
                kind = STREAM_KINDS.get(message.kind)
                if kind is None:
                    continue
                data = {"uid": message.data.get("uid"), "payload": message.data.get("payload")}
                if kind == "card":
                    # The balance screen rides on the event itself: no second request between tap and screen.
                    screen.present(message.data["uid"])
                    data["html"] = _card_fragment(message.data["uid"])
                elif kind == "removed":
                    screen.removed(message.data["uid"])
                yield f"event: {kind}\ndata: {json.dumps(data)}\n\n"
        finally:
            subscription.close()

    return Response(
        stream_with_context(stream()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
