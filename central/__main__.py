"""`python -m central ...` is the same CLI as `kiosk central ...`."""

from central.cli import central

central()
