"""A TCP proxy on loopback that delays, drops and cuts connections mid-response, to test sync under faults."""

from __future__ import annotations

import random
import socket
import threading
import time


class FaultProxy:
    """Forwards 127.0.0.1:`port` to an upstream; each request seen on a connection draws one fault.

    - delay: the request and its answer wait `delay_s` per chunk;
    - drop: the request reaches central but its answer is thrown away and the connection closed;
    - cut: the answer is forwarded up to a random byte, then the connection is closed.
    """

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        seed: int,
        delay: float = 0.1,
        drop: float = 0.1,
        cut: float = 0.1,
        delay_s: float = 0.02,
    ) -> None:
        self._upstream = upstream
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._odds = (delay, drop, cut)
        self._delay_s = delay_s
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self.faults = {"clean": 0, "delay": 0, "drop": 0, "cut": 0}
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        self._thread.join(timeout=2)

    def _draw(self) -> tuple[str, int | None]:
        with self._rng_lock:
            roll = self._rng.random()
            budget = self._rng.randrange(0, 600)
        delay, drop, cut = self._odds
        fault = (
            "delay"
            if roll < delay
            else "drop"
            if roll < delay + drop
            else "cut"
            if roll < delay + drop + cut
            else "clean"
        )
        self.faults[fault] += 1
        return fault, budget if fault == "cut" else None

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._upstream, timeout=10)
            except OSError:
                client.close()
                continue
            state = {"draw": ["clean", None]}
            threading.Thread(target=self._requests, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._answers, args=(upstream, client, state), daemon=True).start()

    def _requests(self, client: socket.socket, upstream: socket.socket, state: dict) -> None:
        try:
            while data := client.recv(65536):
                if data[:4] in (b"GET ", b"POST"):  # a new request: draw its fault
                    state["draw"] = list(self._draw())
                if state["draw"][0] == "delay":
                    time.sleep(self._delay_s)  # the injected fault: a slow network
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            _close(client, upstream)

    def _answers(self, upstream: socket.socket, client: socket.socket, state: dict) -> None:
        try:
            while data := upstream.recv(65536):
                draw = state["draw"]  # [fault, bytes left]: one object per request
                fault = draw[0]
                if fault == "drop":
                    break
                if fault == "delay":
                    time.sleep(self._delay_s)  # the injected fault: a slow network
                if fault == "cut":
                    client.sendall(data[: draw[1]])
                    draw[1] -= len(data)
                    if draw[1] <= 0:
                        break
                    continue
                client.sendall(data)
        except OSError:
            pass
        finally:
            _close(client, upstream)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
