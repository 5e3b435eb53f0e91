"""The kiosk screen's rules without a browser: session, daily limit, registration, vouchers, catalogue file.

(These run in a plain process; they sit beside the browser tests of the same screen.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from device.selfservice.rewards import RewardsFile
from device.selfservice.screen import KioskScreen, surname_initial
from device.store import Store
from loyalty.domain.snapshot import (
    CardState,
    CustomerState,
    PoolBalanceState,
    PoolMemberState,
    PulledBatch,
    RewardState,
)
from loyalty.errors import (
    CardAlreadyLinked,
    CardBlocked,
    CardNotPresent,
    ConsentRequired,
    DailyRedeemLimit,
    InsufficientPoints,
    InvalidCustomerText,
    OfflineLimitReached,
    PoolRefused,
    SyncRefused,
    SyncUnavailable,
    UnknownCard,
    UnknownReward,
)

REWARDS = [
    RewardState("coffee", "in_house", "Café", 30),
    RewardState("bag", "in_house", "Sac", 100),
    RewardState("hol", "partner_voucher", "Chèque vacances", 50, partner="holiday", face_value_cents=2000),
    RewardState("old", "in_house", "Retiré", 10, active=False),
]


@dataclass
class Issued:
    partner: str
    code: str
    face_value_cents: int


class FakeCentral:
    """Central as the kiosk sees it: issues codes in order, or refuses (pool empty)."""

    def __init__(self, codes=("V-1", "V-2"), history=(), history_down=False) -> None:
        self.codes = list(codes)
        self.asked: list[str] = []
        self.history = list(history)
        self.history_down = history_down

    def issue(self, partner, customer_id, redemption_event_id):
        self.asked.append(redemption_event_id)
        if not self.codes:
            raise SyncRefused("central refused the request: no holiday voucher code is left")
        return Issued(partner, self.codes.pop(0), 2000)

    def catalogue(self):
        return REWARDS

    def recent_operations(self, customer_id, limit):
        if self.history_down:
            raise SyncUnavailable("central could not be reached")
        return [row for row in self.history if row.pop("customer_id", customer_id) == customer_id][:limit]


@pytest.fixture
def store(tmp_path):
    opened = Store.open(tmp_path / "store", "kiosk-1")
    opened.apply_batch(
        PulledBatch(
            cursor=0,
            customers=(CustomerState("c-ana", 200, "Ana", "dupont"), CustomerState("c-bo", 5, "Bo")),
            cards=(CardState("AAAA0001", "c-ana"), CardState("BBBB0002", "c-bo"), CardState("DEAD0003", "c-bo", True)),
        )
    )
    yield opened
    opened.close()


@pytest.fixture
def rewards(tmp_path):
    file = RewardsFile.in_dir(tmp_path)
    file.put(REWARDS)
    return file


def _screen(store, rewards, central=None, per_day=2, printed=None):
    printed = printed if printed is not None else []
    return KioskScreen(
        store,
        rewards,
        device_id="kiosk-1",
        redeem_per_day=per_day,
        central=central,
        print_receipt=printed.append,
        receipt_for=lambda **kw: kw,
    )


def test_summary_masks_the_surname_and_lists_what_the_balance_allows(store, rewards):
    screen = _screen(store, rewards)
    screen.present("AAAA0001")
    summary = screen.summary("AAAA0001")
    assert (summary.first_name, summary.surname_initial, summary.points) == ("Ana", "D.", 200)
    assert [r.reward_id for r in summary.affordable] == ["coffee", "hol", "bag"]
    assert summary.next_reward is None and summary.redeem_left_today == 2
    assert surname_initial(None) == "" and surname_initial(" lee ") == "L."


def test_nothing_happens_for_a_card_that_is_not_presented(store, rewards):
    screen = _screen(store, rewards)
    with pytest.raises(CardNotPresent):
        screen.summary("AAAA0001")
    screen.present("AAAA0001")
    screen.removed("BBBB0002")  # another card's removal changes nothing
    screen.summary("AAAA0001")
    screen.removed("AAAA0001")
    with pytest.raises(CardNotPresent):
        screen.redeem("AAAA0001", "coffee")
    assert store.pending_count() == 0


def test_unknown_and_blocked_cards(store, rewards):
    screen = _screen(store, rewards)
    screen.present("FFFF0009")
    with pytest.raises(UnknownCard):
        screen.summary("FFFF0009")
    screen.present("DEAD0003")
    with pytest.raises(CardBlocked):
        screen.summary("DEAD0003")


def test_in_house_redeem_prints_and_the_daily_limit_holds(store, rewards):
    printed = []
    screen = _screen(store, rewards, per_day=2, printed=printed)
    screen.present("AAAA0001")
    first = screen.redeem("AAAA0001", "coffee")
    screen.redeem("AAAA0001", "coffee")
    assert first.printed and first.balance == 170 and store.balance("c-ana") == 140
    assert [p["reward"].reward_id for p in printed] == ["coffee", "coffee"] and printed[0]["code"] is None
    with pytest.raises(DailyRedeemLimit):
        screen.redeem("AAAA0001", "coffee")
    assert store.balance("c-ana") == 140
    store.acknowledge([e.event_id for e in store.pending()])  # synced: the limit still counts today's
    with pytest.raises(DailyRedeemLimit):
        screen.redeem("AAAA0001", "coffee")


def test_partner_voucher_needs_central_and_a_refusal_spends_nothing(store, rewards):
    screen = _screen(store, rewards, central=None)
    screen.present("AAAA0001")
    with pytest.raises(OfflineLimitReached):
        screen.redeem("AAAA0001", "hol")
    central = FakeCentral(codes=["V-1"])
    screen = _screen(store, rewards, central=central)
    screen.present("AAAA0001")
    done = screen.redeem("AAAA0001", "hol")
    assert done.voucher_code == "V-1" and central.asked == [done.redemption_event_id]
    assert [e.type for e in store.pending()] == ["PointsRedeemed", "VoucherIssued"]
    history = screen.summary("AAAA0001").recent
    assert [(op.kind, op.code) for op in history][:2] == [("voucher", "V-1"), ("redeemed", None)]
    with pytest.raises(OfflineLimitReached, match="nothing was spent"):
        screen.redeem("AAAA0001", "hol")
    assert store.balance("c-ana") == 150 and store.pending_count() == 2


def test_withdrawn_and_unknown_rewards_cannot_be_redeemed(store, rewards):
    screen = _screen(store, rewards)
    screen.present("AAAA0001")
    for reward_id in ("old", "nope"):
        with pytest.raises(UnknownReward):  # the till's refusal too
            screen.redeem("AAAA0001", reward_id)


def test_registration_needs_consent_and_a_first_name(store, rewards):
    screen = _screen(store, rewards)
    screen.present("CAFE0004")
    with pytest.raises(ConsentRequired):
        screen.register("CAFE0004", first_name="Léa", consent=False)
    for bad in ("", "   ", "R2D2", "x" * 41, "<script>"):
        with pytest.raises(InvalidCustomerText):  # the till's rule too (FieldRequired when empty)
            screen.register("CAFE0004", first_name=bad, consent=True)
    assert store.pending_count() == 0
    summary = screen.register("CAFE0004", first_name="  Marie  Ève ", consent=True)
    assert summary.first_name == "Marie Ève" and summary.points == 0
    consent = [e for e in store.pending() if e.type == "ConsentChanged"][0]
    assert consent.granted and consent.channel == "kiosk" and consent.text_version == "v1"
    with pytest.raises(CardAlreadyLinked):
        screen.register("CAFE0004", first_name="Marie", consent=True)


def test_rewards_file_survives_restart_and_a_damaged_file(tmp_path):
    file = RewardsFile.in_dir(tmp_path)
    file.put(REWARDS)
    again = RewardsFile.in_dir(tmp_path)
    assert [r.reward_id for r in again.rewards()] == ["coffee", "hol", "bag"]
    again.put([RewardState("coffee", "in_house", "Café", 30, active=False)])
    assert [r.reward_id for r in RewardsFile.in_dir(tmp_path).rewards()] == ["hol", "bag"]
    (tmp_path / "selfservice-rewards.json").write_text("{not json")
    assert RewardsFile.in_dir(tmp_path).rewards() == []
    assert json.loads(json.dumps([r.__dict__ for r in REWARDS]))  # the rows are plain JSON


def test_catalogue_refresh_takes_central_rewards(store, tmp_path):
    screen = _screen(store, RewardsFile.in_dir(tmp_path / "fresh"), central=FakeCentral())
    assert screen.refresh_rewards() is True
    assert [r.reward_id for r in screen.rewards.rewards()] == ["coffee", "hol", "bag"]


def test_last_operations_merge_central_history_with_pending_ones_once_each(store, rewards):
    central = FakeCentral(codes=["V-9"])
    screen = _screen(store, rewards, central=central)
    screen.present("AAAA0001")
    done = screen.redeem("AAAA0001", "coffee")
    mine = store.pending()[-1]
    central.history = [
        # central already holds this kiosk's redemption: it must show once
        {"event_id": mine.event_id, "kind": "redeemed", "at": mine.at, "points": 30, "code": None},
        {
            "event_id": "e-old-voucher",
            "kind": "voucher",
            "at": "2020-01-02T10:00:00+01:00",
            "points": 0,
            "code": "HV-7",
        },
        {"event_id": "e-old-earn", "kind": "earned", "at": "2020-01-01T09:00:00+01:00", "points": 40, "code": None},
    ]
    summary = screen.summary("AAAA0001")
    assert not summary.recent_offline
    assert [(op.kind, op.points, op.code) for op in summary.recent] == [
        ("redeemed", done.points, None),
        ("voucher", 0, "HV-7"),
        ("earned", 40, None),
    ]


def test_last_operations_offline_are_this_kiosks_pending_ones_and_say_so(store, rewards):
    offline = _screen(store, rewards, central=None)
    offline.present("AAAA0001")
    offline.redeem("AAAA0001", "coffee")
    assert store.pending_count() == 1
    for central in (None, FakeCentral(history_down=True)):
        screen = _screen(store, rewards, central=central)
        screen.present("AAAA0001")
        summary = screen.summary("AAAA0001")
        assert summary.recent_offline
        assert [op.event_id for op in summary.recent] == [
            e.event_id for e in reversed(store.pending()) if e.type in ("PointsRedeemed", "VoucherIssued")
        ]
    screen = _screen(store, rewards, central=FakeCentral())
    screen.present("AAAA0001")
    assert screen.summary("AAAA0001").recent_offline is False


def test_pool_offline_comes_from_the_pulled_pool_state(store, rewards):
    store.apply_batch(
        PulledBatch(
            cursor=1,
            pool_members=(PoolMemberState("c-ana", "fam", 50), PoolMemberState("c-bo", "fam", 100)),
            pool_balances=(PoolBalanceState("fam", 60),),
        )
    )
    screen = _screen(store, rewards, central=None)
    screen.present("AAAA0001")
    pool = screen.pool("AAAA0001")
    assert {k: pool[k] for k in ("pool_id", "points", "members", "spendable")} == {
        "pool_id": "fam",
        "points": 60,
        "members": 2,
        "spendable": 60,
    }
    assert [r.reward_id for r in pool["rewards"]] == [r.reward_id for r in rewards.rewards() if r.points_price <= 60]
    screen.present("BBBB0002")
    store.apply_batch(PulledBatch(cursor=2, pool_members=(PoolMemberState("c-bo", None),)))
    assert screen.pool("BBBB0002") is None


def test_the_confirm_screen_is_refused_when_the_balance_or_the_pool_does_not_cover_the_reward(store, rewards):
    screen = _screen(store, rewards)
    screen.present("BBBB0002")  # Bo: 5 points, in no pool
    with pytest.raises(InsufficientPoints):
        screen.confirmation("BBBB0002", "coffee")
    with pytest.raises(PoolRefused):
        screen.confirmation("BBBB0002", "coffee", from_pool=True)
    screen.present("AAAA0001")
    summary, reward, pool, available = screen.confirmation("AAAA0001", "coffee")
    assert (summary.points, reward.reward_id, pool, available) == (200, "coffee", None, 200)
