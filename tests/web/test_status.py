"""The status page and its JSON twin show what the store holds, in French first and in English."""

from loyalty.domain.events import PointsEarned
from tests.factories import seed_store


def test_status_page_in_french_by_default(client, service):
    seed_store(service.store, 5)
    page = client.get("/").get_data(as_text=True)
    assert "État de l'appareil" in page
    assert 'id="device-id">test-till-1<' in page
    assert 'id="customers">5<' in page


def test_status_page_in_english_and_the_choice_is_remembered(client):
    assert "Device status" in client.get("/?lang=en").get_data(as_text=True)
    assert "Device status" in client.get("/").get_data(as_text=True)
    assert "État de l'appareil" in client.get("/?lang=fr").get_data(as_text=True)


def test_status_json_counts_pending_events(client, service):
    seed_store(service.store, 3)
    service.store.record(
        PointsEarned(device_id="test-till-1", customer_id="cust-00000", receipt_ref="R1", amount_cents=1000, points=10)
    )
    state = client.get("/api/status").get_json()
    assert (state["device_id"], state["customers"], state["pending"]) == ("test-till-1", 3, 1)


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


def test_secret_key_is_made_once_per_device_and_kept(service, app):
    from web import create_app

    key_file = service.config.data_dir / "web-secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert create_app(service).config["SECRET_KEY"] == app.config["SECRET_KEY"] == key_file.read_bytes()
