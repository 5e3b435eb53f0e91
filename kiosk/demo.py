"""`kiosk demo`: the whole product on one machine — central embedded, emulated hardware, fictional people."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from device.config import Config, parse_config
from kiosk.runner import serve
from kiosk.service import KioskService

logger = logging.getLogger(__name__)

DEVICE_ID = "demo-till-1"
KIOSK_ID = "demo-kiosk-1"
#: Back-office sign-ins for the demo only: head office (every store), and the demo store's manager, tied to
#: the demo till and kiosk (a store is a device in the back office).
DEMO_MANAGER = ("chef", "demo-manager-2026")
DEMO_STORE_MANAGER = ("gerant", "demo-gerant-2026")
#: The demo's central opens its admin API (scripts, card batch files) when this variable holds a token.
ADMIN_TOKEN_VARIABLE = "CENTRAL_ADMIN_TOKEN"


def demo_config(
    data_dir: Path, host: str, port: int, central_url: str, phone_key: str = "", role: str = "till"
) -> Config:
    device_id, name = (DEVICE_ID, "Caisse démo") if role == "till" else (KIOSK_ID, "Borne démo")
    return parse_config(
        {
            "device": {"id": device_id, "role": role, "store_id": "demo-store", "name": name},
            "paths": {"data_dir": str(data_dir.resolve())},
            "hardware": {"mode": "emulated"},
            "web": {"host": host, "port": port},
            "central": {"url": central_url, "interval_s": 5},
            "till": {"profile_url": central_url.rstrip("/") + "/portal/p/"},  # the receipt QR opens central's portal
            "phonecard": {"public_key": phone_key},
            "shop": {"name": "Boutique Démo", "address": ["1 place de la Démo", "00000 Exemple"]},
            "earning": {"categories": {"general": 100, "hygiene": 150, "bulk": 50}},
        }
    )


def start_central(data_dir: Path, customers: int, host: str = "127.0.0.1", port: int = 0):
    """Central with its SQLite file and phone card key in the demo folder, seeded once, with a demo manager."""
    from central.backoffice.accounts import create_user, find_user
    from central.demo import seed, seed_cards_and_pool, seed_catalogue, seed_demo_cards, seed_loyalty_terms
    from central.embedded import start_background
    from central.settings import CentralSettings
    from central.transactions import in_transaction

    data_dir.mkdir(parents=True, exist_ok=True)
    central = start_background(
        f"sqlite:///{(data_dir / 'central.db').resolve()}",
        host=host,
        port=port,
        settings=CentralSettings(
            data_dir=str(data_dir.resolve()), smtp_host="", admin_token=os.environ.get(ADMIN_TOKEN_VARIABLE, "")
        ),
    )
    seed(central.engine, customers)  # same fixed ids every time: seeding again changes nothing
    seed_demo_cards(central.engine)
    seed_catalogue(central.engine)
    seed_loyalty_terms(central.engine)
    seed_cards_and_pool(central.engine)
    user, password = DEMO_MANAGER
    if in_transaction(central.engine, lambda c: find_user(c, user)) is None:
        in_transaction(central.engine, lambda c: create_user(c, user, "head_office", password))
    return central


def add_store_manager(central) -> None:
    """The demo store's manager, tied to the demo till and kiosk once they are enrolled (made once)."""
    from central.backoffice.accounts import create_user, find_user
    from central.backoffice.store_assignments import set_stores
    from central.transactions import in_transaction

    user, password = DEMO_STORE_MANAGER

    def work(connection) -> None:
        if find_user(connection, user) is None:
            create_user(connection, user, "manager", password)
            set_stores(connection, DEMO_MANAGER[0], user, (DEVICE_ID, KIOSK_ID))

    in_transaction(central.engine, work)


def phone_card_key(central) -> str:
    """Central's public key for phone card codes, fetched as a device installer would."""
    import httpx

    return httpx.get(central.url + "/api/phonecard/public-key", timeout=10).raise_for_status().json()["public_key"]


def enrol_if_needed(config: Config, central) -> None:
    from device.sync.setup import token_file

    tokens = token_file(config)
    if tokens.read() is None:
        tokens.write(central.enrol_device(config.device.id, config.device.name, config.device.store_id))


#: Demo cashiers only (documented PINs): (id, name, role, PIN, language).
DEMO_CASHIERS = (
    ("alice", "Alice", "cashier", "1234", "fr"),
    ("marc", "Marc", "manager", "5678", "fr"),
    ("theo", "Théo", "technician", "2468", "en"),
)


def add_demo_cashiers(service: KioskService) -> None:
    """Alice 1234 (cashier), Marc 5678 (manager), Théo 2468 (technician), once."""
    book = service.till.cashiers
    for cashier_id, name, role, pin, language in DEMO_CASHIERS:
        if book.get(cashier_id) is None:
            book.add(name, role, pin, language=language, cashier_id=cashier_id)


def run_demo(data_dir: Path, host: str, port: int, customers: int) -> None:
    """Central on port+2, the till on `port`, a self-service kiosk on port+1, until Ctrl-C."""
    from central.demo import DEMO_CARDS
    from kiosk.runner import WebServer
    from web import create_app

    with start_central(data_dir, customers, host, port + 2) as central:
        key = phone_card_key(central)
        till_config = demo_config(data_dir, host, port, central.url, key)
        kiosk_config = demo_config(data_dir / "kiosk", host, port + 1, central.url, key, role="kiosk")
        for config in (till_config, kiosk_config):
            enrol_if_needed(config, central)
        add_store_manager(central)
        with KioskService.open(till_config) as till, KioskService.open(kiosk_config) as kiosk:
            for service in (till, kiosk):
                service.sync.sync_once()  # both open with the customers already pulled
            add_demo_cashiers(till)
            cards = {"kiosk.demo_cards": list(DEMO_CARDS)}
            kiosk_app = create_app(kiosk)
            kiosk_app.extensions.update(cards)
            kiosk_server = WebServer(kiosk_app, host, port + 1).start()
            user, password = DEMO_MANAGER
            store_user, store_password = DEMO_STORE_MANAGER
            click.echo("Demo running, hardware emulated, fictional customers (Ctrl-C stops):")
            click.echo(
                f"  till:         http://{host}:{port}/  (PINs: Alice 1234 cashier, Marc 5678 manager, "
                "Théo 2468 technician)"
            )
            click.echo(f"  self-service: http://{host}:{port + 1}/kiosk/")
            click.echo(
                f"  back office:  {central.url}/backoffice  (head office: {user} / {password}; "
                f"the demo store's manager: {store_user} / {store_password})"
            )
            click.echo(
                f"  hardware panels: http://{host}:{port}/panel/ (till) and http://{host}:{port + 1}/panel/ (kiosk)"
            )
            if os.environ.get(ADMIN_TOKEN_VARIABLE):
                click.echo(f"  admin API:    {central.url}/api/admin/  (Authorization: Bearer ${ADMIN_TOKEN_VARIABLE})")
            else:
                click.echo(f"  admin API:    closed; set {ADMIN_TOKEN_VARIABLE} before `kiosk demo` to open it")
            click.echo(
                f"  shopper's portal: {central.url}/portal/  (its e-mails, sign-in codes included, are "
                f"written to {(data_dir / 'mail-outbox').resolve()})"
            )
            click.echo(f"Data is kept in {data_dir.resolve()}; delete that folder to start afresh.")
            try:
                serve(till, host, port, extensions=cards)
            finally:
                kiosk_server.close()
