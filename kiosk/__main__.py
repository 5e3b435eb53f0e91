"""`python -m kiosk` is the same CLI as the `kiosk` command."""

from kiosk.cli import main

main()
