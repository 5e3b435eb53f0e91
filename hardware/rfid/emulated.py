"""An emulated MFRC522 board: the chip on an emulated SPI bus, its reset pin, and the package bound to both."""

from __future__ import annotations

from hardware.rfid.iso14443 import Card, card_for_uid
from hardware.rfid.lookalikes import EmulatedGpio, EmulatedSpiBus, load_mfrc522
from hardware.rfid.mfrc522_emulator import Mfrc522Emulator
from hardware.rfid.reader import Mfrc522Link


class EmulatedReaderBoard:
    """What the emulated mode wires up in place of /dev/spidevB.D and the GPIO header."""

    def __init__(self, bus: int = 0, device: int = 0, reset_pin: int = 25) -> None:
        self.bus, self.device, self.reset_pin = bus, device, reset_pin
        self.chip = Mfrc522Emulator()
        self.spi_bus = EmulatedSpiBus()
        self.spi_bus.attach(bus, device, self.chip)
        self.gpio = EmulatedGpio()
        self.gpio.connect(reset_pin, self.chip.set_reset_pin)
        self.package = load_mfrc522(self.gpio.module(), self.spi_bus.spidev_module())

    def open_link(self) -> Mfrc522Link:
        return Mfrc522Link(self.package, self.bus, self.device, self.reset_pin)

    def present(self, uid_hex: str) -> Card:
        """Put a card with this UID on the reader (taking off any card already there)."""
        card = card_for_uid(uid_hex)
        self.chip.remove()
        self.chip.present(card)
        return card

    def remove(self) -> None:
        self.chip.remove()

    def unplug(self) -> None:
        """The reader's cable is pulled: /dev/spidevB.D no longer leads to the chip."""
        self.spi_bus.detach(self.bus, self.device)

    def replug(self) -> None:
        self.spi_bus.attach(self.bus, self.device, self.chip)
