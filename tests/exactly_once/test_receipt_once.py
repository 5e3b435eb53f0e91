"""A receipt is credited once: the POS sending it again (after a lost answer, or a crash) gets the first result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from device.store import Store
from loyalty.domain.events import PointsEarned
from tests.cli.conftest import write_config
from tests.factories import seed_store
from tests.spawned import tap_card, wait_answering

ROOT = Path(__file__).resolve().parents[2]
KNOWN = "A0000004"  # cust-00004, 40 points


def test_the_same_receipt_tapped_three_times_credits_once(till):
    first = None
    for _ in range(3):
        till.start_sale({"general": 2500}, receipt_ref="POS-0001", source="pos")
        answer = till.card_presented(KNOWN)
        first = first or answer
        assert answer["points"] == 25 and answer["customer"]["points"] == 65
    assert first.get("repeat") is None and answer["repeat"] is True
    earned = [e for e in till.store.pending() if isinstance(e, PointsEarned)]
    assert len(earned) == 1
    assert till.store.balance("cust-00004") == 65
    assert till.credited("POS-0001")["repeat"] is True and till.credited("POS-0002") is None


def _wait_up(port: int, server: subprocess.Popen) -> None:
    wait_answering(f"http://127.0.0.1:{port}/api/status", server)


def _serve(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _basket(base: str) -> dict:
    answer = httpx.post(
        f"{base}/api/till/basket", json={"lines": {"general": 2500}, "receipt_ref": "POS-7"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.slow
def test_a_receipt_sent_again_after_a_kill_9_of_the_service_credits_once(tmp_path):
    config = write_config(tmp_path / "kiosk.toml", tmp_path / "data")
    store = Store.open(tmp_path / "data" / "store", "till-9")
    seed_store(store, 5)
    store.close()
    env = {**os.environ, "KIOSK_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    port = int(config.read_text().split("port = ")[1].split()[0])
    base = f"http://127.0.0.1:{port}"
    server = _serve(env)
    try:
        _wait_up(port, server)
        assert _basket(base)["sale"]["receipt_ref"] == "POS-7"
        tap_card(base, KNOWN)
        for _ in range(2):  # the POS lost the answer and sends the receipt again
            again = _basket(base)
            assert again["repeat"] is True and again["sale"] is None and again["earned"]["points"] == 25
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        server = _serve(env)
        _wait_up(port, server)
        after = _basket(base)
        assert after["repeat"] is True and after["earned"]["points"] == 25
        assert after["earned"]["customer"]["points"] == 65
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    store = Store.open(tmp_path / "data" / "store", "till-9")
    try:
        assert len([e for e in store.pending() if isinstance(e, PointsEarned)]) == 1
        assert store.balance("cust-00004") == 65
    finally:
        store.close()


def test_registering_the_same_card_again_answers_the_first_customer(till):
    from loyalty.domain.events import CardLinked, CustomerRegistered

    till.start_sale({"general": 1000}, receipt_ref="POS-9", source="pos")
    till.card_presented("DEADBEEF")
    first = till.register("Zoé", consent=True)
    again = till.register("Zoé", consent=True, card_uid="DEADBEEF")  # the answer was lost; the screen sent it again
    assert again["repeat"] is True and again["customer"]["customer_id"] == first["customer"]["customer_id"]
    pending = till.store.pending()
    assert [type(e) for e in pending].count(CustomerRegistered) == 1
    assert [type(e) for e in pending].count(CardLinked) == 1
    assert [type(e) for e in pending].count(PointsEarned) == 1
