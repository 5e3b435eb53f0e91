"""The demo's back-office accounts: head office `chef`, and the demo store's manager tied to its till and kiosk."""

from central.backoffice.accounts import SignIn
from central.transactions import in_transaction
from kiosk import demo


def test_demo_accounts(tmp_path):
    with demo.start_central(tmp_path, customers=3) as central:
        for device_id in (demo.DEVICE_ID, demo.KIOSK_ID):
            central.enrol_device(device_id)
        demo.add_store_manager(central)
        demo.add_store_manager(central)  # a second start changes nothing
        sign_in = SignIn()
        chef = in_transaction(central.engine, lambda c: sign_in.authenticate(c, *demo.DEMO_MANAGER))
        store_manager = in_transaction(central.engine, lambda c: sign_in.authenticate(c, *demo.DEMO_STORE_MANAGER))
    central.engine.dispose()
    assert chef.is_head_office
    assert (store_manager.role, store_manager.stores) == ("manager", {demo.DEVICE_ID, demo.KIOSK_ID})
