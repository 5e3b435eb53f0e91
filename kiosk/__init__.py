"""Loyalty kiosk: the till, self-service kiosk and back office of a shop's loyalty-card programme."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("loyalty-kiosk")  # set from git when the package was built (setuptools-scm)
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.0.0+unknown"
