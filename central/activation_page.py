"""The shoppers' card activation page on central: mobile-first, French or English, no sign-in.

The shopper types the number printed on the card (spaces as printed are fine), the activation code under the
scratch panel, a first name and consent; `card_activation` does the rest. Errors say what to do, in the page's
language, and keep what was typed (never the code).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from central import card_activation
from central import errors as ce
from loyalty import errors as e

bp = Blueprint("activation", __name__)

TEXTS = {
    "fr": {
        "title": "Activer ma carte de fidélité",
        "number": "Numéro imprimé sur la carte (13 chiffres)",
        "code": "Code d'activation (sous la zone à gratter)",
        "first_name": "Votre prénom",
        "consent": "J'accepte les conditions du programme de fidélité",
        "submit": "Activer ma carte",
        "done": "C'est fait, {name} : votre carte est active. Présentez-la en caisse pour gagner des points.",
        "already": "Cette carte était déjà à vous : elle est active.",
        "other_language": "English",
        "errors": {
            "BadRequest": "Vérifiez le numéro imprimé sur la carte (13 chiffres), le code et votre prénom.",
            "NotFound": "Ce numéro n'est pas celui d'une de nos cartes : vérifiez-le.",
            "ActivationCodeWrong": "Le code ne correspond pas à cette carte. Après 5 essais, l'activation se fait "
            "en caisse.",
            "ActivationLocked": "Trop de codes erronés pour cette carte : faites-la activer en caisse.",
            "ConsentRequired": "Pour activer la carte, acceptez les conditions du programme.",
            "other": "L'activation n'a pas pu se faire. Réessayez plus tard ou demandez en caisse.",
        },
    },
    "en": {
        "title": "Activate my loyalty card",
        "number": "Number printed on the card (13 digits)",
        "code": "Activation code (under the scratch panel)",
        "first_name": "Your first name",
        "consent": "I accept the loyalty programme's terms",
        "submit": "Activate my card",
        "done": "Done, {name}: your card is active. Show it at the till to earn points.",
        "already": "This card was already yours: it is active.",
        "other_language": "Français",
        "errors": {
            "BadRequest": "Check the number printed on the card (13 digits), the code and your first name.",
            "NotFound": "This number is not one of our cards: please check it.",
            "ActivationCodeWrong": "The code does not match this card. After 5 tries, activation is done at a till.",
            "ActivationLocked": "Too many wrong codes for this card: have it activated at a till.",
            "ConsentRequired": "To activate the card, accept the programme's terms.",
            "other": "The card could not be activated. Try again later or ask at a till.",
        },
    },
}


def _language() -> str:
    asked = request.values.get("lang")
    if asked in TEXTS:
        return asked
    return request.accept_languages.best_match(["fr", "en"], default="fr") or "fr"


def _error_text(texts: dict, error: e.KioskError) -> str:
    for cls in (ce.ActivationLocked, ce.ActivationCodeWrong, e.ConsentRequired, ce.NotFound, ce.BadRequest):
        if isinstance(error, cls):
            return texts["errors"][cls.__name__]
    return texts["errors"]["other"]


@bp.route("/activate", methods=["GET", "POST"])
def activate_page():
    lang = _language()
    texts = TEXTS[lang]
    form = {
        "card_number": request.values.get("card_number", "")[:40],
        "first_name": request.form.get("first_name", "")[:40],
    }
    if request.method == "GET":
        return render_template("activation/activate.html", t=texts, lang=lang, form=form)
    try:
        done = card_activation.activate(
            current_app.extensions["central.engine"],
            form["card_number"],
            request.form.get("activation_code", ""),
            form["first_name"],
            request.form.get("consent") == "yes",
        )
    except e.KioskError as error:
        status = 409 if isinstance(error, ce.Conflict) else 404 if isinstance(error, ce.NotFound) else 400
        return render_template(
            "activation/activate.html", t=texts, lang=lang, form=form, error=_error_text(texts, error)
        ), status
    message = texts["done"].format(name=done.first_name) if done.created else texts["already"]
    return render_template("activation/activate.html", t=texts, lang=lang, form=form, done=message)
