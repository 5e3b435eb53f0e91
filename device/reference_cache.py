"""The reference data central publishes (catalogue, cashiers, settings), kept on the device between pulls.

The sync worker hands every pulled page here before the store advances its cursor, so a crash between the
two only repeats an idempotent upsert. The file is small and rewritten atomically (temp, fsync, rename,
directory fsync) whenever a page changes it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from pathlib import Path

from device.store.fileops import FileOps
from loyalty.domain.card_filter import CardFilter
from loyalty.domain.earning import EarningScale
from loyalty.domain.expiry import ExpiryRule
from loyalty.domain.snapshot import CashierState, PulledBatch, RewardState
from loyalty.domain.tiers import TierScale
from loyalty.earning_rules import earning_from_json
from loyalty.errors import ConfigError
from loyalty.reference_settings import (
    CONTACT_HASH_KEY,
    EARNING_RULES,
    EXPIRY,
    ISSUED_CARDS,
    TIERS,
    expiry_rule_from,
    tier_scale_from,
)

log = logging.getLogger(__name__)

SCHEMA = 1


class ReferenceCache:
    """Latest rewards, cashiers and settings pulled from central, upserted by id; thread-safe."""

    def __init__(self, path: Path, fileops: FileOps | None = None) -> None:
        self._path = path
        self._ops = fileops or FileOps()
        self._lock = threading.Lock()
        self._rewards: dict[str, RewardState] = {}
        self._cashiers: dict[str, CashierState] = {}
        self._settings: dict[str, str] = {}
        self._card_filter: tuple[str, CardFilter | None] | None = None  # (its JSON, parsed once)
        self._load()

    def _load(self) -> None:
        if not self._path.exists():
            return
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("schema") != SCHEMA:
                raise ValueError(f"schema {data.get('schema') if isinstance(data, dict) else None!r}")
            rewards = {r["reward_id"]: RewardState(**r) for r in data.get("rewards", [])}
            cashiers = {c["cashier_id"]: CashierState(**c) for c in data.get("cashiers", [])}
            settings = {str(k): str(v) for k, v in data.get("settings", {}).items()}
        except (OSError, ValueError, TypeError, KeyError) as exc:
            aside = self._path.with_name(self._path.name + ".corrupt")
            self._path.replace(aside)
            log.error(
                "reference data file unreadable (%s), moved to %s; built-in defaults apply until "
                "central sends the data again",
                exc,
                aside.name,
            )
            return
        self._rewards, self._cashiers, self._settings = rewards, cashiers, settings

    def _save(self) -> None:
        record = {
            "schema": SCHEMA,
            "rewards": [dataclasses.asdict(r) for r in self._rewards.values()],
            "cashiers": [dataclasses.asdict(c) for c in self._cashiers.values()],
            "settings": dict(self._settings),
        }
        self._ops.write_atomic(self._path, [json.dumps(record, sort_keys=True).encode("utf-8")])

    def apply(self, batch: PulledBatch) -> None:
        """Upsert a pulled page's rewards, cashiers and settings; written to disk before returning."""
        if not (batch.rewards or batch.cashiers or batch.settings):
            return
        with self._lock:
            rewards = self._rewards | {r.reward_id: r for r in batch.rewards}
            cashiers = self._cashiers | {c.cashier_id: c for c in batch.cashiers}
            settings = self._settings | {s.key: s.value_json for s in batch.settings}
            if (rewards, cashiers, settings) == (self._rewards, self._cashiers, self._settings):
                return
            before = self._rewards, self._cashiers, self._settings
            self._rewards, self._cashiers, self._settings = rewards, cashiers, settings
            try:
                self._save()
            except BaseException:
                self._rewards, self._cashiers, self._settings = before
                raise
        log.info(
            "reference data updated: %d reward(s), %d cashier(s), %d setting(s) in this page",
            len(batch.rewards),
            len(batch.cashiers),
            len(batch.settings),
        )

    # -- reading -------------------------------------------------------------------------------------------
    def rewards(self) -> tuple[RewardState, ...]:
        """Every catalogue entry central sent, withdrawn ones (active=False) included."""
        with self._lock:
            return tuple(self._rewards.values())

    def cashiers(self) -> tuple[CashierState, ...]:
        """Every cashier central sent, deactivated ones included (so they can be refused)."""
        with self._lock:
            return tuple(self._cashiers.values())

    def setting(self, key: str) -> object | None:
        """A setting's JSON value, or None when central sent none (or sent unreadable JSON)."""
        with self._lock:
            raw = self._settings.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            log.warning("central setting %s is not valid JSON; ignored", key)
            return None

    def card_filter(self) -> CardFilter | None:
        """The filter of every card the chain issued (`issued_cards`), parsed once per version; None if absent."""
        with self._lock:
            raw = self._settings.get(ISSUED_CARDS)
            if raw is None:
                return None
            if self._card_filter is None or self._card_filter[0] is not raw:
                try:
                    parsed = CardFilter.from_json(raw)
                except ValueError:
                    log.warning("central setting %s is not a card filter; every card counts as issued", ISSUED_CARDS)
                    parsed = None
                self._card_filter = (raw, parsed)
            return self._card_filter[1]

    def contact_hash_key(self) -> bytes | None:
        """The chain's key for the keyed contact hashes (`contact_hash_key`), or None before central sent it."""
        value = self.setting(CONTACT_HASH_KEY)
        try:
            return bytes.fromhex(value) if isinstance(value, str) and value else None
        except ValueError:
            log.warning("central setting %s is not hexadecimal; ignored", CONTACT_HASH_KEY)
            return None

    def earning_scale(self) -> EarningScale | None:
        """The chain's earning scale from the `earning_rules` setting, or None when absent or invalid."""
        rules = self.setting(EARNING_RULES)
        if rules is None:
            return None
        try:
            return earning_from_json(rules).scale()
        except ConfigError as exc:
            log.warning("central earning rules ignored, the local scale applies: %s", exc)
            return None

    def expiry_rule(self) -> ExpiryRule | None:
        """The points lifetime and notice period from the `expiry` setting, or None when absent or invalid."""
        return expiry_rule_from(self.setting(EXPIRY))

    def tier_scale(self) -> TierScale | None:
        """The tier period and thresholds from the `tiers` setting, or None when absent or invalid."""
        return tier_scale_from(self.setting(TIERS))
