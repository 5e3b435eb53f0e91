"""Waiting for a server the test started as a process of its own (`kiosk serve`, `central serve`)."""

from __future__ import annotations

import re
import subprocess

import httpx

from tests.waiting import wait_until


def wait_answering(
    url: str, process: subprocess.Popen, within_s: float = 30.0, *, ok_only: bool = True
) -> httpx.Response:
    """The first answer of `url` (a 2xx one unless `ok_only` is off), asked again while `process` starts.

    Fails at once with the process's error output if it ends, and after `within_s` if nothing answered.
    """

    def answer() -> httpx.Response | None:
        try:
            response = httpx.get(url, timeout=2, follow_redirects=True)
            if ok_only:
                response.raise_for_status()
            return response
        except httpx.HTTPError:
            if process.poll() is not None:
                said = process.stderr.read() if process.stderr else ""
                raise AssertionError(f"the server ended (exit {process.returncode}) before answering: {said}") from None
            return None

    return wait_until(answer, within_s, every_s=0.1, what=f"{url} did not answer")


def tap_card(base: str, uid: str, within_s: float = 15.0) -> None:
    """Hold card `uid` on a spawned service's emulated reader (through its panel) until the sale waiting for a
    card is credited and its receipt is in the print journal, then take the card off."""
    with httpx.Client(base_url=base, timeout=10) as web:
        token = re.search(r'data-csrf="([^"]*)"', web.get("/panel/").text).group(1)
        pending = web.get("/api/status").json()["pending"]
        jobs = len(web.get("/panel/state").json()["jobs"])
        web.post("/panel/card", json={"uid": uid}, headers={"X-CSRFToken": token}).raise_for_status()
        wait_until(
            lambda: web.get("/api/status").json()["pending"] > pending,
            within_s,
            every_s=0.1,
            what="the tap was not credited",
        )
        wait_until(
            lambda: len(web.get("/panel/state").json()["jobs"]) > jobs,
            within_s,
            every_s=0.1,
            what="no receipt went to the printer",
        )
        web.post("/panel/card/remove", headers={"X-CSRFToken": token}).raise_for_status()
