"""Property: whatever events are recorded (and whatever central folds in between), the store agrees with
the reference fold `Ledger.fold(events)`: balances, daily earns, earns by receipt, customers, cards and
search, also after close and reopen. Personal fields within least data: the first name and the surname's
initial always agree; a surname, phone or e-mail shows only while this device's own capture of it is pending,
so search finds at least what the first name and initial find and never more than the full reference."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from device.store import Store
from loyalty.domain.customers import last_initial, normalise_name, normalise_query, search_keys
from loyalty.domain.events import (
    CardBlocked,
    CardLinked,
    ConsentChanged,
    CustomerErased,
    CustomerRegistered,
    EarnReversed,
    PointsEarned,
    PointsRedeemed,
    ProfileUpdated,
)
from loyalty.domain.ledger import Ledger
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch

from .conftest import DEVICE

CUSTOMERS = [f"c{n}" for n in range(4)]
CARDS = [f"CARD{n}" for n in range(5)]
NAMES = ["Hélène", "Marc", "Anne-Marie", "Zoé"]
DAYS = ["2026-03-01", "2026-03-02", "2026-03-03"]
QUERIES = ["h", "Hélène", "mar", "anne-m", "zo", "06", "06 12 34 56 71"]

customer = st.sampled_from(CUSTOMERS)
operation = st.one_of(
    st.tuples(st.just("register"), customer, st.sampled_from(NAMES), st.booleans()),
    st.tuples(st.just("profile"), customer, st.sampled_from(NAMES)),
    st.tuples(st.just("consent"), customer, st.booleans()),
    st.tuples(st.just("link"), customer, st.sampled_from(CARDS)),
    st.tuples(st.just("block"), st.sampled_from(CARDS)),
    st.tuples(st.just("earn"), customer, st.integers(0, 500), st.sampled_from(DAYS)),
    st.tuples(st.just("earn"), customer, st.integers(0, 500), st.sampled_from(DAYS)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.integers(0, 600), st.integers(0, 60_000)),
    st.tuples(st.just("redeem"), customer, st.integers(1, 300)),
    st.tuples(st.just("erase"), customer),
    st.tuples(st.just("pull"), st.floats(0, 1)),
    st.tuples(st.just("ack"), st.integers(1, 5)),
    st.tuples(st.just("reopen")),
)


def _event(op: tuple, earns: list[PointsEarned], recorded: list):
    kind = op[0]
    if kind == "register":
        return CustomerRegistered(
            device_id=DEVICE, customer_id=op[1], first_name=op[2], phone="06 12 34 56 7" + op[1][-1] if op[3] else None
        )
    if kind == "profile":
        return ProfileUpdated(device_id=DEVICE, customer_id=op[1], last_name=op[2])
    if kind == "consent":
        return ConsentChanged(device_id=DEVICE, customer_id=op[1], granted=op[2], text_version="v1")
    if kind == "link":
        return CardLinked(device_id=DEVICE, customer_id=op[1], card_uid=op[2])
    if kind == "block" and any(isinstance(e, CardLinked) and e.card_uid == op[1] for e in recorded):
        # The pull contract carries blocked cards with their owner, so only linked cards are blocked here.
        return CardBlocked(device_id=DEVICE, card_uid=op[1], reason="lost")
    if kind == "earn":
        event = PointsEarned(
            device_id=DEVICE,
            customer_id=op[1],
            receipt_ref=f"R{len(earns) % 7}",
            amount_cents=op[2] * 100,
            points=op[2],
            at=f"{op[3]}T10:00:00+01:00",
        )
        earns.append(event)
        return event
    if kind == "reverse" and earns:
        earn = earns[op[1] % len(earns)]
        return EarnReversed(
            device_id=DEVICE,
            customer_id=earn.customer_id,
            earn_event_id=earn.event_id,
            receipt_ref=earn.receipt_ref,
            refund_cents=op[3],
            points=op[2],
        )
    if kind == "redeem":
        return PointsRedeemed(
            device_id=DEVICE, customer_id=op[1], reward_id="coffee", reward_kind="in_house", points=op[2]
        )
    if kind == "erase":
        return CustomerErased(device_id=DEVICE, customer_id=op[1])
    return None


def _pulled(recorded: list, through: int, cursor: int) -> PulledBatch:
    """What central would send after folding this device's events with seq <= through."""
    folded = Ledger.fold(recorded[:through])
    ids = sorted(set(folded.balances) | set(folded.customers))
    states = []
    for cid in ids:
        c = folded.customers.get(cid)
        states.append(
            CustomerState(
                cid,
                folded.balance(cid),
                c.first_name if c else None,
                c.last_name if c else None,
                c.phone if c else None,
                c.email if c else None,
                c.consent.granted if c and c.consent else None,
                c.consent.text_version if c and c.consent else None,
                bool(c and c.erased),
            )
        )
    cards = tuple(CardState(uid, owner, uid in folded.blocked_cards) for uid, owner in sorted(folded.cards.items()))
    erased = tuple(cid for cid in ids if folded.customers.get(cid) and folded.customers[cid].erased)
    return PulledBatch(cursor=cursor, customers=tuple(states), cards=cards, erased=erased, device_seq_through=through)


