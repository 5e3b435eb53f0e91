"""After an erase, the erased customer's personal data is gone from the database files themselves
(SQLite: main file and write-ahead log) and PostgreSQL has vacuumed the old row versions."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from central import create_app
from central.embedded import enrol_device
from loyalty.domain.events import CustomerRegistered, ProfileUpdated, to_record
from tests.central.conftest import ADMIN_TOKEN

EMAIL = "zora.quintessence@example.org"
PHONE = "+33 6 98 76 54 32"


def _register_and_erase(app) -> None:
    engine = app.extensions["central.engine"]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {enrol_device(engine, 'till-1')}"}
    events = [
        CustomerRegistered(
            device_id="till-1", seq=1, customer_id="c-zora", first_name="Zoraïde", email=EMAIL, phone=PHONE
        ),
        ProfileUpdated(device_id="till-1", seq=2, customer_id="c-zora", last_name="Quintessence"),
    ]
    assert (
        client.post("/api/sync/push", json={"events": [to_record(e) for e in events]}, headers=headers).status_code
        == 200
    )
    erase = client.post("/api/admin/customers/c-zora/erase", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert erase.status_code == 200


def test_sqlite_files_keep_no_copy_of_erased_data(tmp_path):
    db = tmp_path / "central.db"
    app = create_app(f"sqlite:///{db}", admin_token=ADMIN_TOKEN)
    try:
        _register_and_erase(app)
        files = [p for p in tmp_path.iterdir() if p.name.startswith("central.db")]
        data = b"".join(Path(p).read_bytes() for p in files)
        for secret in (EMAIL, PHONE, "Zoraïde", "Quintessence"):
            assert secret.encode() not in data, secret
    finally:
        app.extensions["central.engine"].dispose()


def test_postgresql_vacuums_the_erased_rows(pg_url):
    app = create_app(pg_url, admin_token=ADMIN_TOKEN)
    engine = app.extensions["central.engine"]
    try:
        _register_and_erase(app)
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            vacuumed = (
                connection.execute(
                    text(
                        "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                        "AND relname IN ('customers', 'events') AND last_vacuum IS NOT NULL"
                    )
                )
                .scalars()
                .all()
            )
        assert sorted(vacuumed) == ["customers", "events"]
    finally:
        engine.dispose()
