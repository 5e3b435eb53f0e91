"""Codes issued = redemptions recorded: an unconfirmed code is released, audited; the check lists mismatches."""

from __future__ import annotations

import json
import uuid

from click.testing import CliRunner
from sqlalchemy import select

from central import create_app
from central.cli import central
from central.embedded import enrol_device
from central.schema import audit
from central.settings import CentralSettings
from central.transactions import in_transaction
from central.voucher_reconcile import reconcile, release_unconfirmed
from central.vouchers import import_codes, issue, pool_counts
from loyalty.domain.events import PointsRedeemed, VoucherIssued


def _redeemed(device, redemption_id: str, code: str) -> list:
    return [
        PointsRedeemed(
            event_id=redemption_id,
            device_id=device.device_id,
            seq=device.next_seq(),
            customer_id="c1",
            reward_id="holiday-20",
            reward_kind="partner_voucher",
            points=0,
        ),
        VoucherIssued(
            device_id=device.device_id,
            seq=device.next_seq(),
            customer_id="c1",
            redemption_event_id=redemption_id,
            partner="holiday",
            code=code,
            face_value_cents=2000,
        ),
    ]


def test_a_code_whose_redemption_never_arrives_is_released_and_audited(engine, make_device):
    device = make_device()
    in_transaction(engine, lambda c: import_codes(c, "holiday", [("K1", 2000), ("K2", 2000)]))
    kept, lost = str(uuid.uuid4()), str(uuid.uuid4())
    kept_code = in_transaction(engine, lambda c: issue(c, "holiday", "c1", "till-1", kept)).code
    lost_code = in_transaction(engine, lambda c: issue(c, "holiday", "c1", "till-1", lost)).code
    device.push(_redeemed(device, kept, kept_code))  # the till recorded this one; the other answer was lost
    mismatches = in_transaction(engine, lambda c: reconcile(c, grace_s=0))
    assert [(m.kind, m.code, m.redemption_event_id) for m in mismatches] == [
        ("code_without_redemption", lost_code, lost)
    ]
    released = in_transaction(engine, lambda c: release_unconfirmed(c, release_after_s=0))
    assert released == [lost_code]
    assert in_transaction(engine, lambda c: pool_counts(c, "holiday")) == {"free": 1, "issued": 1}
    assert in_transaction(engine, lambda c: reconcile(c, grace_s=0)) == []
    with engine.connect() as connection:
        row = connection.execute(select(audit).where(audit.c.action == "voucher_released")).one()
    assert row.subject == f"holiday/{lost_code}" and json.loads(row.detail)["before"]["redemption_event_id"] == lost


def test_issue_takes_back_expired_orphans_before_a_free_code(database_url):
    app = create_app(settings=CentralSettings(database_url=database_url, voucher_release_s=0))
    engine = app.extensions["central.engine"]
    try:
        in_transaction(engine, lambda c: import_codes(c, "holiday", [("ONLY", 2000)]))
        token = enrol_device(engine, "till-1")
        client = app.test_client()
        for _ in range(2):  # each answer lost: nothing recorded; the next redemption gets the released code
            answer = client.post(
                "/api/vouchers/issue",
                headers={"Authorization": f"Bearer {token}"},
                json={"partner": "holiday", "customer_id": "c1", "redemption_event_id": str(uuid.uuid4())},
            )
            assert answer.status_code == 200 and answer.json["code"] == "ONLY"
    finally:
        engine.dispose()


def test_the_check_command_lists_mismatches_and_fails(make_device, engine):
    device = make_device()
    in_transaction(engine, lambda c: import_codes(c, "holiday", [("M1", 2000)]))
    redemption = str(uuid.uuid4())
    device.push(_redeemed(device, redemption, "NOT-FROM-POOL"))  # a redemption central never gave a code for
    url = str(engine.url.render_as_string(hide_password=False))
    answer = CliRunner().invoke(central, ["--database-url", url, "vouchers-check"])
    assert answer.exit_code == 1, answer.output
    assert f"redemption_without_code\tpartner=-\tcode=-\tredemption={redemption}" in answer.output
    assert "code_differs\tpartner=holiday\tcode=NOT-FROM-POOL" in answer.output
    assert "2 mismatch(es)" in answer.output
