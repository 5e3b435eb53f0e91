"""Reports page with inline SVG charts, and the CSV export of each table."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from central import cashier_figures
from central.backoffice import channel_report, charts, daily_summary, reports, scope
from central.backoffice.display_names import display_names
from central.backoffice.spreadsheet_csv import csv_download
from central.backoffice.web import transaction
from central.errors import BadRequest, NotAllowed

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _report() -> reports.Report:
    return _report_and_channels()[0]


def _stores() -> frozenset[str] | None:
    """The stores asked for (`?store=`), checked against the user's own; None is every store."""
    return scope.report_stores(g.user, request.args.get("store"))


def _report_and_channels() -> tuple[reports.Report, tuple[channel_report.ChannelRow, ...]]:
    period = reports.Period.parse(request.args.get("start"), request.args.get("end"))
    stores = _stores()

    def build(connection):
        report = scope.for_viewer(g.user, reports.build_report(connection, period, stores))
        if not scope.sees_chain_figures(g.user):
            return report, ()
        return report, channel_report.channel_rows(connection, report.active_customer_ids)

    return transaction(build)


def _adoption() -> tuple[tuple[cashier_figures.AdoptionRow, ...], tuple[cashier_figures.AdoptionRow, ...]]:
    """The tills' own figures (time per operation, capture per unknown card) for the period and stores asked."""
    period = reports.Period.parse(request.args.get("start"), request.args.get("end"))
    stores = _stores()
    return transaction(lambda c: cashier_figures.adoption_rows(c, period.start, period.end, stores))


@bp.get("/")
def index():
    if scope.has_no_store(g.user):
        return render_template("backoffice/reports.html", report=None)
    report, channels = _report_and_channels()
    s = report.summary
    labels = [_("Earned"), _("Taken back by refunds"), _("Redeemed"), _("Expired")]
    values = [s.points_earned, s.points_reversed, s.points_redeemed, s.points_expired]
    if s.outstanding_points is not None:
        labels, values = [*labels, _("Outstanding")], [*values, s.outstanding_points]
    points_chart = charts.bar_chart(_("Points in the period"), labels, {_("Points"): values})
    adoption = _adoption()
    names = transaction(display_names)
    cashier_chart = charts.bar_chart(
        _("Capture rate per cashier (%)"),
        [names.cashier(r.key) for r in adoption[0]],
        {_("Capture rate"): [r.capture_rate_pct for r in adoption[0]]},
        horizontal=True,
    )
    store_chart = charts.bar_chart(
        _("Capture rate per store (%)"),
        [names.store(r.key) for r in adoption[1]],
        {_("Capture rate"): [r.capture_rate_pct for r in adoption[1]]},
        horizontal=True,
    )
    partner_chart = charts.bar_chart(
        _("Points redeemed by partner"),
        [f"{r.partner} ({r.kind})" for r in report.by_partner],
        {_("Points"): [r.points for r in report.by_partner]},
        horizontal=True,
    )
    channel_chart = charts.bar_chart(
        _("Cards by sales channel"),
        [_channel_label(r) for r in channels],
        {
            _("Cards made"): [r.cards_made for r in channels],
            _("Cards activated"): [r.cards_activated for r in channels],
            _("Active customers"): [r.active_customers for r in channels],
        },
        horizontal=True,
    )
    return render_template(
        "backoffice/reports.html",
        report=report,
        points_chart=points_chart,
        cashier_chart=cashier_chart,
        store_chart=store_chart,
        partner_chart=partner_chart,
        channels=channels,
        channel_chart=channel_chart,
        channel_label=_channel_label,
        adoption=adoption,
        chain_figures=scope.sees_chain_figures(g.user),
        stores=transaction(lambda c: scope.store_choices(c, g.user)),
        store=request.args.get("store", "").strip(),
        query=request.query_string.decode(),
        names=names,
    )


def _channel_label(row: channel_report.ChannelRow) -> str:
    names = {"company": _("Our shops"), "partner": _("Partner"), "online": _("E-commerce")}
    name = names.get(row.channel, row.channel)
    return f"{name}: {row.partner}" if row.partner else name


@bp.get("/daily.txt")
def daily():
    """A store's day as plain text for the receipt printer: `?store=DEVICE&day=YYYY-MM-DD&lang=fr`."""
    store = (request.args.get("store") or "").strip()
    if not store:
        raise BadRequest(_("Name the store (its device id)."))
    try:
        day = date.fromisoformat(request.args.get("day") or date.today().isoformat())
    except ValueError:
        raise BadRequest(_("The day must be a date YYYY-MM-DD.")) from None
    scope.require_store(g.user, store)
    lang = "en" if str(get_locale()) == "en" else "fr"
    report = scope.for_viewer(
        g.user, transaction(lambda c: reports.build_report(c, reports.Period(day, day), frozenset({store})))
    )
    adoption = transaction(lambda c: cashier_figures.adoption_rows(c, day, day, frozenset({store}))[0])
    lines = daily_summary.summary_lines(report, store, day, lang, adoption)
    text = daily_summary.summary_text(lines, daily_summary.LABELS[lang]["title"])
    return Response(text, mimetype="text/plain")


@bp.get("/<name>.csv")
def export(name: str):
    if name == "channels":
        if not scope.sees_chain_figures(g.user):
            raise NotAllowed(_("Cards by sales channel are a chain-wide figure, kept for head office."))
        text = channel_report.channels_csv(_report_and_channels()[1])
    elif name in ("till-cashiers", "till-stores"):
        by_cashier, by_store = _adoption()
        text = (
            cashier_figures.adoption_csv(by_cashier, "cashier_id")
            if name == "till-cashiers"
            else cashier_figures.adoption_csv(by_store, "device_id")
        )
    else:
        text = reports.report_csv(_report(), name)
    return csv_download(text, f"report-{name}.csv")
