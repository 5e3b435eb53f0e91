"""The self-service kiosk screen (blueprint `kiosk`): idle, balance, redeem with confirmation, registration.

The page is one shell (`/kiosk/`) whose `#screen` area is replaced by server-rendered fragments, so every
word goes through Flask-Babel. Card taps, removals and QR scans reach the page by Server-Sent Events.
Views are thin: they call `KioskScreen` (`app.extensions["kiosk.screen"]`) and render what it returns.
"""

from web.selfservice.views import bp, init_app

__all__ = ["bp", "init_app"]
