"""`kiosk demo`: the whole product on one machine — central embedded, emulated hardware, fictional people."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from kiosk.config import Config, parse_config
from kiosk.runner import serve
from kiosk.service import KioskService

logger = logging.getLogger(__name__)

DEVICE_ID = "demo-till-1"


def demo_config(data_dir: Path, host: str, port: int, central_url: str) -> Config:
    return parse_config({
        "device": {"id": DEVICE_ID, "role": "till", "store_id": "demo-store", "name": "Caisse démo"},
        "paths": {"data_dir": str(data_dir.resolve())},
        "hardware": {"mode": "emulated"},
        "web": {"host": host, "port": port},
        "central": {"url": central_url, "interval_s": 5},
        "shop": {"name": "Boutique Démo", "address": ["1 place de la Démo", "00000 Exemple"]},
        "earning": {"categories": {"general": 100, "hygiene": 150, "bulk": 50}},
    })


def start_central(data_dir: Path, customers: int):
    """Central on a free local port with its SQLite file in the demo folder, seeded once."""
    from central.demo import seed, seed_demo_cards
    from central.embedded import start_background

    data_dir.mkdir(parents=True, exist_ok=True)
    central = start_background(f"sqlite:///{(data_dir / 'central.db').resolve()}")
    seed(central.engine, customers)  # same fixed ids every time: seeding again changes nothing
    seed_demo_cards(central.engine)
    return central


def enrol_if_needed(config: Config, central) -> None:
    from kiosk.sync.setup import token_file

    tokens = token_file(config)
    if tokens.read() is None:
        tokens.write(central.enrol_device(config.device.id, config.device.name))


#: Demo cashiers only (documented PINs): (id, name, role, PIN, language).
DEMO_CASHIERS = (("alice", "Alice", "cashier", "1234", "fr"), ("marc", "Marc", "manager", "5678", "fr"),
                 ("theo", "Théo", "technician", "2468", "en"))


def add_demo_cashiers(service: KioskService) -> None:
    """Alice 1234 (cashier), Marc 5678 (manager), Théo 2468 (technician), once."""
    book = service.till.cashiers
    for cashier_id, name, role, pin, language in DEMO_CASHIERS:
        if book.get(cashier_id) is None:
            book.add(name, role, pin, language=language, cashier_id=cashier_id)


def run_demo(data_dir: Path, host: str, port: int, customers: int) -> None:
    from central.demo import DEMO_CARDS

    with start_central(data_dir, customers) as central:
        config = demo_config(data_dir, host, port, central.url)
        enrol_if_needed(config, central)
        with KioskService.open(config) as service:
            service.sync.sync_once()  # the till opens with the customers already pulled
            add_demo_cashiers(service)
            url = f"http://{host}:{port}/"
            click.echo(f"Demo running: central embedded at {central.url}, hardware emulated.")
            click.echo(f"Open {url} in a browser; the virtual hardware panel is at {url}panel/ (Ctrl-C stops).")
            click.echo(f"Data is kept in {config.data_dir}; delete that folder to start afresh.")
            click.echo("Till PINs (demo only): Alice 1234 cashier, Marc 5678 manager, Théo 2468 technician.")
            serve(service, host, port, extensions={"kiosk.demo_cards": list(DEMO_CARDS)})
