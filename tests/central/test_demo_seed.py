"""The demo's central: named demo cards, a catalogue with partner vouchers and their code pools; seeding twice adds
nothing."""

from sqlalchemy import func, select

from central.demo import seed, seed_catalogue, seed_demo_cards
from central.schema import catalogue
from central.transactions import in_transaction
from central.vouchers import issue, pool_counts


def test_demo_seed_is_idempotent_and_its_vouchers_can_be_issued(engine):
    for _ in range(2):
        seed(engine, 5)
        seed_demo_cards(engine)
        seed_catalogue(engine, codes_per_partner=3)
    rewards = in_transaction(engine, lambda c: c.execute(select(func.count()).select_from(catalogue)).scalar())
    assert rewards == 5
    for partner in ("holidays", "home-services"):
        assert in_transaction(engine, lambda c, p=partner: pool_counts(c, p)) == {"free": 3, "issued": 0}
    voucher = in_transaction(engine, lambda c: issue(c, "holidays", "demo-camille", "demo-till-1", "r-1"))
    assert voucher.code.startswith("DEMO-CV-") and voucher.face_value_cents == 2000


def test_demo_terms_warn_camille_of_her_oldest_points_and_keep_what_the_back_office_set(engine):
    from datetime import date

    from central.backoffice import loyalty_terms, reports
    from central.demo import seed_loyalty_terms
    from loyalty.domain.expiry import ExpiryRule, notice
    from loyalty.domain.ledger import Ledger

    seed_demo_cards(engine)
    seed_loyalty_terms(engine)
    stored = in_transaction(engine, lambda c: loyalty_terms.read_setting(c, loyalty_terms.EXPIRY))
    rule = ExpiryRule(stored["after_days"], stored["notice_days"])
    soon = notice(Ledger.fold(in_transaction(engine, reports.load_events)), "demo-camille", date.today(), rule)
    assert soon.points == 60 and soon.first_day is not None
    in_transaction(engine, lambda c: loyalty_terms.save_expiry(c, "anna", ExpiryRule(400, 10)))
    seed_loyalty_terms(engine)
    assert in_transaction(engine, lambda c: loyalty_terms.read_setting(c, loyalty_terms.EXPIRY)) == {
        "after_days": 400,
        "notice_days": 10,
    }
    tiers = in_transaction(engine, lambda c: loyalty_terms.read_setting(c, loyalty_terms.TIERS))
    assert [t["name"] for t in tiers["tiers"]] == ["Bronze", "Argent", "Or"]
