"""The `kiosk` command's client for the running service's local web API (`/api/status`, `/api/ops/...`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx

from device.config import Config
from loyalty.errors import ServiceNotAnswering

RESTART = "sudo systemctl restart kiosk (then look at: kiosk logs -n 50)"
NOT_ANSWERING = "the service is not answering: sudo systemctl restart kiosk"
#: A running service answers its status in milliseconds; a frozen or stuck one never does. Every command
#: asks within this deadline first, so none hangs on a service that holds its lock but does not answer.
DEADLINE_S = 3.0


class ServiceClient:
    """Talks to the service on this machine at web.port (always by the loopback address)."""

    def __init__(self, config: Config, timeout_s: float = DEADLINE_S) -> None:
        host = config.web.host
        if host in ("0.0.0.0", "::", "", "localhost"):
            host = "127.0.0.1"
        self.base_url = f"http://{host}:{config.web.port}"
        self.timeout_s = timeout_s

    def _request(self, method: str, path: str, timeout_s: float | None = None, **kwargs) -> httpx.Response:
        headers = {"X-Kiosk-Ops": "1"} if method == "POST" else {}
        deadline = timeout_s or self.timeout_s
        try:
            response = httpx.request(method, self.base_url + path, headers=headers, timeout=deadline, **kwargs)
        except httpx.HTTPError as exc:
            raise ServiceNotAnswering(
                f"{NOT_ANSWERING} (it holds its lock, but its web API at {self.base_url} "
                f"did not answer {path} within {deadline:g} s: {type(exc).__name__}; then "
                "look at: kiosk logs -n 50)"
            ) from None
        if response.status_code >= 400:
            raise ServiceNotAnswering(
                f"the kiosk service answered {path} with HTTP {response.status_code}: "
                f"{_message(response)}; if it persists: {RESTART}"
            )
        return response

    def status(self) -> dict:
        return self._request("GET", "/api/status").json()

    def answering(self) -> None:
        """ServiceNotAnswering unless the service answers its status within the short deadline."""
        self._request("GET", "/api/status", timeout_s=DEADLINE_S)

    def backup(self) -> bytes:
        self.answering()  # a long copy is allowed only to a service that answers
        return self._request("GET", "/api/ops/backup", timeout_s=120).content

    def sync_now(self) -> dict:
        return self._request("POST", "/api/ops/sync").json()

    def test_print(self, wait_s: float = 30.0) -> dict:
        self.answering()
        return self._request("POST", f"/api/ops/test-print?wait={wait_s:g}", timeout_s=wait_s + 10).json()

    def events(self) -> Iterator[tuple[str, dict]]:
        """(kind, data) of the device events the service publishes (and "keepalive" each second of silence)."""
        self.answering()
        try:
            with httpx.stream(
                "GET", self.base_url + "/api/ops/events", timeout=httpx.Timeout(self.timeout_s, read=None)
            ) as response:
                if response.status_code >= 400:
                    raise ServiceNotAnswering(
                        f"the kiosk service refused the event stream (HTTP {response.status_code}): {RESTART}"
                    )
                kind = "message"
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith(":"):
                        yield "keepalive", {}
                    elif line.startswith("data: "):
                        yield kind, json.loads(line[6:])
                        kind = "message"
        except httpx.HTTPError as exc:
            raise ServiceNotAnswering(
                f"the kiosk service's event stream at {self.base_url} failed ({type(exc).__name__}): {RESTART}"
            ) from None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)[:200]
    return str(body)[:200]
