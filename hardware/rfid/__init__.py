"""RFID reader: MFRC522 over SPI through the `mfrc522` package, its emulator and our poll loop."""
