"""Builds the kiosk screen for a running service: its rewards file, printer, central client and verifier."""

from __future__ import annotations

from device.selfservice.online import central_for
from device.selfservice.rewards import RewardsFile
from device.selfservice.screen import KioskScreen
from device.sync.offline import OfflineLimits
from device.sync.phone_codes import verifier_from_config
from device.usecases.online import is_online
from device.usecases.receipts import redemption_slip


def build_screen(service) -> KioskScreen:
    config = service.config
    devices = service.devices
    central = central_for(config)

    def online() -> bool:
        return is_online(service.sync_state(), has_central=central is not None)  # the till's rule too

    screen = KioskScreen(
        service.store,
        RewardsFile.in_dir(config.data_dir),
        device_id=config.device.id,
        redeem_per_day=config.selfservice.redeem_per_day,
        consent_version=config.selfservice.consent_version,
        central=central,
        print_receipt=devices.print if devices is not None else None,
        receipt_for=lambda **kw: redemption_slip(config, **kw),
        offline_limits=OfflineLimits.from_config(config.central),
        online=online,
        verifier=verifier_from_config(config),
        reference=service.reference,
    )
    screen.follow(service.bus)
    return screen
