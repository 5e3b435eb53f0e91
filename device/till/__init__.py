"""The cashier's till: sign-in, earn on a tap, new customer capture, redeem, refund, undo, training, adoption."""

from device.till.desk import Till

__all__ = ["Till"]
