"""A local SMTP server (aiosmtpd) that keeps every message, for tests that read what central e-mailed."""

from __future__ import annotations

import email
import socket
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from tests.waiting import Signal


class Sink:
    """Messages received, newest last."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._arrived = Signal()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content))
        self._arrived.changed()
        return "250 OK"

    def wait_for(self, count: int, seconds: float = 10.0) -> Message:
        """The `count`-th message, once it arrived (woken by its arrival)."""
        self._arrived.wait_for(
            lambda: len(self.messages) >= count, seconds, what=f"e-mail number {count} did not arrive at the SMTP sink"
        )
        return self.messages[count - 1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink():
    """(sink, port): a running SMTP server on 127.0.0.1, stopped after the test."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()
