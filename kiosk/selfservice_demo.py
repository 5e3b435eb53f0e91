"""A self-service kiosk on emulated hardware with an embedded central, fictional customers and rewards.

Used by the browser tests and `bench.kiosk`; everything lives in one temporary directory.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from central.embedded import RunningCentral, start_background
from central.ingest import ingest
from central.settings import CentralSettings
from central.transactions import in_transaction
from device.config import Config, parse_config
from device.sync.setup import build_worker, token_file
from kiosk.runner import WebServer
from loyalty import phonecard
from loyalty.domain.events import CardLinked, CustomerRegistered, PoolContributed, PoolJoined, new_event_id
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch, RewardState

#: Fictional shoppers: (card uid, customer id, first name, last name, points).
SHOPPERS = (
    ("A1B2C3D4", "demo-ana", "Ana", "Dupont", 140),
    ("B1B2C3D4", "demo-ben", "Ben", "Martin", 12),
    ("C1B2C3D4", "demo-cleo", "Cléo", None, 900),
)
REWARDS = (
    RewardState("coffee", "in_house", "Café offert", 30),
    RewardState("tote", "in_house", "Sac cabas", 120),
    RewardState("holiday-20", "partner_voucher", "Chèque vacances 20 €", 400, partner="holiday", face_value_cents=2000),
    RewardState("blender", "in_house", "Blender", 1500),
)
POOL = "famille-dupont"
PARTNER_CODES = "code,face_value_cents\nHOL-0001,2000\nHOL-0002,2000\n"


@dataclass
class DemoKiosk:
    config: Config
    service: object
    web: WebServer
    central: RunningCentral
    signing_key: object

    @property
    def url(self) -> str:
        return self.web.url + "kiosk/"

    @property
    def panel_url(self) -> str:
        return self.web.url + "panel/"

    @property
    def emulators(self):
        return self.service.devices.emulators


@contextlib.contextmanager
def demo_kiosk(tmp: Path, *, redeem_per_day: int = 2, idle_timeout_s: int = 30) -> Iterator[DemoKiosk]:
    from kiosk.service import KioskService
    from web import create_app

    key = phonecard.new_private_key()
    central = start_background(
        f"sqlite:///{tmp / 'central.db'}",
        admin_token="demo-admin",
        settings=CentralSettings(data_dir=str(tmp / "central")),
        phonecard_key=key,
    )
    try:
        config = parse_config(
            {
                "device": {"id": "kiosk-1", "role": "kiosk", "name": "Borne 1"},
                "paths": {"data_dir": str(tmp / "kiosk")},
                "hardware": {"mode": "emulated"},
                "central": {"url": central.url, "timeout_s": 5},
                "phonecard": {"public_key": phonecard.public_key_text(key)},
                "selfservice": {"redeem_per_day": redeem_per_day, "idle_timeout_s": idle_timeout_s},
            }
        )
        token_file(config).write(central.enrol_device("kiosk-1"))
        _seed_central(central)
        with KioskService.open(config, devices=True, sync=False) as service:
            # The worker's rounds would pull central's balances over the seeded ones, so it is built and never
            # started: its state says central answers, as a running kiosk's does (the shared online rule).
            service.sync = build_worker(config, service.store, reference=service.reference.apply)
            service.store.apply_batch(
                PulledBatch(
                    cursor=0,
                    customers=tuple(
                        CustomerState(cid, points, first, last) for _, cid, first, last, points in SHOPPERS
                    ),
                    cards=tuple(CardState(uid, cid) for uid, cid, *_ in SHOPPERS),
                )
            )
            app = create_app(service)
            app.extensions["kiosk.screen"].refresh_rewards()  # the catalogue central publishes
            app.extensions["kiosk.demo_cards"] = [{"uid": uid, "label": first} for uid, _, first, *_ in SHOPPERS]
            web = WebServer(app, "127.0.0.1", 0).start()
            try:
                yield DemoKiosk(config, service, web, central, key)
            finally:
                app.extensions["kiosk.screen"].close()  # ends the open event streams first
                web.close()
    finally:
        central.stop()
        central.engine.dispose()


def _seed_central(central: RunningCentral) -> None:
    events = []
    for uid, cid, first, last, _ in SHOPPERS:
        events += [
            CustomerRegistered(device_id="central", customer_id=cid, first_name=first, last_name=last),
            CardLinked(device_id="central", customer_id=cid, card_uid=uid),
        ]
    events += [
        PoolJoined(device_id="central", pool_id=POOL, customer_id="demo-ana", share_pct=50),
        PoolJoined(device_id="central", pool_id=POOL, customer_id="demo-ben", share_pct=100),
        PoolContributed(
            device_id="central", pool_id=POOL, customer_id="demo-ana", earn_event_id=new_event_id(), points=60
        ),
    ]
    in_transaction(central.engine, lambda c: ingest(c, events, None))
    client = central.app.test_client()
    admin = {"Authorization": "Bearer demo-admin"}
    client.post("/api/admin/partners/holiday/codes", data=PARTNER_CODES, content_type="text/csv", headers=admin)
    for reward in REWARDS:
        body = {k: v for k, v in reward.__dict__.items() if k != "reward_id" and v is not None}
        answer = client.put(f"/api/admin/catalogue/{reward.reward_id}", json=body, headers=admin)
        assert answer.status_code == 200, answer.json
