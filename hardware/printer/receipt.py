"""Receipt content as a frozen record, laid out as ESC/POS bytes with python-escpos (CP858, native QR).

python-escpos's Dummy printer builds the bytes; a transport sends them. The code page is forced to CP858
(the euro sign is 0xD5 there) so the bytes never depend on python-escpos guessing a code page. The QR code
is sent natively (GS ( k), which keeps a receipt near 1 KB on a 9600 baud line.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field, fields, replace
from typing import Any

from escpos.printer import Dummy

from hardware.config import ShopConfig

CODE_PAGE = "CP858"
QR_MODULE_DOTS = 6  # 0.75 mm per module at 203 dpi: read by any phone camera
REFERENCE_MODULE_DOTS = 4  # a short code read by the till's own scanner at arm's length


@dataclass(frozen=True)
class ReceiptLabels:
    """The fixed words of a receipt, in the shop's language."""

    points_earned: str = "Points gagnés"
    points_used: str = "Points utilisés"
    balance: str = "Nouveau solde"
    receipt: str = "Ticket"
    training: str = "TRAINING - SANS VALEUR"
    expiring: str = "Expirent à partir du"
    refund_code: str = "Pour un remboursement"

    @classmethod
    def english(cls) -> ReceiptLabels:
        return cls(
            "Points earned",
            "Points used",
            "New balance",
            "Receipt",
            "TRAINING - NO VALUE",
            "Expiring from",
            "For a refund",
        )


@dataclass(frozen=True)
class Receipt:
    """What a loyalty receipt says; `receipt_id` is the print job id (a retry never prints twice), never printed.

    `reference` is the one receipt number printed, the one a refund takes; `reference_code` is what the
    QR code under it holds, so the till's scanner can open that refund.
    """

    receipt_id: str
    shop_name: str
    title: str
    printed_at: str
    address: tuple[str, ...] = ()
    lines: tuple[tuple[str, str], ...] = ()
    points_earned: int = 0
    points_used: int = 0
    balance: int | None = None
    #: Points that will expire within the notice period and the first day some go (DD/MM/YYYY), or none.
    expiring_points: int = 0
    expiring_from: str = ""
    qr_url: str = ""
    qr_caption: str = ""
    footer: str = ""
    training: bool = False
    reference: str = ""
    reference_code: str = ""
    labels: ReceiptLabels = field(default_factory=ReceiptLabels)

    @classmethod
    def for_shop(cls, shop: ShopConfig, **fields: Any) -> Receipt:
        """A receipt with the header and footer of the shop's configuration."""
        fields.setdefault("footer", shop.footer)
        return cls(shop_name=shop.name, address=tuple(shop.address), **fields)


# Typographic characters CP858 lacks, written the way a till would print them.
_PLAIN = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "—": "-",
        "–": "-",
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


def printable(text: str) -> str:
    """Text as CP858 can print it: typographic quotes, dashes and spaces made plain (others become '?')."""
    return text.translate(_PLAIN)


def euros(cents: int) -> str:
    """Cents as the French write euros: 1234 → '12,34 €'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d} €"


def two_columns(label: str, value: str, columns: int) -> str:
    """Label on the left, value flush right, the label cut short if both do not fit."""
    room = columns - len(value) - 1
    if room < 1:
        return value[:columns]
    return label[:room].ljust(room) + " " + value


def render_receipt(receipt: Receipt, *, columns: int = 42, native_qr: bool = True) -> bytes:
    """ESC/POS bytes of a receipt; `native_qr=False` sends the QR code as a raster image instead."""
    receipt = _plain_receipt(receipt)
    p = Dummy()
    p.hw("INIT")
    p.charcode(CODE_PAGE)
    labels = receipt.labels
    if receipt.training:
        _training_band(p, labels.training, columns)
    p.set(align="center", bold=True, double_width=True, double_height=True)
    p.textln(receipt.shop_name[: columns // 2])
    p.set(bold=False, normal_textsize=True)
    for line in receipt.address:
        p.textln(line[:columns])
    p.set(align="left")
    p.textln("-" * columns)
    p.set(bold=True)
    p.textln(receipt.title[:columns])
    p.set(bold=False)
    if receipt.reference:
        p.textln(two_columns(receipt.printed_at, f"{labels.receipt} {receipt.reference}", columns))
    else:
        p.textln(receipt.printed_at[:columns])
    for label, value in receipt.lines:
        p.textln(two_columns(label, value, columns))
    if receipt.lines:
        p.textln("-" * columns)
    if receipt.points_earned:
        p.textln(two_columns(labels.points_earned, f"+{receipt.points_earned}", columns))
    if receipt.points_used:
        p.textln(two_columns(labels.points_used, f"-{receipt.points_used}", columns))
    if receipt.balance is not None:
        p.set(bold=True)
        p.textln(two_columns(labels.balance, str(receipt.balance), columns))
        p.set(bold=False)
    if receipt.expiring_points > 0 and receipt.expiring_from:
        p.textln(two_columns(f"{labels.expiring} {receipt.expiring_from}", str(receipt.expiring_points), columns))
    if receipt.reference_code:
        p.set(align="center")
        p.textln(f"{labels.refund_code} : {receipt.reference}"[:columns])
        p.qr(receipt.reference_code, size=REFERENCE_MODULE_DOTS, native=True)
        p.ln()
        p.set(align="left")
    if receipt.qr_url:
        p.set(align="center")
        p.ln()
        if receipt.qr_caption:
            p.textln(receipt.qr_caption[:columns])
        if native_qr:
            p.qr(receipt.qr_url, size=QR_MODULE_DOTS, native=True)
        else:
            with contextlib.redirect_stdout(io.StringIO()):  # python-escpos print()s a profile notice here
                p.qr(receipt.qr_url, size=QR_MODULE_DOTS, native=False)
        if native_qr:
            p.ln()
    if receipt.footer:
        p.set(align="center")
        p.textln(receipt.footer[:columns])
    if receipt.training:
        _training_band(p, labels.training, columns)
    p.cut()
    return p.output


def _plain_receipt(receipt: Receipt) -> Receipt:
    labels = receipt.labels
    return replace(
        receipt,
        shop_name=printable(receipt.shop_name),
        title=printable(receipt.title),
        printed_at=printable(receipt.printed_at),
        reference=printable(receipt.reference),
        address=tuple(printable(a) for a in receipt.address),
        expiring_from=printable(receipt.expiring_from),
        lines=tuple((printable(k), printable(v)) for k, v in receipt.lines),
        qr_caption=printable(receipt.qr_caption),
        footer=printable(receipt.footer),
        labels=ReceiptLabels(*(printable(getattr(labels, f.name)) for f in fields(labels))),
    )


def _training_band(p: Dummy, text: str, columns: int) -> None:
    p.set(align="center", bold=True, invert=True)
    p.textln(f" {text} "[:columns])
    p.set(bold=False, invert=False)
