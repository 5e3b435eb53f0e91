"""The business steps the till and the self-service kiosk share: one implementation each, so no rule drifts.

`registration` (joining with a card), `redemption` (own points, a pool's, partner vouchers), `receipts` (the
shop's receipt, built one way) and `online` (whether central counts as reachable). The till
(`kiosk.till.desk`) and the kiosk screen (`kiosk.selfservice.screen`) call these; neither repeats them.
"""
