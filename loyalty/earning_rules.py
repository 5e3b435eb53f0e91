"""The earning rules: the `[earning]` table of a device's configuration and the rules central publishes as JSON,
read by one parser so the back office, central's checks and every device compute the same points."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from loyalty.domain.earning import EarningScale, Promotion
from loyalty.errors import ConfigError
from loyalty.typed_tables import build_table

#: Whole-number keys of the earning table that must be above zero.
POSITIVE = frozenset({"per_cents"})


@dataclass(frozen=True)
class PromotionConfig:
    name: str
    starts: date
    ends: date
    multiplier_pct: int
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class EarningConfig:
    """The earning scale: `base_points` points per `per_cents` cents, multipliers in percent."""

    base_points: int = 1
    per_cents: int = 100
    receipt_cap: int | None = None
    daily_cap: int | None = None
    categories: dict[str, int] = field(default_factory=dict)
    promotions: tuple[PromotionConfig, ...] = ()

    def scale(self) -> EarningScale:
        return EarningScale(
            base_points=self.base_points,
            per_cents=self.per_cents,
            category_multipliers_pct=dict(self.categories),
            promotions=tuple(
                Promotion(p.name, p.starts, p.ends, p.multiplier_pct, frozenset(p.categories)) for p in self.promotions
            ),
            receipt_cap=self.receipt_cap,
            daily_cap=self.daily_cap,
        )


def earning_from_json(rules: object) -> EarningConfig:
    """The [earning] table as central sends it in JSON (dates as YYYY-MM-DD text), checked like kiosk.toml's."""
    if not isinstance(rules, dict):
        raise ConfigError(f"earning rules must be a table, got {rules!r}")
    rules = {k: v for k, v in rules.items() if k != "category_names"}  # names are for screens, not the scale
    promotions = rules.get("promotions")
    if isinstance(promotions, list):
        converted = []
        for n, promo in enumerate(promotions):
            if isinstance(promo, dict):
                promo = dict(promo)
                for key in ("starts", "ends"):
                    if isinstance(promo.get(key), str):
                        try:
                            promo[key] = date.fromisoformat(promo[key])
                        except ValueError:
                            raise ConfigError(
                                f"earning.promotions[{n}].{key} = {promo[key]!r} must be a date written as YYYY-MM-DD"
                            ) from None
            converted.append(promo)
        rules = rules | {"promotions": converted}
    earning = build_table(EarningConfig, rules, "earning.", POSITIVE)
    check_promotions(earning)
    return earning


def check_promotions(earning: EarningConfig) -> None:
    for promo in earning.promotions:
        if promo.ends < promo.starts:
            raise ConfigError(f"earning.promotions {promo.name!r}: ends {promo.ends} is before starts {promo.starts}")
