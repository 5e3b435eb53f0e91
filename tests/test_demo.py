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


def test_the_demo_opens_the_admin_api_with_central_admin_token_and_seeds_batches_and_a_pool(tmp_path, monkeypatch):
    import httpx

    monkeypatch.setenv("CENTRAL_ADMIN_TOKEN", "demo-token-for-scripts")
    with demo.start_central(tmp_path, customers=3) as central:
        auth = {"Authorization": "Bearer demo-token-for-scripts"}
        batches = httpx.get(f"{central.url}/api/admin/card-batches", headers=auth, timeout=5)
        assert batches.status_code == 200, batches.text
        assert sorted((b["channel"], b["partner"]) for b in batches.json()["batches"]) == [
            ("company", None),
            ("online", None),
            ("partner", "ce-acme"),
        ]
        pool = httpx.get(f"{central.url}/api/admin/pools/famille-martin-durand", headers=auth, timeout=5).json()
        assert [m["customer_id"] for m in pool["members"]] == ["demo-camille", "demo-hugo"]
        assert httpx.get(f"{central.url}/api/admin/card-batches", timeout=5).status_code == 401
    with demo.start_central(tmp_path, customers=3) as central:  # a second start seeds nothing more
        batches = httpx.get(
            f"{central.url}/api/admin/card-batches",
            headers={"Authorization": "Bearer demo-token-for-scripts"},
            timeout=5,
        ).json()["batches"]
        assert len(batches) == 3
