"""Earning scale editor: the form, a live preview computed by the tills' own code, dated versions."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from central.backoffice import rules
from central.backoffice.money import format_euros
from central.backoffice.web import head_office_only, transaction
from central.errors import BadRequest
from loyalty.domain.earning import DEFAULT_CATEGORY, EarnQuote

bp = Blueprint("rules", __name__, url_prefix="/rules")


def _sample_defaults() -> dict[str, str]:
    return {
        "sample_total": "47,90",
        "sample_category": "",
        "sample_category_amount": "",
        "sample_day": date.today().isoformat(),
    }


def describe(quote: EarnQuote, form: dict) -> str:
    """The preview as a sentence, e.g. `A 47,90 € receipt with 12,00 € of bakery earns 95 points.`"""
    total = format_euros(quote.amount_cents)
    category = (form.get("sample_category") or "").strip()
    in_category = next((line.cents for line in quote.lines if line.category == category), 0)
    if category and category != DEFAULT_CATEGORY and in_category:
        text = _(
            "A %(total)s € receipt with %(amount)s € of %(category)s on %(day)s earns %(points)s points.",
            total=total,
            amount=format_euros(in_category),
            category=category,
            day=form.get("sample_day"),
            points=quote.points,
        )
    else:
        text = _(
            "A %(total)s € receipt on %(day)s earns %(points)s points.",
            total=total,
            day=form.get("sample_day"),
            points=quote.points,
        )
    if quote.capped_by == "receipt":
        text += " " + _("(cut by the receipt cap from %(points)s)", points=quote.uncapped_points)
    elif quote.capped_by == "day":
        text += " " + _("(cut by the daily cap from %(points)s)", points=quote.uncapped_points)
    return text


@bp.get("/")
@head_office_only
def edit():
    published, saved = transaction(lambda c: (rules.published_rules(c), rules.versions(c)))
    form = rules.rules_to_form(published or rules.DEFAULT_RULES) | _sample_defaults()
    form["effective_from"] = date.today().isoformat()
    return render_template(
        "backoffice/rules.html", form=form, versions=saved, published=published, preview=None, error=None
    )


@bp.post("/")
@head_office_only
def save():
    form = request.form.to_dict()
    try:
        new_rules = rules.rules_from_form(form)
        preview = describe(rules.preview_from_form(new_rules, form), form) if form.get("sample_total") else None
        if request.form.get("action") == "save":
            try:
                effective = date.fromisoformat(form.get("effective_from", ""))
            except ValueError:
                raise BadRequest(_("The effective date must be a date.")) from None
            user = g.user.user_id
            transaction(lambda c: rules.save_version(c, user, new_rules, effective, date.today()))
            return redirect(url_for("backoffice.rules.edit", saved=1))
    except BadRequest as exc:
        published, saved = transaction(lambda c: (rules.published_rules(c), rules.versions(c)))
        return render_template(
            "backoffice/rules.html", form=form, versions=saved, published=published, preview=None, error=str(exc)
        ), 400
    published, saved = transaction(lambda c: (rules.published_rules(c), rules.versions(c)))
    return render_template(
        "backoffice/rules.html", form=form, versions=saved, published=published, preview=preview, error=None
    )


@bp.app_template_global("rules_summary")
def rules_summary(saved_rules: dict) -> str:
    """A saved version in words, in the page's language (the versions table shows no raw JSON)."""
    return rules.rules_summary(saved_rules, "en" if str(get_locale()) == "en" else "fr")


@bp.post("/preview")
@head_office_only
def live_preview():
    """The editor's script asks this as the fields change (JSON, CSRF token in the form data)."""
    form = request.form.to_dict()
    try:
        quote = rules.preview_from_form(rules.rules_from_form(form), form)
    except BadRequest as exc:
        return jsonify(ok=False, message=str(exc)), 400
    return jsonify(
        ok=True,
        points=quote.points,
        uncapped_points=quote.uncapped_points,
        capped_by=quote.capped_by,
        text=describe(quote, form),
    )
