"""E-mail from the shopper's portal (one-time codes, voucher codes) through the SMTP server in central's settings.

With `smtp_host` empty (the demo), each message is written as an `.eml` file to `data_dir/mail-outbox/`
instead, so the codes can be read without a mail server.
"""

from __future__ import annotations

import logging
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from central.errors import MailUnavailable

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    """Hand one plain-text message to the SMTP server; MailUnavailable when it cannot be handed over."""
    settings = current_app.extensions["central.settings"]
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not settings.smtp_host:
        outbox = Path(settings.data_dir) / "mail-outbox"
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / f"{time.time_ns()}.eml").write_bytes(message.as_bytes())
        return
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("e-mail not sent: %s", type(exc).__name__)
        raise MailUnavailable(_("The e-mail could not be sent just now; try again in a few minutes.")) from None
