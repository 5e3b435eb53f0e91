"""The Alembic migrations build exactly the schema `central.schema` describes, on both backends."""

from __future__ import annotations

import json
from datetime import date

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from sqlalchemy import select

from central.db import MIGRATIONS, make_engine, migrate
from central.pull import pull_page
from central.schema import devices, events, metadata
from kiosk.domain.events import PoolContributed, PoolJoined, PoolLeft, to_record


def test_migrated_schema_matches_the_tables(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # a second start changes nothing
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert diff == []


def test_pool_state_is_filled_from_pool_events_stored_before_0005(sqlite_url):
    engine = make_engine(sqlite_url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    stored = [PoolJoined(device_id="central", pool_id="fam", customer_id="ana", share_pct=50),
              PoolJoined(device_id="central", pool_id="fam", customer_id="ben", share_pct=100),
              PoolContributed(device_id="till-1", pool_id="fam", customer_id="ana", earn_event_id="e1", points=12),
              PoolLeft(device_id="central", pool_id="fam", customer_id="ben")]
    with engine.begin() as connection:
        connection.execute(events.insert(), [
            {"event_id": e.event_id, "device_id": e.device_id, "seq": None, "type": e.type,
             "customer_id": e.customer_id, "received_at": "2026-01-01T00:00:00Z",
             "payload": json.dumps(to_record(e), separators=(",", ":")), "review": False} for e in stored])
        connection.execute(devices.insert().values(device_id="till-1"))
    migrate(engine)
    with engine.connect() as connection:
        page = pull_page(connection, "till-1", 0, 100)
        assert connection.execute(select(events.c.id)).all()
    engine.dispose()
    assert [(m.customer_id, m.pool_id, m.share_pct) for m in page.pool_members] == [("ana", "fam", 50)]
    assert [(b.pool_id, b.points) for b in page.pool_balances] == [("fam", 12)]


def test_report_totals_are_filled_from_events_stored_before_0010(sqlite_url):
    from central.backoffice import reports
    from tests.backoffice.ledgers import build_week

    engine = make_engine(sqlite_url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    stored = build_week(5)
    with engine.begin() as connection:
        connection.execute(events.insert(), [
            {"event_id": e.event_id, "device_id": e.device_id, "seq": e.seq, "type": e.type,
             "customer_id": e.customer_id, "received_at": "2026-11-08T00:00:00Z",
             "payload": json.dumps(to_record(e), separators=(",", ":")), "review": False}
            for e in reversed(stored)])  # stored in another order than they happened
    migrate(engine)
    for period in (reports.Period(), reports.Period(date(2026, 11, 2), date(2026, 11, 3))):
        with engine.connect() as connection:
            assert reports.build_report(connection, period) == reports.compute_report(stored, period, {})
    engine.dispose()
