"""Sample receipts shared by the printer tests and the receipt benchmark's check."""

from hardware.config import ShopConfig
from hardware.printer.receipt import Receipt, euros

SHOP = ShopConfig(name="Ma Boutique", address=("12 rue des Lilas", "75011 Paris"), footer="Merci de votre visite !")
QR_URL = "https://fidelite.example.org/p/7KQ2M9XW4TZB"


def earn_receipt(**changes) -> Receipt:
    fields = dict(
        receipt_id="R-000123",
        reference="R-000123",
        title="Achat - fidélité",
        printed_at="23/11/2026 14:05",
        lines=(("Montant du ticket", euros(4250)), ("Dont hygiène", euros(1290))),
        points_earned=48,
        balance=318,
        qr_url=QR_URL,
        qr_caption="Complétez votre profil :",
    )
    fields.update(changes)
    return Receipt.for_shop(SHOP, **fields)
