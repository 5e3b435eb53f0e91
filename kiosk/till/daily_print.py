"""The store's daily summary, made by central, printed on the till's receipt printer (managers only)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date

from escpos.printer import Dummy

from kiosk.errors import InvalidAmount, NotForThisRole, PrinterError

log = logging.getLogger(__name__)

#: (day YYYY-MM-DD, lang) -> the summary's plain text (`CentralClient.daily_summary`).
SummarySource = Callable[[str, str], str]


def summary_bytes(text: str) -> bytes:
    """ESC/POS bytes of a plain text receipt: the lines as they are, then a feed and a cut."""
    from hardware.printer.receipt import CODE_PAGE, printable

    p = Dummy()
    p.hw("INIT")
    p.charcode(CODE_PAGE)
    for line in printable(text).splitlines():
        p.textln(line)
    p.ln(2)
    p.cut()
    return p.output


def print_daily_summary(devices, source: SummarySource | None, role: str, day: str, lang: str = "fr") -> str:
    """Fetch the day's summary for this store from central and queue it on the printer; returns the job id."""
    if role != "manager":
        raise NotForThisRole("the daily summary is for managers")
    try:
        date.fromisoformat(day)
    except ValueError:
        raise InvalidAmount("the day must be a date YYYY-MM-DD") from None
    if source is None:
        raise PrinterError("the daily summary comes from central, and this till has no central connection")
    if devices is None:
        raise PrinterError("this till has no receipt printer")
    from hardware.printer.worker import PrintJob

    text = source(day, lang)  # SyncError children say why central could not give it
    job_id = devices.print(PrintJob(f"daily-{day}-{uuid.uuid4().hex[:8]}", summary_bytes(text)))
    log.info("daily summary for %s queued as job %s", day, job_id)
    return job_id
