"""A device whose customer cache is damaged and not rebuilt says so and offers no capture (till) or registration
(self-service kiosk) for a card it cannot know."""

from __future__ import annotations

import pytest

from device.bus import EventBus
from device.store import Store
from device.till.desk import Till
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch
from loyalty.errors import CardNotKnowable

REGULAR = "A0000004"


def _damaged_till(config, reopen_first: bool = False):
    store_dir = config.data_dir / "store"
    with Store.open(store_dir, config.device.id) as store:
        store.apply_batch(
            PulledBatch(
                cursor=7,
                customers=(CustomerState("cust-regular", 205, "Camille"),),
                cards=(CardState(REGULAR, "cust-regular"),),
                device_seq_through=0,
            )
        )
    snapshot = store_dir / "cache.json"
    snapshot.write_bytes(snapshot.read_bytes()[:50])  # an SD card's bad block
    if reopen_first:  # a restart before any sync: the damage must still be known
        Store.open(store_dir, config.device.id).close()
    store = Store.open(store_dir, config.device.id)
    till = Till(config, store, EventBus(), sync_state=lambda: {"state": "offline"})
    till.sessions.open(till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice"))
    return till, store


@pytest.mark.parametrize("reopen_first", [False, True])
def test_a_regulars_card_is_not_offered_for_capture_while_the_cache_is_damaged(config, reopen_first):
    till, store = _damaged_till(config, reopen_first)
    try:
        assert store.cache_lost and store.stats().problems
        result = till.card_presented(REGULAR)
        assert result["unknown_card"] == REGULAR and result["cache_lost"] is True and result["capture"] == "off"
        with pytest.raises(CardNotKnowable, match="not yet rebuilt from central"):
            till.register("Camille", consent=True)
        assert store.pending() == []  # no new customer, no link
        # A complete pull rebuilds the cache: the card is known again and the problem line goes.
        store.apply_batch(
            PulledBatch(
                cursor=9,
                customers=(CustomerState("cust-regular", 205, "Camille"),),
                cards=(CardState(REGULAR, "cust-regular"),),
                device_seq_through=0,
            )
        )
        assert not store.cache_lost and store.stats().problems == ()
        assert till.card_presented(REGULAR)["customer"]["points"] == 205
    finally:
        till.close()
        store.close()


def test_a_partial_pull_page_does_not_clear_the_damage(config):
    till, store = _damaged_till(config)
    try:
        store.apply_batch(PulledBatch(cursor=8, customers=(), device_seq_through=None))  # more pages to come
        assert store.cache_lost and any("cache snapshot" in p for p in store.stats().problems)
    finally:
        till.close()
        store.close()


def test_the_self_service_kiosk_does_not_offer_registration_either(config, tmp_path):
    from device.selfservice.rewards import RewardsFile
    from device.selfservice.screen import KioskScreen
    from loyalty.errors import CardNotKnowable as Refused

    till, store = _damaged_till(config)
    till.close()
    screen = KioskScreen(store, RewardsFile.in_dir(tmp_path), device_id=config.device.id, redeem_per_day=2)
    try:
        screen.present(REGULAR)
        with pytest.raises(Refused):
            screen.summary(REGULAR)
        with pytest.raises(Refused):
            screen.register(REGULAR, first_name="Camille", consent=True)
        assert store.pending() == []
    finally:
        store.close()
