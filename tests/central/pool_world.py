"""A small world for pool tests: customers and pools set at central, a real till that pulled them, pushes back.

The till is the real `Till` over a real `Store`; it pulls and pushes through central's own sync API (the test
client), so what central folds is exactly what the till recorded.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from central import pools as central_pools
from central.embedded import enrol_device
from device.bus import EventBus
from device.config import parse_config
from device.store import Store
from device.till import Till
from loyalty.domain.events import CardLinked, CustomerRegistered, PoolJoined, to_record
from loyalty.domain.ledger import Ledger
from loyalty.wire import batch_from_record


class PoolWorld:
    """Customers with cards, their pool memberships at central, and tills that pull them."""

    def __init__(self, client, engine, tmp: Path) -> None:
        self.client, self.engine, self.tmp = client, engine, tmp
        self.run = uuid.uuid4().hex[:8]
        self.tills: list[Till] = []
        self.stores: list[Store] = []
        self.headers: dict[str, dict] = {}
        self.setup_events: list = []
        self._setup_seq = 0
        self._setup = self._enrol(f"setup-{self.run}")

    def _enrol(self, device_id: str) -> str:
        self.headers[device_id] = {"Authorization": f"Bearer {enrol_device(self.engine, device_id)}"}
        return device_id

    def name(self, short: str) -> str:
        return f"{short}-{self.run}"

    def card(self, customer: str) -> str:
        return f"C{uuid.uuid5(uuid.NAMESPACE_OID, customer).hex[:7].upper()}"

    def customers(self, *shorts: str) -> list[str]:
        made = []
        for short in shorts:
            cid = self.name(short)
            for event in (
                CustomerRegistered(device_id=self._setup, customer_id=cid, first_name=short.title()),
                CardLinked(device_id=self._setup, customer_id=cid, card_uid=self.card(cid)),
            ):
                self._setup_seq += 1
                event = type(event)(**{**event.__dict__, "seq": self._setup_seq})
                self.setup_events.append(event)
                self.push(self._setup, [event])
            made.append(cid)
        return made

    def member(self, pool: str, customer_id: str, share: int) -> None:
        with self.engine.begin() as connection:
            central_pools.set_member(connection, pool, customer_id, share, "head-office")

    def till(
        self,
        short: str = "till",
        *,
        central: dict | None = None,
        sync_state: dict | None = None,
        vouchers: bool = False,
    ) -> Till:
        device_id = self._enrol(self.name(short))
        data = self.tmp / device_id
        config = parse_config(
            {
                "device": {"id": device_id, "role": "till", "name": "Caisse"},
                "paths": {"data_dir": str(data)},
                "hardware": {"mode": "emulated"},
                **({"central": central} if central else {}),
            }
        )
        store = Store.open(data / "store", device_id)
        state = sync_state if sync_state is not None else {"state": "idle"}
        till = Till(
            config,
            store,
            EventBus(),
            sync_state=lambda: state,
            voucher_issuer=self.issuer(device_id) if vouchers else None,
        )
        till.sessions.open(till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice"))
        self.tills.append(till)
        self.pull(till)
        return till

    def kiosk_store(self, short: str = "kiosk") -> Store:
        """A self-service kiosk's store, enrolled and pulled like a till's."""
        device_id = self._enrol(self.name(short))
        store = Store.open(self.tmp / device_id / "store", device_id)
        self.stores.append(store)
        self.pull_store(store)
        return store

    def issuer(self, device_id: str):
        """The till's voucher issuer, asking central's own API with the device's token."""
        from loyalty.domain.rewards import IssuedVoucher

        def issue(partner: str, customer_id: str, redemption_id: str) -> IssuedVoucher:
            response = self.client.post(
                "/api/vouchers/issue",
                headers=self.headers[device_id],
                json={"partner": partner, "customer_id": customer_id, "redemption_event_id": redemption_id},
            )
            assert response.status_code == 200, response.json
            body = response.json
            return IssuedVoucher(body["partner"], body["code"], body["face_value_cents"], redemption_id)

        return issue

    def pull(self, till: Till) -> None:
        self.pull_store(till.live_store)

    def pull_store(self, store: Store) -> None:
        cursor = store.cursor
        while True:
            response = self.client.get(
                f"/api/sync/pull?cursor={cursor}&limit=500", headers=self.headers[store.device_id]
            )
            assert response.status_code == 200, response.json
            batch = batch_from_record(response.json)
            store.apply_batch(batch)
            cursor = batch.cursor
            if not response.json["more"]:
                return

    def push(self, device_id: str, events) -> None:
        response = self.client.post(
            "/api/sync/push", json={"events": [to_record(e) for e in events]}, headers=self.headers[device_id]
        )
        assert response.status_code == 200, response.json

    def sync(self, till) -> None:
        """Push what the till (or a kiosk's store) recorded, then pull: what a sync round does."""
        store = till if isinstance(till, Store) else till.live_store
        pending = store.pending()
        if pending:
            self.push(store.device_id, pending)
            store.acknowledge(e.event_id for e in pending)
        self.pull_store(store)

    def reference(self, memberships: dict[str, tuple[str, int]], *tills: Till, events=()) -> Ledger:
        """The reference fold: memberships as set at central, then every event the tills recorded."""
        ledger = Ledger()
        for cid, (pool, share) in memberships.items():
            ledger.apply(PoolJoined(device_id="central", pool_id=pool, customer_id=cid, share_pct=share))
        for event in events:
            ledger.apply(event)
        for till in tills:
            for event in till.live_store.pending():
                ledger.apply(event)
        return ledger

    def central_points(self, customer_id: str) -> int:
        from sqlalchemy import select

        from central.schema import customers

        with self.engine.connect() as connection:
            return connection.execute(
                select(customers.c.points).where(customers.c.customer_id == customer_id)
            ).scalar_one()

    def central_pool(self, pool: str) -> int:
        with self.engine.connect() as connection:
            return central_pools.pool_state(connection, pool).points

    def close(self) -> None:
        for till in self.tills:
            till.close()
            till.live_store.close()
        for store in self.stores:
            store.close()
