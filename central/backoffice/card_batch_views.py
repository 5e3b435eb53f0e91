"""Card batches page (head office; batches are chain-wide): make a batch per channel and partner, export it for
card production, import production's chip file, follow activation, unlock a card locked by wrong codes.

Every change goes to the audit trail with the signed-in user; the rules are `central.card_batches`' own, the
same the admin API applies for scripts.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from central import card_batches
from central import errors as ce
from central.backoffice import audit
from central.backoffice.web import head_office_only, transaction
from loyalty import errors as e

bp = Blueprint("card_batches", __name__, url_prefix="/card-batches")

#: What the page says for each refusal, in the page's language (the exception's own text is English).
REFUSALS = (
    (
        ce.SpreadsheetNotCsv,
        lazy_gettext(
            "This is a spreadsheet, not a CSV file: in the spreadsheet, save it as "
            "“CSV UTF-8 (comma delimited)” and import that file."
        ),
    ),
    (
        ce.SemicolonCsv,
        lazy_gettext(
            "This CSV file is separated by semicolons: save it with commas (“CSV UTF-8, "
            "comma delimited”), or start again from the exported file."
        ),
    ),
    (ce.Conflict, lazy_gettext("A chip UID in this file already belongs to another card: nothing was imported.")),
    (ce.NotFound, lazy_gettext("No such card or batch: check the number.")),
)
CHANNEL_LABELS = {
    "company": lazy_gettext("Our shops"),
    "partner": lazy_gettext("Partner"),
    "online": lazy_gettext("E-commerce"),
}


def _explain(exc: e.KioskError) -> str:
    for cls, text in REFUSALS:
        if isinstance(exc, cls):
            return str(text)
    return _("Refused: %(reason)s", reason=str(exc))


def _page(error: str | None = None, status: int = 200, done: str | None = None):
    batches = transaction(card_batches.progress)
    return render_template(
        "backoffice/card_batches.html",
        batches=batches,
        error=error,
        done=done,
        channels=card_batches.CHANNELS,
        channel_labels=CHANNEL_LABELS,
        max_batch=card_batches.MAX_BATCH,
    ), status


@bp.get("/")
@head_office_only
def index():
    return _page(done=request.args.get("done"))


@bp.post("/")
@head_office_only
def create():
    form = request.form
    try:
        size = int(form.get("size", "").strip())
    except ValueError:
        return _page(_("The number of cards is a whole number from 1 to %(max)s.", max=card_batches.MAX_BATCH), 400)

    def work(connection):
        batch = card_batches.create_batch(
            connection, form.get("channel"), form.get("partner", "").strip() or None, size, form.get("note", "").strip()
        )
        audit.record(
            connection,
            g.user.user_id,
            "card_batch_create",
            batch.batch_id,
            None,
            {"channel": batch.channel, "partner": batch.partner, "size": batch.size},
        )
        return batch

    try:
        batch = transaction(work)
    except ce.BadRequest as exc:
        return _page(_explain(exc), 400)
    return redirect(url_for("backoffice.card_batches.index", done=_("Batch of %(size)s cards made.", size=batch.size)))


@bp.get("/<batch_id>/cards.csv")
@head_office_only
def export(batch_id: str):
    def work(connection):
        text = card_batches.export_csv(connection, batch_id)
        audit.record(connection, g.user.user_id, "card_batch_export", batch_id, None, {"rows": text.count("\n") - 1})
        return text

    return Response(
        transaction(work),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="cards-{batch_id}.csv"'},
    )


@bp.post("/<batch_id>/chips")
@head_office_only
def import_chips(batch_id: str):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(_("Choose card production's file first."), 400)

    def work(connection):
        count = card_batches.import_chip_uids(connection, batch_id, card_batches.production_file_text(upload.read()))
        audit.record(connection, g.user.user_id, "card_batch_chips", batch_id, None, {"chips": count})
        return count

    try:
        count = transaction(work)
    except e.KioskError as exc:
        return _page(_explain(exc), 409 if isinstance(exc, ce.Conflict) else 400)
    return redirect(url_for("backoffice.card_batches.index", done=_("%(count)s chip UIDs recorded.", count=count)))


@bp.post("/unlock")
@head_office_only
def unlock():
    def work(connection):
        number = card_batches.unlock(connection, request.form.get("card_number", ""))
        audit.record(connection, g.user.user_id, "card_unlock", number, None, {"failed_attempts": 0})
        return number

    try:
        number = transaction(work)
    except e.KioskError as exc:
        return _page(_explain(exc), 404 if isinstance(exc, ce.NotFound) else 400)
    return redirect(
        url_for(
            "backoffice.card_batches.index", done=_("Card %(number)s can be activated online again.", number=number)
        )
    )
