"""Receipt layout: byte-exact golden receipts, hand-checked ESC/POS fragments, and the emulator's reading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hardware.printer.escpos_emulator import EscPosPrinter
from hardware.printer.receipt import ReceiptLabels, euros, render_receipt, two_columns
from tests.hardware.receipts import QR_URL, earn_receipt

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "earn": earn_receipt(),
    "redeem_training": earn_receipt(
        title="Cadeau",
        points_earned=0,
        points_used=200,
        balance=118,
        training=True,
        qr_url="https://fidelite.example.org/c/9F3A",
    ),
    "english_no_qr": earn_receipt(labels=ReceiptLabels.english(), qr_url="", lines=()),
    "earn_expiry": earn_receipt(expiring_points=120, expiring_from="15/01/2027"),
    "earn_refund_code": earn_receipt(receipt_id="6f1c0d2e-event-id", reference_code="LR1.R-000123"),
    "english_expiry_no_qr": earn_receipt(
        labels=ReceiptLabels.english(), qr_url="", lines=(), expiring_points=7, expiring_from="02/02/2027"
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_bytes(name):
    data = render_receipt(CASES[name])
    path = GOLDEN / f"{name}.bin"
    if os.environ.get("KIOSK_WRITE_GOLDEN"):
        path.write_bytes(data)
    assert data == path.read_bytes()


def test_hand_checked_escpos_fragments():
    data = render_receipt(earn_receipt())
    assert data.startswith(b"\x1b@")  # ESC @: initialise
    assert b"\x1bt\x13" in data  # ESC t 19: code page CP858
    assert b"42,50 \xd5\n" in data  # the euro sign is 0xD5 in CP858
    url = QR_URL.encode()
    store = b"\x1d(k" + bytes((len(url) + 3, 0)) + b"1P0" + url  # GS ( k: store QR data
    assert store in data
    assert b"\x1d(k\x03\x001Q0" in data  # GS ( k: print the stored QR
    assert b"\x1d(k\x03\x001C\x06" in data  # module size 6 dots
    assert data.endswith(b"\x1bd\x06\x1dV\x00")  # feed 6 lines, full cut
    assert len(data) <= 1200


def test_emulator_reads_what_was_laid_out():
    printer = EscPosPrinter()
    assert printer.feed(render_receipt(earn_receipt(training=True))) == b""
    (receipt,) = printer.receipts
    assert receipt.complete and receipt.qr_codes == (QR_URL,)
    lines = receipt.text.splitlines()
    assert "TRAINING - SANS VALEUR" in lines[0] and "TRAINING - SANS VALEUR" in lines[-1]
    assert "Montant du ticket                  42,50 €" in lines
    assert "Points gagnés                          +48" in lines
    assert "Nouveau solde                          318" in lines
    assert any(line.strip() == "Merci de votre visite !" for line in lines)


def test_expiry_notice_is_one_line_under_the_balance_and_only_when_points_expire():
    printer = EscPosPrinter()
    printer.feed(render_receipt(earn_receipt(expiring_points=120, expiring_from="15/01/2027")))
    lines = printer.receipts[0].text.splitlines()
    at = lines.index("Nouveau solde                          318")
    assert lines[at + 1] == "Expirent à partir du 15/01/2027        120"
    assert len(render_receipt(earn_receipt(expiring_points=120, expiring_from="15/01/2027"))) <= 1200
    for quiet in (
        earn_receipt(),
        earn_receipt(expiring_points=0, expiring_from="15/01/2027"),
        earn_receipt(expiring_points=5, expiring_from=""),
    ):
        assert render_receipt(quiet) == render_receipt(earn_receipt())


def test_raster_qr_is_much_bigger():
    native = render_receipt(earn_receipt())
    raster = render_receipt(earn_receipt(), native_qr=False)
    assert b"\x1dv0" in raster and b"(k" not in raster
    assert len(raster) >= 5 * len(native)


def test_helpers():
    assert euros(4250) == "42,50 €" and euros(5) == "0,05 €" and euros(-120) == "-1,20 €"
    assert two_columns("Label", "12", 10) == "Label   12"
    assert two_columns("A very long label", "12", 10) == "A very  12"


def test_receipt_benchmark_meets_its_size_targets(tmp_path, capsys):
    from bench.receipt import main

    result = main(["--quick", "--out", str(tmp_path / "r.bin")])
    assert result["native_bytes"] <= 1200 and result["ratio"] >= 5
    assert (tmp_path / "r.bin").stat().st_size == result["native_bytes"]
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("RESULT {") and '"seconds_at_9600"' in last


def test_typographic_characters_are_printed_plain():
    data = render_receipt(earn_receipt(title="Cœur — “promo”", footer="Merci\u202f!"))
    assert b'Coeur - "promo"\n' in data and b"Merci !\n" in data
    assert b"?" not in data.split(b"\x1d(k")[0]  # nothing unprintable before the QR code


def test_one_receipt_number_printed_the_one_a_refund_takes_with_its_code():
    printer = EscPosPrinter()
    printer.feed(render_receipt(earn_receipt(receipt_id="6f1c0d2e-event-id", reference_code="LR1.R-000123")))
    (receipt,) = printer.receipts
    assert "6f1c0d2e" not in receipt.text  # the print job's id is never printed
    lines = [line.strip() for line in receipt.text.splitlines()]
    assert [line for line in lines if "R-000123" in line and not line.startswith("[QR")] == [
        "23/11/2026 14:05           Ticket R-000123",
        "Pour un remboursement : R-000123",
    ]
    assert receipt.qr_codes == ("LR1.R-000123", QR_URL)
    assert len(render_receipt(earn_receipt(reference_code="LR1.R-000123"))) <= 1200
