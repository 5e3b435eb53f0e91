"""Receipt size and line time: native QR (GS ( k) against the same receipt with a raster QR image.

Run: python -m bench.receipt [--out FILE] [--quick]. The raster receipt is the baseline; the figure that
matters is how long the receipt takes on a 9600 baud serial line (8N1: 10 bits a byte).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hardware.config import ShopConfig
from hardware.printer.escpos_emulator import EscPosPrinter
from hardware.printer.receipt import Receipt, euros, render_receipt

BAUD = 9600
BITS_PER_BYTE = 10


def sample_receipt() -> Receipt:
    """A typical earn receipt with a profile-completion link, as the till prints it."""
    shop = ShopConfig(name="Ma Boutique", address=("12 rue des Lilas", "75011 Paris"), footer="Merci de votre visite !")
    return Receipt.for_shop(
        shop,
        receipt_id="R-20261123-0042",
        title="Achat - fidélité",
        printed_at="23/11/2026 14:05",
        lines=(("Montant du ticket", euros(4250)), ("Dont hygiène", euros(1290)), ("Carte", "****3F2A")),
        points_earned=48,
        balance=318,
        qr_url="https://fidelite.example.org/p/7KQ2M9XW4TZB",
        qr_caption="Complétez votre profil :",
    )


def seconds_on_line(size: int, baud: int = BAUD) -> float:
    return size * BITS_PER_BYTE / baud


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.receipt", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the native receipt's ESC/POS bytes to this file")
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds")
    args = parser.parse_args(argv)
    receipt = sample_receipt()
    rounds = 20 if args.quick else 200

    started = time.perf_counter()
    for _ in range(rounds):
        native = render_receipt(receipt)
    native_ms = (time.perf_counter() - started) * 1000 / rounds
    started = time.perf_counter()
    for _ in range(max(1, rounds // 10)):
        raster = render_receipt(receipt, native_qr=False)
    raster_ms = (time.perf_counter() - started) * 1000 / max(1, rounds // 10)

    printer = EscPosPrinter()  # check that the bytes print as one complete receipt with its QR code
    printer.feed(native)
    assert printer.receipts and printer.receipts[0].complete and printer.receipts[0].qr_codes

    if args.out:
        args.out.write_bytes(native)
    result = {
        "native_bytes": len(native),
        "raster_bytes": len(raster),
        "ratio": round(len(raster) / len(native), 2),
        "seconds_at_9600": round(seconds_on_line(len(native)), 3),
        "raster_seconds_at_9600": round(seconds_on_line(len(raster)), 3),
        "native_render_ms": round(native_ms, 3),
        "raster_render_ms": round(raster_ms, 3),
    }
    print(f"{'receipt':<22}{'bytes':>8}{'s @9600':>10}{'render ms':>11}")
    print(f"{'native QR (GS ( k)':<22}{len(native):>8}{result['seconds_at_9600']:>10.3f}{native_ms:>11.3f}")
    print(f"{'raster QR (baseline)':<22}{len(raster):>8}{result['raster_seconds_at_9600']:>10.3f}{raster_ms:>11.3f}")
    print(f"ratio raster/native: {result['ratio']}   target: native <= 1200 bytes, ratio >= 5")
    if args.out:
        print(f"native receipt written to {args.out}")
    print("RESULT " + json.dumps(result, sort_keys=True))
    return result


if __name__ == "__main__":
    main()
