"""The back office's voucher check lists codes issued with no redemption, in the page's language."""

from __future__ import annotations

import uuid

from central.transactions import in_transaction
from central.vouchers import import_codes, issue


def test_the_voucher_check_lists_an_orphan_code_for_head_office_only(app, engine, office, manager):
    in_transaction(engine, lambda c: import_codes(c, "holiday", [("ORPH-1", 2000)]))
    redemption = str(uuid.uuid4())
    in_transaction(engine, lambda c: issue(c, "holiday", "c1", "till-1", redemption))
    app.extensions["central.settings"] = type(app.extensions["central.settings"])(
        database_url=str(engine.url), voucher_release_s=0
    )  # no grace: the orphan shows at once
    page = office.get("/backoffice/vouchers-check").get_data(as_text=True)
    assert "code issued, no redemption recorded" in page and "ORPH-1" in page and redemption in page
    french = office.get("/backoffice/vouchers-check?lang=fr").get_data(as_text=True)
    assert "code émis, aucun échange enregistré" in french
    assert manager.get("/backoffice/vouchers-check").status_code == 403
