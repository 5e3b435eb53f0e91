"""The self-service kiosk: what a shopper sees and does after tapping a card, without a cashier."""
