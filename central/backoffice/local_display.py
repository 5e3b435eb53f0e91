"""Times and decimals as a manager reads them: local time (this server's time zone) and the page's decimal mark.

Central stores UTC ISO timestamps; pages show them as 21/12/2026 14:05 in local time, never raw.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def local_time(stamp: object) -> str:
    """A stored timestamp (ISO, UTC when it names no zone) as local time DD/MM/YYYY HH:MM; '—' when empty."""
    if not stamp:
        return "—"
    try:
        moment = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%d/%m/%Y %H:%M")


def local_day(stamp: object) -> str:
    """The local day of a stored timestamp, DD/MM/YYYY; a calendar day (YYYY-MM-DD) as it is, with no zone."""
    if isinstance(stamp, str) and len(stamp) == 10:
        try:
            return date.fromisoformat(stamp).strftime("%d/%m/%Y")
        except ValueError:
            return stamp
    shown = local_time(stamp)
    return shown[:10] if shown != "—" and len(shown) >= 10 and shown[2] == "/" else shown


def decimal(value: float, decimal_mark: str, places: int = 1) -> str:
    """A number with `places` decimals and the page's decimal mark: 2,2 in French, 2.2 in English."""
    return f"{value:.{places}f}".replace(".", decimal_mark)
