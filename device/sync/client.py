"""HTTP client for central's sync API (httpx); failures become SyncError children a person can read.

Network trouble, timeouts, 5xx and 429 are `SyncUnavailable` (retry later); 401 is `DeviceNotEnrolled`;
other refusals are `SyncRefused` carrying central's message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from loyalty.domain.events import Event, to_record
from loyalty.domain.rewards import IssuedVoucher
from loyalty.domain.snapshot import LookedUp, PulledBatch
from loyalty.errors import (
    CardBlocked,
    DeviceNotEnrolled,
    EnrolmentCodeRefused,
    KioskError,
    PhoneCodeReplayed,
    PushEventRefused,
    SyncRefused,
    SyncUnavailable,
    VoucherOutOfStock,
)
from loyalty.wire import batch_from_record, looked_up_from_record

log = logging.getLogger(__name__)

#: Central's refusals that mean something to the person at the device: its error name → our error, and words.
CENTRAL_REFUSALS: dict[str, tuple[type[KioskError], str]] = {
    "VoucherPoolEmpty": (VoucherOutOfStock, "this voucher is out of stock at central"),
    "EnrolmentRefused": (EnrolmentCodeRefused, "central refused the enrolment code"),
    "CardIsBlocked": (CardBlocked, "this card is blocked; ask the customer for another card"),
}


@dataclass(frozen=True)
class PushAnswer:
    """Ids central holds (the device drops exactly these), how many were new, and those flagged for review."""

    acknowledged: tuple[str, ...]
    inserted: int
    flagged: tuple[str, ...]
    seq_through: int | None
    #: Cards this device linked that central keeps with another customer (held for review).
    card_claims: tuple[str, ...] = ()


class CentralClient:
    """One device's connection to central; reuse it (keep-alive), close it when done."""

    def __init__(
        self, base_url: str, token: str | None, timeout_s: float = 10.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s, transport=transport
        )
        self.clock_skew_s: float | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def push(self, events: Sequence[Event]) -> PushAnswer:
        body = self._call("POST", "/api/sync/push", json={"events": [to_record(e) for e in events]})
        try:
            return PushAnswer(
                tuple(str(i) for i in body["acknowledged"]),
                int(body["inserted"]),
                tuple(str(i) for i in body.get("flagged", ())),
                body.get("seq_through"),
                tuple(str(uid) for uid in body.get("card_claims", ())),
            )
        except (KeyError, TypeError, ValueError):
            raise SyncUnavailable("central's answer to a push was incomplete; it will be sent again") from None

    def push_adoption(self, days: Sequence[dict[str, object]]) -> int:
        """Send the till's adoption figures per cashier per day (a day sent again replaces it); rows stored."""
        body = self._call("POST", "/api/sync/adoption", json={"days": list(days)})
        try:
            return int(body["stored"])
        except (KeyError, TypeError, ValueError):
            raise SyncUnavailable("central's answer to the adoption figures was incomplete") from None

    def push_training(self, progress: Sequence[dict[str, object]]) -> int:
        """Send the till's training progress per cashier per drill (a row sent again replaces it); rows stored."""
        body = self._call("POST", "/api/sync/training", json={"progress": list(progress)})
        try:
            return int(body["stored"])
        except (KeyError, TypeError, ValueError):
            raise SyncUnavailable("central's answer to the training progress was incomplete") from None

    def daily_summary(self, day: str, lang: str = "fr") -> str:
        """This store's day as plain text for the receipt printer, made by central."""
        body = self._call("GET", "/api/sync/daily-summary", params={"day": day, "lang": lang})
        text = body.get("text")
        if not isinstance(text, str):
            raise SyncUnavailable("central's daily summary was incomplete")
        return text

    def pull(self, cursor: int, limit: int) -> PulledBatch:
        body = self._call("GET", "/api/sync/pull", params={"cursor": cursor, "limit": limit})
        return batch_from_record(body)

    def issue_voucher(self, partner: str, customer_id: str, redemption_event_id: str) -> IssuedVoucher:
        """A partner voucher code for a redemption (online only; asking again gives the same code)."""
        body = self._call(
            "POST",
            "/api/vouchers/issue",
            json={"partner": partner, "customer_id": customer_id, "redemption_event_id": redemption_event_id},
        )
        return IssuedVoucher(body["partner"], body["code"], int(body["face_value_cents"]), body["redemption_event_id"])

    def accept_phone_code(self, payload: str) -> None:
        """Ask central to accept a scanned phone card code once in the whole chain; PhoneCodeReplayed if another
        device had it, SyncError when central cannot answer (the device's own rule then stands)."""
        self._call("POST", "/api/phonecard/accept", json={"code": payload})

    def receipt_earn(self, receipt_ref: str) -> dict | None:
        """The earn of a receipt credited at any till of this store, as central holds it, or None."""
        earn = self._call("GET", "/api/receipts", params={"ref": receipt_ref}).get("earn")
        return earn if isinstance(earn, dict) else None

    def card_customer(self, card_uid: str) -> LookedUp | None:
        """The customer holding a card of any store (they join this store's scope), None for a card no one holds;
        CardBlocked for a blocked card."""
        body = self._call("GET", f"/api/customers/by-card/{quote(card_uid, safe='')}", none_for=(404,))
        return None if body is None else looked_up_from_record(body)

    def customer_by_id(self, customer_id: str) -> LookedUp | None:
        """A customer chosen from a search (they join this store's scope), None if unknown or erased."""
        body = self._call("GET", f"/api/customers/{quote(customer_id, safe='')}", none_for=(404,))
        return None if body is None else looked_up_from_record(body)

    def search_customers(self, text: str) -> list[dict]:
        """At most ten customers of the whole chain matching a name, phone, e-mail or card number, masked."""
        found = self._call("GET", "/api/customers/search", params={"q": text}).get("customers")
        if not isinstance(found, list) or not all(isinstance(row, dict) for row in found):
            raise SyncUnavailable("central's search answer was incomplete")
        return found

    def device_state(self) -> dict:
        """What central holds of this device now: sequence gaps and low stocks (`GET /api/sync/device`)."""
        return self._call("GET", "/api/sync/device")

    def enrol(self, device_id: str, code: str, store_id: str | None = None) -> str:
        """Trade a one-time enrolment code for this device's token, naming the store the device stands in."""
        body = {"device_id": device_id, "code": code} | ({"store_id": store_id} if store_id else {})
        return str(self._call("POST", "/api/enrol", json=body)["token"])

    def _call(self, method: str, path: str, *, none_for: tuple[int, ...] = (), **kwargs: Any) -> dict:
        """Central's JSON answer; None (typed loosely) when its status is one of `none_for`. `kwargs`: httpx's
        request options."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise SyncUnavailable("central did not answer in time") from None
        except httpx.HTTPError as exc:
            raise SyncUnavailable(f"central could not be reached ({type(exc).__name__})") from None
        self._note_clock(response)
        if response.status_code in none_for:
            return None  # type: ignore[return-value]
        if response.status_code >= 500 or response.status_code == 429:
            raise SyncUnavailable(f"central is unavailable (HTTP {response.status_code}); retrying later")
        try:
            body = response.json()
        except ValueError:
            raise SyncUnavailable(f"central's answer (HTTP {response.status_code}) was not readable JSON") from None
        if response.status_code == 401:
            raise DeviceNotEnrolled(f"central refused this device: {body.get('message', 'not enrolled')}")
        if response.status_code == 409 and isinstance(body, dict) and body.get("error") == "PhoneCodeReplayed":
            raise PhoneCodeReplayed(str(body.get("message")))
        if response.status_code >= 400 and isinstance(body, dict) and isinstance(body.get("event_id"), str):
            raise PushEventRefused(
                f"central refused an event: {body.get('message', response.status_code)}", body["event_id"]
            )
        refusal = CENTRAL_REFUSALS.get(str(body.get("error"))) if 400 <= response.status_code < 500 else None
        if refusal is not None:
            raise refusal[0](f"{refusal[1]}: {body.get('message', '')}")
        if response.status_code >= 400:
            raise SyncRefused(f"central refused the request: {body.get('message', response.status_code)}")
        if not isinstance(body, dict):
            raise SyncUnavailable("central's answer was not a JSON object")
        return body

    def _note_clock(self, response: httpx.Response) -> None:
        """Estimate this device's clock offset from central's Date header (shown, never used for logic)."""
        date = response.headers.get("Date")
        if date:
            try:
                self.clock_skew_s = (datetime.now(UTC) - parsedate_to_datetime(date)).total_seconds()
            except (TypeError, ValueError):
                pass