def _least_keys(first_name: str | None, initial: str | None) -> set[str]:
    """What a customer held with least data is found by: the first name's words, and the name with the initial."""
    name = normalise_name(first_name or "")
    return set(name.split()) | ({f"{name} {normalise_name(initial)}"} if name and initial else set())


def _assert_agrees(store: Store, recorded: list) -> None:
    ref = Ledger.fold(recorded)
    for cid in CUSTOMERS:
        assert store.balance(cid) == ref.balance(cid), cid
        for day in DAYS:
            assert store.earned_on(cid, day) == ref.earned_on(cid, day), (cid, day)
        if cid in ref.customers:
            want, got = ref.customers[cid], store.customer(cid)
            assert got is not None and got.erased == want.erased
            assert (got.first_name, got.last_initial) == (want.first_name, last_initial(want.last_name))
            assert got.phone in (None, want.phone) and got.last_name in (None, want.last_name, got.last_initial)
            assert got.consent_granted == (want.consent.granted if want.consent else None)
    for n in range(7):
        want, got = ref.earn_for_receipt(f"R{n}"), store.earn_for_receipt(f"R{n}")
        assert (got and (got.event_id, got.remaining_points, got.refunded_cents)) == (
            want and (want.event_id, want.remaining_points, want.refunded_cents)
        )
    for text in QUERIES:
        query = normalise_query(text)
        at_most = {
            cid
            for cid, c in ref.customers.items()
            if not c.erased
            and any(key.startswith(query) for key in search_keys(c.first_name, c.last_name, c.phone, c.email))
        }
        at_least = {
            cid
            for cid, c in ref.customers.items()
            if not c.erased
            and any(key.startswith(query) for key in _least_keys(c.first_name, last_initial(c.last_name)))
        }
        assert at_least <= {view.customer_id for view in store.search(text, limit=50)} <= at_most, text
    for uid in CARDS:
        view = store.customer_by_card(uid)
        if uid in ref.cards:
            assert view.customer_id == ref.cards[uid] and view.card_blocked == (uid in ref.blocked_cards)
        else:
            assert view is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=40))
def test_store_agrees_with_the_reference_ledger(ops):
    data_dir = Path(tempfile.mkdtemp(prefix="kiosk-store-prop-"))
    store = Store.open(data_dir, DEVICE)
    try:
        recorded: list = []
        earns: list[PointsEarned] = []
        for op in ops:
            if op[0] == "pull":
                through = store.seq_through + round(op[1] * (len(recorded) - store.seq_through))
                store.apply_batch(_pulled(recorded, through, len(recorded)))
            elif op[0] == "ack":
                store.acknowledge(e.event_id for e in store.pending(limit=op[1]))
            elif op[0] == "reopen":
                store.close()
                store = Store.open(data_dir, DEVICE)
            else:
                event = _event(op, earns, recorded)
                if event is not None:
                    recorded.append(store.record(event))
        assert [e.seq for e in recorded] == list(range(1, len(recorded) + 1))
        _assert_agrees(store, recorded)
        store.close()
        store = Store.open(data_dir, DEVICE)
        _assert_agrees(store, recorded)
        assert store.stats().problems == ()
    finally:
        store.close()
        shutil.rmtree(data_dir, ignore_errors=True)
