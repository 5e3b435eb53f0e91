"""Event records: every malformed input is refused with a message naming what is wrong."""

import json

import pytest

from loyalty.domain.events import PointsEarned, from_record, to_record
from loyalty.errors import InvalidEvent


def _earn_record(**changes):
    record = to_record(
        PointsEarned(
            device_id="till-1",
            customer_id="c1",
            receipt_ref="R1",
            amount_cents=1234,
            points=12,
            lines=(("general", 1234, 12),),
        )
    )
    record.update(changes)
    return record


def test_record_round_trips_through_json():
    record = _earn_record(seq=7)
    assert from_record(json.loads(json.dumps(record))) == from_record(record)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"type": "PointsStolen"}, "unknown event type"),
        ({"points": 1.5}, "points must be a whole number"),
        ({"points": True}, "points must be a whole number"),
        ({"points": -3}, "points cannot be negative"),
        ({"amount_cents": "12"}, "amount_cents must be a whole number"),
        ({"customer_id": None}, "customer_id cannot be empty"),
        ({"event_id": "not-a-uuid"}, "not a UUID"),
        ({"lines": [["general", 1.0, 1]]}, "each line must be"),
        ({"extra": 1}, "unknown field"),
        ({"receipt_ref": "x" * 501}, "longer than"),
    ],
)
def test_malformed_records_are_refused(changes, message):
    with pytest.raises(InvalidEvent, match=message):
        from_record(_earn_record(**changes))


def test_missing_required_field_is_named():
    record = _earn_record()
    del record["customer_id"]
    with pytest.raises(InvalidEvent, match="missing field 'customer_id'"):
        from_record(record)


@pytest.mark.parametrize("value", [None, [], "PointsEarned", 3])
def test_non_object_is_refused(value):
    with pytest.raises(InvalidEvent):
        from_record(value)


def test_reward_kind_must_be_known():
    record = {
        "type": "PointsRedeemed",
        "device_id": "d",
        "customer_id": "c",
        "reward_id": "r",
        "reward_kind": "cash",
        "points": 10,
    }
    with pytest.raises(InvalidEvent, match="reward_kind 'cash' is not one of"):
        from_record(record)
