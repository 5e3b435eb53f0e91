"""The ground of the loyalty programme: errors, domain, wire and code formats; imports nothing else of ours."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("loyalty-kiosk")  # set from git when the package was built (setuptools-scm)
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.0.0+unknown"
