"""The rewards the till offers until central sends its catalogue: a small fixed list, the same in every shop."""

from __future__ import annotations

from loyalty.domain.rewards import Reward

DEFAULT_REWARDS: tuple[Reward, ...] = (
    Reward("coffee", "in_house", "Café offert", 50),
    Reward("tote-bag", "in_house", "Sac cabas", 150),
    Reward("voucher-5", "in_house", "Bon d'achat 5 €", 300),
    Reward("holiday-20", "partner_voucher", "Chèque vacances 20 €", 1000, partner="holidays", face_value_cents=2000),
)


def find_reward(rewards: tuple[Reward, ...], reward_id: str) -> Reward | None:
    return next((r for r in rewards if r.reward_id == reward_id), None)
