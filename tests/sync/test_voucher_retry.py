"""No orphan voucher codes: a lost answer and the cashier's retry leave exactly one code issued."""

from __future__ import annotations

import pytest

from central.transactions import in_transaction
from central.vouchers import import_codes, pool_counts
from device.sync.client import CentralClient
from loyalty.domain.events import PointsRedeemed, VoucherIssued
from loyalty.errors import SyncUnavailable
from tests.factories import ManualClock, signed_in_till


class LosesFirstAnswer:
    """Central's voucher call, whose first answer is lost on the way back (central did commit the code)."""

    def __init__(self, client: CentralClient) -> None:
        self.client = client
        self.asked: list[str] = []

    def __call__(self, partner, customer_id, redemption_id):
        self.asked.append(redemption_id)
        voucher = self.client.issue_voucher(partner, customer_id, redemption_id)
        if len(self.asked) == 1:
            raise SyncUnavailable("central did not answer in time")
        return voucher


@pytest.fixture
def till_online(config, central_server):
    till = signed_in_till(config, ManualClock())
    client = CentralClient(central_server.url, central_server.enrol_device(config.device.id), 5)
    in_transaction(central_server.engine, lambda c: import_codes(c, "holidays", [("HOL-1", 2000), ("HOL-2", 2000)]))
    yield till, client
    client.close()
    till.close()
    till.live_store.close()


def test_a_lost_voucher_answer_then_the_cashiers_retry_leaves_one_code_issued(till_online, central_server, config):
    till, client = till_online
    issuer = LosesFirstAnswer(client)
    till.voucher_issuer = issuer
    till.start_sale({"general": 200000})
    till.card_presented("A0000004")
    with pytest.raises(SyncUnavailable):
        till.redeem("holiday-20", pin="1234")
    result = till.redeem("holiday-20", pin="1234")  # the cashier tries again
    assert issuer.asked[0] == issuer.asked[1]
    assert result["voucher_code"] == "HOL-1"
    counts = in_transaction(central_server.engine, lambda c: pool_counts(c, "holidays"))
    assert counts == {"free": 1, "issued": 1}
    redeemed = [e for e in till.store.pending() if isinstance(e, PointsRedeemed)]
    issued = [e for e in till.store.pending() if isinstance(e, VoucherIssued)]
    assert [e.event_id for e in redeemed] == [issuer.asked[0]] and [e.code for e in issued] == ["HOL-1"]
    # The next voucher for the same customer is a new redemption, with a new code.
    assert till.redeem("holiday-20", pin="1234")["voucher_code"] == "HOL-2"


def test_the_retry_after_a_restart_of_the_till_reuses_the_redemption(till_online, central_server, config):
    till, client = till_online
    till.voucher_issuer = LosesFirstAnswer(client)
    till.start_sale({"general": 200000})
    till.card_presented("A0000004")
    with pytest.raises(SyncUnavailable):
        till.redeem("holiday-20", pin="1234")
    first = till.voucher_attempts.id_for("cust-00004", "holiday-20", "unused")
    from device.till.redemption_attempts import RedemptionAttempts

    reopened = RedemptionAttempts(config.data_dir / "voucher-attempts.json")
    assert reopened.id_for("cust-00004", "holiday-20", "fresh") == first
