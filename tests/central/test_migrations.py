"""The Alembic migrations build exactly the schema `central.schema` describes, on both backends, and fill new
tables and columns from the events stored before them."""

from __future__ import annotations

import json
from datetime import date, timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from sqlalchemy import select

from central.clock import utc_today
from central.db import MIGRATIONS, make_engine, migrate
from central.event_order import in_happened_order
from central.ingest import ingest
from central.pull import pull_page
from central.report_totals import ReportTally
from central.schema import (
    batch_cards,
    card_batches,
    change_counter,
    customer_search_keys,
    customers,
    devices,
    events,
    metadata,
    report_active_days,
    report_day_totals,
    report_reward_days,
)
from loyalty.domain.card_filter import CardFilter
from loyalty.domain.customers import search_keys
from loyalty.domain.events import (
    CustomerRegistered,
    EarnReversed,
    PointsAdjusted,
    PointsEarned,
    PointsExpired,
    PointsMoved,
    PointsRedeemed,
    PoolContributed,
    PoolContributionReversed,
    PoolJoined,
    PoolLeft,
    PoolRedeemed,
    RedemptionCancelled,
    VoucherIssued,
    to_record,
)
from loyalty.domain.ledger import Ledger
from loyalty.domain.lots import compact, keep_from


def _engine_at(url: str, revision: str):
    """An engine whose schema stops at `revision`, to store rows the migrations after it must carry on."""
    engine = make_engine(url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return engine


def _event_rows(stored) -> list[dict]:
    """Rows of the `events` table for these events, as a push stores them."""
    return [
        {
            "event_id": e.event_id,
            "device_id": e.device_id,
            "seq": e.seq,
            "type": e.type,
            "customer_id": e.customer_id,
            "received_at": "2026-01-01T00:00:00Z",
            "payload": json.dumps(to_record(e), separators=(",", ":")),
            "review": False,
        }
        for e in stored
    ]


def test_migrated_schema_matches_the_tables(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # a second start changes nothing
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert diff == []


def test_pool_state_is_filled_from_pool_events_stored_before_0005(sqlite_url):
    engine = _engine_at(sqlite_url, "0004")
    stored = [
        PoolJoined(device_id="central", pool_id="fam", customer_id="ana", share_pct=50),
        PoolJoined(device_id="central", pool_id="fam", customer_id="ben", share_pct=100),
        PoolContributed(device_id="till-1", pool_id="fam", customer_id="ana", earn_event_id="e1", points=12),
        PoolLeft(device_id="central", pool_id="fam", customer_id="ben"),
    ]
    with engine.begin() as connection:
        connection.execute(events.insert(), _event_rows(stored))
        connection.execute(devices.insert().values(device_id="till-1"))
    migrate(engine)
    with engine.connect() as connection:
        page = pull_page(connection, "till-1", 0, 100)
        assert connection.execute(select(events.c.id)).all()
    engine.dispose()
    assert [(m.customer_id, m.pool_id, m.share_pct) for m in page.pool_members] == [("ana", "fam", 50)]
    assert [(b.pool_id, b.points) for b in page.pool_balances] == [("fam", 12)]


def test_0005_folds_pool_events_as_the_ledger_does(sqlite_url):
    """0005 keeps its own copy of the pool rules (a migration imports no live code); today they agree."""
    engine = _engine_at(sqlite_url, "0004")
    joined = PoolJoined(device_id="central", pool_id="fam", customer_id="ana", share_pct=50)
    stored = [
        joined,
        joined,  # the same event twice counts once
        PoolJoined(device_id="central", pool_id="fam", customer_id="ben", share_pct=100),
        PoolContributed(device_id="till-1", pool_id="fam", customer_id="ana", earn_event_id="e1", points=40),
        PoolContributionReversed(device_id="till-1", pool_id="fam", customer_id="ana", earn_event_id="e1", points=10),
        PoolRedeemed(
            device_id="till-1", pool_id="fam", customer_id="ben", reward_id="r", reward_kind="in_house", points=5
        ),
        PoolJoined(device_id="central", pool_id="work", customer_id="ben", share_pct=20),
    ]  # a move, no leave
    with engine.begin() as connection:
        connection.execute(
            events.insert(),
            _event_rows(stored[1:]) + [{**_event_rows([joined])[0], "event_id": "copy-of-" + joined.event_id}],
        )
        connection.execute(devices.insert().values(device_id="till-1"))
    migrate(engine)
    with engine.connect() as connection:
        page = pull_page(connection, "till-1", 0, 100)
    engine.dispose()
    ledger = Ledger.fold(stored)
    assert (
        {(m.customer_id, m.pool_id, m.share_pct) for m in page.pool_members}
        == {(cid, *ledger.pool_of(cid)) for cid in ledger.member_pool}
        == {("ana", "fam", 50), ("ben", "work", 20)}
    )
    assert (
        {(b.pool_id, b.points) for b in page.pool_balances}
        == set(ledger.pool_balances.items())
        == {("fam", 25), ("work", 0)}
    )


def test_customer_lots_are_filled_from_events_stored_before_0007(sqlite_url, tmp_path):
    def at(days_ago: int) -> str:
        return f"{(utc_today() - timedelta(days=days_ago)).isoformat()}T10:00:00+01:00"

    stored = [
        PointsEarned(
            device_id="till-1", seq=1, at=at(900), customer_id="ana", receipt_ref="r1", amount_cents=5000, points=50
        ),
        PointsEarned(
            device_id="till-1", seq=2, at=at(380), customer_id="ana", receipt_ref="r2", amount_cents=12000, points=120
        ),
        PointsRedeemed(
            device_id="till-1", seq=3, at=at(300), customer_id="ana", reward_id="mug", reward_kind="in_house", points=70
        ),
        PointsEarned(
            device_id="till-1", seq=4, at=at(10), customer_id="ben", receipt_ref="r4", amount_cents=4000, points=40
        ),
    ]
    stored.append(
        EarnReversed(
            device_id="till-1",
            seq=5,
            at=at(5),
            customer_id="ana",
            earn_event_id=stored[1].event_id,
            receipt_ref="r2",
            refund_cents=2000,
            points=20,
        )
    )
    expected = Ledger.fold(stored)
    engine = _engine_at(sqlite_url, "0006")
    with engine.begin() as connection:
        connection.execute(events.insert(), _event_rows(stored))
        connection.execute(
            customers.insert(),
            [
                {"customer_id": cid, "points": expected.balance(cid), "version": n}
                for n, cid in enumerate(("ana", "ben"), 1)
            ],
        )
        connection.execute(change_counter.update().values(value=2))
        connection.execute(devices.insert().values(device_id="till-1"))
    migrate(engine)
    with engine.connect() as connection:
        page = pull_page(connection, "till-1", 2, 100)  # a device already up to date gets them again
        migrated = {r.customer_id: (r.lots, r.debits) for r in connection.execute(select(customers))}
    engine.dispose()
    pulled = {c.customer_id: c for c in page.customers}
    assert set(pulled) == {"ana", "ben"}
    # Ana's 50 points of 900 days ago were spent and are older than any tier period: folded into the debits.
    assert pulled["ana"].lots == ((at(380)[:10], 100),) and pulled["ana"].debits == 20
    assert pulled["ben"].lots == ((at(10)[:10], 40),) and pulled["ben"].debits == 0
    through = (utc_today() - timedelta(days=370)).isoformat()
    assert (
        Ledger(balances={"ana": 80}, lots={"ana": dict(pulled["ana"].lots)}, debits={"ana": 20}).expirable(
            "ana", through
        )
        == expected.expirable("ana", through)
        == 80
    )

    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(fresh)
    with fresh.begin() as connection:
        ingest(connection, stored, None)
    with fresh.connect() as connection:
        ingested = {r.customer_id: (r.lots, r.debits) for r in connection.execute(select(customers))}
    fresh.dispose()
    assert ingested == migrated  # ingest afterwards keeps what the migration filled


def _awkward_events() -> list:
    """Events whose fold has rules to get right: caps, a cancel, a merge, a duplicate, a voucher, a registration."""

    def at(days_ago: int) -> str:
        return f"{(utc_today() - timedelta(days=days_ago)).isoformat()}T10:00:00+01:00"

    earn = PointsEarned(
        device_id="till-1", seq=1, at=at(40), customer_id="ana", receipt_ref="r1", amount_cents=9000, points=90
    )
    redeemed = PointsRedeemed(
        device_id="till-1", seq=3, at=at(30), customer_id="ana", reward_id="mug", reward_kind="in_house", points=30
    )
    stored = [
        CustomerRegistered(device_id="till-1", seq=0, at=at(41), customer_id="ana", first_name="Ana"),
        earn,
        PointsEarned(
            device_id="till-2", seq=1, at=at(39), customer_id="dup", receipt_ref="r2", amount_cents=2000, points=20
        ),
        PoolContributed(
            device_id="till-1",
            seq=2,
            at=at(40),
            pool_id="fam",
            customer_id="ana",
            earn_event_id=earn.event_id,
            points=10,
        ),
        redeemed,
        RedemptionCancelled(
            device_id="till-1", seq=4, at=at(30), customer_id="ana", redemption_event_id=redeemed.event_id, points=30
        ),
        PoolContributionReversed(
            device_id="till-1",
            seq=7,
            at=at(20),
            pool_id="fam",
            customer_id="ana",
            earn_event_id=earn.event_id,
            points=4,
        ),
        PoolRedeemed(
            device_id="till-2",
            seq=3,
            at=at(10),
            cashier_id="bob",
            pool_id="fam",
            customer_id="ana",
            reward_id="mug",
            reward_kind="in_house",
            points=5,
        ),  # a pool's redemption on a day and till where nothing else was counted
        PoolRedeemed(
            device_id="till-1",
            seq=8,
            at=at(30),
            pool_id="fam",
            customer_id="ana",
            reward_id="mug",
            reward_kind="in_house",
            points=1,
        ),
        EarnReversed(
            device_id="till-1",
            seq=5,
            at=at(20),
            customer_id="ana",
            earn_event_id=earn.event_id,
            receipt_ref="r1",
            refund_cents=9000,
            points=500,
        ),  # never more than the earn had
        PointsAdjusted(device_id="central", seq=1, at=at(15), customer_id="ana", delta=25, reason="goodwill"),
        PointsAdjusted(device_id="central", seq=2, at=at(14), customer_id="dup", delta=-500, reason="fix"),
        PointsEarned(
            device_id="till-2", seq=2, at=at(13), customer_id="dup", receipt_ref="r3", amount_cents=3000, points=30
        ),
        PointsMoved(
            device_id="central",
            seq=3,
            at=at(12),
            from_customer_id="dup",
            customer_id="ana",
            balance=30,
            debits=20,
            lots=((at(13)[:10], 30),),
        ),
        PointsExpired(device_id="central", seq=4, at=at(1), customer_id="ana", points=1000, through_day=at(2)[:10]),
        VoucherIssued(
            device_id="till-1",
            seq=6,
            at=at(20),
            cashier_id="alice",
            customer_id="ana",
            redemption_event_id=redeemed.event_id,
            partner="spa",
            code="C-1",
            face_value_cents=2500,
        ),
    ]
    return [*stored, stored[1]]  # an event pushed twice counts once


def test_0007_folds_lots_and_debits_as_the_ledger_does(sqlite_url):
    """0007 keeps its own copy of the fold (a migration imports no live code); today it agrees with the ledger."""
    stored = _awkward_events()
    engine = _engine_at(sqlite_url, "0006")
    with engine.begin() as connection:
        connection.execute(
            events.insert(), _event_rows(stored[:-1]) + [{**_event_rows(stored[-1:])[0], "event_id": "pushed-again"}]
        )
        connection.execute(
            customers.insert(),
            [{"customer_id": cid, "points": 0, "version": n} for n, cid in enumerate(("ana", "dup"), 1)],
        )
    migrate(engine)
    with engine.connect() as connection:
        migrated = {r.customer_id: (json.loads(r.lots), r.debits) for r in connection.execute(select(customers))}
    engine.dispose()
    ledger = Ledger.fold(in_happened_order(stored))
    oldest_kept = keep_from(utc_today())
    assert migrated == {
        cid: compact(ledger.lots.get(cid, {}), ledger.debits.get(cid, 0), oldest_kept) for cid in ("ana", "dup")
    }
    assert migrated["ana"][1] > 0 and migrated["dup"][0]  # the expiry counted; the older lot stayed behind


def test_report_totals_are_filled_from_events_stored_before_0010(sqlite_url):
    from central.backoffice import reports
    from tests.backoffice.ledgers import build_week

    engine = _engine_at(sqlite_url, "0006")
    stored = build_week(5)
    with engine.begin() as connection:
        # stored in another order than they happened
        connection.execute(events.insert(), _event_rows(reversed(stored)))
    migrate(engine)
    for period in (reports.Period(), reports.Period(date(2026, 11, 2), date(2026, 11, 3))):
        with engine.connect() as connection:
            assert reports.build_report(connection, period) == reports.compute_report(stored, period, {})
    engine.dispose()


def test_0010_then_0016_tally_the_report_totals_as_ingest_does(sqlite_url):
    """0010 keeps its own copy of the tally (a migration imports no live code) and 0016 adds what it missed of
    pools: together they agree with ingest's today."""
    stored = _awkward_events()
    engine = _engine_at(sqlite_url, "0009")
    with engine.begin() as connection:
        connection.execute(
            events.insert(), _event_rows(stored[:-1]) + [{**_event_rows(stored[-1:])[0], "event_id": "pushed-again"}]
        )
    migrate(engine)
    with engine.connect() as connection:
        migrated = [
            [dict(r._mapping) for r in connection.execute(select(table).order_by(*table.primary_key))]
            for table in (report_day_totals, report_reward_days, report_active_days)
        ]
    engine.dispose()
    tally = ReportTally()
    tally.fold(Ledger(), in_happened_order(stored))
    assert migrated == [tally.day_rows(), tally.reward_rows(), tally.active_rows()]
    assert len(migrated[0]) > 3 and migrated[1] and migrated[2]


def test_0016_leaves_out_the_pool_share_of_an_earn_that_repeated_a_receipt(database_url):
    """A receipt credited twice is flagged and never folded: its pool share moved nothing to correct."""
    at = "2026-11-03T10:00:00+01:00"
    common = {"at": at, "customer_id": "ana", "pool_id": "fam"}
    earn = PointsEarned(
        device_id="till-1", seq=1, at=at, customer_id="ana", receipt_ref="r1", amount_cents=4000, points=40
    )
    again = PointsEarned(
        device_id="till-2", seq=1, at=at, customer_id="ana", receipt_ref="r1", amount_cents=4000, points=40
    )
    stored = [
        earn,
        PoolContributed(device_id="till-1", seq=2, **common, earn_event_id=earn.event_id, points=20),
        again,
        PoolContributed(device_id="till-2", seq=2, **common, earn_event_id=again.event_id, points=20),
        PoolRedeemed(device_id="till-1", seq=3, **common, reward_id="mug", reward_kind="in_house", points=15),
    ]
    engine = _engine_at(database_url, "0015")
    with engine.begin() as connection:
        rows = _event_rows(stored)
        rows[2]["review"] = True  # the repeat, as ingest flags it
        connection.execute(events.insert(), rows)
    migrate(engine)
    with engine.connect() as connection:
        days = {
            (r.device_id, r.points_redeemed, r.balance_change) for r in connection.execute(select(report_day_totals))
        }
        rewards = [
            (r.kind, r.reward_id, r.redemptions, r.points) for r in connection.execute(select(report_reward_days))
        ]
        active = [(r.device_id, r.customer_id) for r in connection.execute(select(report_active_days))]
    engine.dispose()
    assert days == {("till-1", 15, 20 - 15)}  # till-2's share of the repeat is left out
    assert rewards == [("in_house", "mug", 1, 15)] and active == [("till-1", "ana")]


def test_search_keys_are_filled_from_customers_stored_before_0014(sqlite_url):
    """0014 keeps its own copy of the rule (a migration imports no live code); today it gives the live rule's keys."""
    engine = _engine_at(sqlite_url, "0013")
    people = [
        ("c1", "Hélène", "Durand-Lefèvre", "+33 6 12 34 56 78", " Helene.D@Example.org "),
        ("c2", "JEAN PIERRE", None, "0033 7 00 00 00 01", None),
        ("c3", None, None, None, None),
    ]
    with engine.begin() as connection:
        connection.execute(
            customers.insert(),
            [
                {
                    "customer_id": cid,
                    "first_name": first,
                    "last_name": last,
                    "phone": phone,
                    "email": email,
                    "erased": False,
                    "points": 0,
                    "version": n,
                }
                for n, (cid, first, last, phone, email) in enumerate(people)
            ],
        )
        connection.execute(
            customers.insert().values(customer_id="gone", first_name="Erased", erased=True, points=0, version=9)
        )
    migrate(engine)
    with engine.connect() as connection:
        rows = connection.execute(select(customer_search_keys.c.customer_id, customer_search_keys.c.key)).all()
    engine.dispose()
    expected = {(cid, key) for cid, *fields in people for key in search_keys(*fields)}
    assert set(rows) == expected and len(expected) == 8


def test_stores_hold_their_customers_and_devices_get_the_card_filter_after_0015(database_url):
    engine = _engine_at(database_url, "0014")
    stored = [
        CustomerRegistered(device_id="till-a", seq=1, customer_id="c-1", first_name="Ana"),
        CustomerRegistered(device_id="till-x", seq=1, customer_id="c-2", first_name="Ben"),
    ]
    with engine.begin() as connection:
        connection.execute(events.insert(), _event_rows(stored))
        connection.execute(
            devices.insert(),
            [{"device_id": "till-a", "store_id": "store-a"}, {"device_id": "till-x", "store_id": None}],
        )
        connection.execute(
            customers.insert(),
            [
                {"customer_id": "c-1", "first_name": "Ana", "version": 1},
                {"customer_id": "c-2", "first_name": "Ben", "version": 2},
            ],
        )
        connection.execute(change_counter.update().values(value=2))
        connection.execute(
            card_batches.insert().values(batch_id="b1", channel="company", size=1, created_at="2026-01-01T00:00:00Z")
        )
        connection.execute(
            batch_cards.insert().values(
                card_uid="2900000000017", batch_id="b1", activation_code="ABCDEFGH", chip_uid="04A1B2C3"
            )
        )
    migrate(engine)
    with engine.connect() as connection:
        page = pull_page(connection, "till-a", 0, 100, by_store=True)
    engine.dispose()
    assert [c.customer_id for c in page.customers] == ["c-1"]  # till-x has no store: c-2 is no store's
    (found,) = [s for s in page.settings if s.key == "issued_cards"]
    issued = CardFilter.from_json(found.value_json)
    assert "2900000000017" in issued and "04A1B2C3" in issued and issued.count == 2
