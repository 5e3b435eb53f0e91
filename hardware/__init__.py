"""Hardware layer: drivers for the reader, printer, LEDs/buzzer and scanner, with emulator twins."""
