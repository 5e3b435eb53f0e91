"""`kiosk demo`: the whole product on one machine, with emulated hardware and fictional customers."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from kiosk.config import Config, parse_config
from kiosk.demo_data import demo_customers
from kiosk.domain.snapshot import PulledBatch
from kiosk.runner import serve
from kiosk.service import KioskService

logger = logging.getLogger(__name__)


def demo_config(data_dir: Path, host: str, port: int) -> Config:
    return parse_config({
        "device": {"id": "demo-till-1", "role": "till", "store_id": "demo-store", "name": "Caisse démo"},
        "paths": {"data_dir": str(data_dir.resolve())},
        "hardware": {"mode": "emulated"},
        "web": {"host": host, "port": port},
        "shop": {"name": "Boutique Démo", "address": ["1 place de la Démo", "00000 Exemple"]},
        "earning": {"categories": {"general": 100, "hygiene": 150, "bulk": 50}},
    })


def seed_if_empty(service: KioskService, customers: int) -> bool:
    """Load fictional customers into an empty store, as a first pull from central would."""
    if service.store.stats().customers:
        return False
    people, cards = demo_customers(customers)
    service.store.apply_batch(PulledBatch(cursor=0, customers=tuple(people), cards=tuple(cards)))
    logger.info("demo store seeded with %d fictional customers", customers)
    return True


def run_demo(data_dir: Path, host: str, port: int, customers: int) -> None:
    config = demo_config(data_dir, host, port)
    with KioskService.open(config) as service:
        seed_if_empty(service, customers)
        url = f"http://{host}:{port}/"
        click.echo(f"Demo running with emulated hardware. Open {url} in a browser (Ctrl-C stops it).")
        click.echo(f"Data is kept in {config.data_dir}; delete that folder to start afresh.")
        serve(service, host, port)
