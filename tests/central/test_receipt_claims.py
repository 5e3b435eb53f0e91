"""Central credits a receipt once per store: another till of the same store sending it is kept and flagged."""

from __future__ import annotations

from central.embedded import enrol_device
from loyalty.domain.events import EarnReversed, PointsEarned
from tests.central.conftest import Device


class StoreDevice(Device):
    """A device enrolled as standing in a given store."""

    def __init__(self, client, engine, device_id: str, store_id: str) -> None:
        self.client = client
        self.device_id = device_id
        self.headers = {"Authorization": f"Bearer {enrol_device(engine, device_id, store_id=store_id)}"}
        self.seq = 0


def _earn(device, ref: str, points: int = 25) -> PointsEarned:
    return PointsEarned(
        device_id=device.device_id,
        seq=device.next_seq(),
        customer_id="cust-1",
        receipt_ref=ref,
        amount_cents=points * 100,
        points=points,
        lines=(("general", points * 100, points),),
    )


def test_a_second_earn_of_a_receipt_from_another_till_of_the_store_is_not_credited(client, engine):
    till_b = StoreDevice(client, engine, "till-b", "store-9")
    till_c = StoreDevice(client, engine, "till-c", "store-9")
    elsewhere = StoreDevice(client, engine, "till-x", "store-2")
    first = _earn(till_b, "R-1")
    assert till_b.push([first])["flagged"] == []
    again = _earn(till_c, "R-1")
    answer = till_c.push([again])
    assert answer["acknowledged"] == [again.event_id] and answer["flagged"] == [again.event_id]
    assert elsewhere.push([_earn(elsewhere, "R-1")])["flagged"] == []  # another store's receipt R-1
    assert till_b.pull_all()["customers"]["cust-1"]["points"] == 50
    review = client.get("/api/admin/review", headers={"Authorization": "Bearer test-admin-token"}).json
    assert [row["event_id"] for row in review["flagged"]] == [again.event_id]


def test_refunds_of_one_receipt_from_two_tills_never_exceed_it(client, engine):
    till_b = StoreDevice(client, engine, "till-b", "store-9")
    till_c = StoreDevice(client, engine, "till-c", "store-9")
    earn = _earn(till_b, "R-2", 40)
    till_b.push([earn])
    flagged = []
    for device in (till_b, till_c):  # both refund the whole receipt while offline of each other
        refund = EarnReversed(
            device_id=device.device_id,
            seq=device.next_seq(),
            customer_id="cust-1",
            earn_event_id=earn.event_id,
            receipt_ref="R-2",
            refund_cents=4000,
            points=40,
        )
        flagged.append((refund.event_id, device.push([refund])["flagged"]))
    assert flagged[0][1] == [] and flagged[1][1] == [flagged[1][0]]  # the second is capped to nothing, and flagged
    assert till_b.pull_all()["customers"]["cust-1"]["points"] == 0
