"""The cashier's till: sign-in, earn on a tap, new customer capture, redeem, refund, undo, training, adoption."""

from kiosk.till.desk import Till

__all__ = ["Till"]
