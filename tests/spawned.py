"""Waiting for a server the test started as a process of its own (`kiosk serve`, `central serve`)."""

from __future__ import annotations

import subprocess
import time

import httpx


def wait_answering(url: str, process: subprocess.Popen, within_s: float = 30.0, *,
                   ok_only: bool = True) -> httpx.Response:
    """The first answer of `url` (a 2xx one unless `ok_only` is off), polled while `process` starts.

    Fails at once with the process's error output if it ends, and after `within_s` if nothing answered.
    """
    deadline = time.monotonic() + within_s
    while True:
        try:
            response = httpx.get(url, timeout=2, follow_redirects=True)
            if ok_only:
                response.raise_for_status()
            return response
        except httpx.HTTPError:
            if process.poll() is not None:
                said = process.stderr.read() if process.stderr else ""
                raise AssertionError(f"the server ended (exit {process.returncode}) before answering: {said}")
            assert time.monotonic() < deadline, f"{url} did not answer within {within_s} s"
            time.sleep(0.1)
