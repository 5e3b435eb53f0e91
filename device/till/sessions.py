"""Cashier sessions at the till: who is signed in, in which language, until they sign out or time out."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from loyalty.cashiers import Cashier


@dataclass(frozen=True)
class CashierSession:
    """One signed-in cashier; `token` is kept in the browser's session cookie."""

    token: str
    cashier: Cashier
    started: float
    last_seen: float


class CashierSessions:
    """Open sessions by token; a session unused for `timeout_s` seconds is gone."""

    def __init__(self, timeout_s: float, clock: Callable[[], float] = time.monotonic):
        self.timeout_s = timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, CashierSession] = {}
        self._latest: str | None = None

    def open(self, cashier: Cashier) -> CashierSession:
        now = self._clock()
        session = CashierSession(secrets.token_urlsafe(24), cashier, now, now)
        with self._lock:
            self._sessions[session.token] = session
            self._latest = session.token
        return session

    def current(self, token: str | None, touch: bool = True) -> CashierSession | None:
        """The live session for `token` (refreshed when `touch`), or None if unknown or timed out."""
        if not token:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.last_seen > self.timeout_s:
                del self._sessions[token]
                return None
            if touch:
                session = replace(session, last_seen=now)
                self._sessions[token] = session
                self._latest = token
            return session

    def active(self) -> CashierSession | None:
        """The session last used on this till: card taps are credited to its cashier."""
        with self._lock:
            token = self._latest
        return self.current(token, touch=False)

    def close(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)
            if self._latest == token:
                self._latest = None

    def update_cashier(self, cashier: Cashier) -> None:
        with self._lock:
            for token, session in list(self._sessions.items()):
                if session.cashier.cashier_id == cashier.cashier_id:
                    self._sessions[token] = replace(session, cashier=cashier)
