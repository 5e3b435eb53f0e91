"""What the self-service screen shows and does: a card's summary, redeeming with confirmation, registering.

The screen acts only for the card on the reader (or the phone card just scanned): `present` starts a
session, `removed`/`end` close it, and every step checks the card is still the one presented, so a card
taken away mid-flow can do nothing more. Views never touch the store: they call this object.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from device.selfservice.rewards import RewardsFile
from device.standing import CustomerStanding, standing_of
from device.sync.offline import OfflineLimits
from device.usecases.card_lookup import CardLookup
from device.usecases.redemption import Redemption as Redeeming
from device.usecases.registration import Registration
from hardware.errors import HardwareError
from loyalty.domain import business_clock
from loyalty.domain.events import EarnReversed, Event, PointsEarned, PointsRedeemed, PoolRedeemed, VoucherIssued
from loyalty.domain.rewards import Reward
from loyalty.errors import (
    BalanceLater,
    CardBlocked,
    CardNotKnowable,
    CardNotPresent,
    ConsentRequired,
    DailyRedeemLimit,
    InsufficientPoints,
    KioskError,
    OfflineLimitReached,
    PoolRefused,
    SelfServiceRefused,
    SyncError,
    UnknownCard,
    UnknownReward,
)

logger = logging.getLogger(__name__)

RECENT_OPERATIONS = 5


@dataclass(frozen=True)
class Operation:
    """One line of the shopper's recent history (ids and amounts only)."""

    kind: str  # earned | redeemed | reversed | voucher
    points: int
    at: str
    code: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class NextReward:
    name: str
    points_price: int
    missing: int
    progress_pct: int


@dataclass(frozen=True)
class CardSummary:
    """The balance screen: first name and surname initial only, never the full name."""

    card_uid: str
    customer_id: str
    first_name: str
    surname_initial: str
    points: int
    next_reward: NextReward | None
    affordable: tuple[Reward, ...]
    recent: tuple[Operation, ...]
    redeem_left_today: int
    #: True when central could not be asked: `recent` then holds only this kiosk's unsynced operations.
    recent_offline: bool = False
    #: Points expiring soon and the tier, from the store and central's settings (empty without settings).
    standing: CustomerStanding = CustomerStanding()


@dataclass(frozen=True)
class Redemption:
    """A kiosk redemption done: what to show and what was printed."""

    reward: Reward
    points: int
    balance: int
    redemption_event_id: str
    voucher_code: str | None = None
    printed: bool = False
    #: True when the member spent the pool's points; `balance` is then the pool's.
    from_pool: bool = False


def surname_initial(last_name: str | None) -> str:
    """'Dupont' → 'D.'; nothing when unknown (the screen never shows a full surname)."""
    name = (last_name or "").strip()
    return f"{name[0].upper()}." if name else ""


class KioskScreen:
    """The kiosk's session and steps; `central` is the online client (None: offline or alone)."""

    def __init__(
        self,
        store,
        rewards: RewardsFile,
        *,
        device_id: str,
        redeem_per_day: int = 2,
        consent_version: str = "v1",
        central=None,
        print_receipt: Callable[[object], str] | None = None,
        receipt_for: Callable[..., object] | None = None,
        offline_limits: OfflineLimits | None = None,
        online: Callable[[], bool] | None = None,
        verifier=None,
        clock: Callable[[], float] = business_clock.now,
        catalogue_refresh_s: float = 300.0,
        reference=None,
    ):
        self.store = store
        self.rewards = rewards
        self.device_id = device_id
        self.redeem_per_day = redeem_per_day
        self.consent_version = consent_version
        self.central = central
        self.print_receipt = print_receipt
        self.receipt_for = receipt_for
        self.offline_limits = offline_limits or OfflineLimits()
        # The till's own use cases: the same checks, ids and events for a shopper here as for a cashier there.
        self.redeeming = Redeeming(device_id, self.offline_limits, self._issue_voucher if central is not None else None)
        self.registration = Registration(device_id, consent_version, "kiosk")
        self.online = online or (lambda: central is not None)
        self.verifier = verifier
        self.clock = clock
        self.catalogue_refresh_s = catalogue_refresh_s
        self.reference = reference  # central's settings (kiosk.reference_cache.ReferenceCache): expiry, tiers
        # Cards of other stores: looked up at central when online; offline the balance shows later.
        self.cards = CardLookup(
            store,
            central=getattr(central, "card_customer", None),
            online=self.online,
            issued_cards=reference.card_filter if reference is not None else lambda: None,
        )
        self._lock = threading.Lock()
        self._present: str | None = None
        self._redeemed: dict[tuple[str, str], int] = {}
        self._closed = threading.Event()
        self._follower: threading.Thread | None = None

    def _issue_voucher(self, partner: str, customer_id: str, redemption_id: str):
        """A partner's code from central, asked when a voucher is redeemed (never before)."""
        return self.central.issue(partner, customer_id, redemption_id)

    # -- session ---------------------------------------------------------------------------------------

    def present(self, card_uid: str) -> None:
        with self._lock:
            self._present = card_uid

    def removed(self, card_uid: str | None = None) -> None:
        with self._lock:
            if card_uid is None or self._present == card_uid:
                self._present = None

    def end(self) -> None:
        self.removed()

    def follow(self, bus) -> None:
        """Track taps and removals from the service's bus in a daemon thread, until `close()`."""
        subscription = bus.subscribe(maxsize=64)

        def run() -> None:
            next_refresh = 0.0
            with subscription:
                while not self._closed.is_set():
                    if self.central is not None and time.monotonic() >= next_refresh:
                        self.refresh_rewards()
                        next_refresh = time.monotonic() + self.catalogue_refresh_s
                    message = subscription.get(timeout=0.5)
                    if message is None:
                        continue
                    if message.kind == "card_tapped":
                        self.present(message.data["uid"])
                    elif message.kind == "card_removed":
                        self.removed(message.data["uid"])

        self._follower = threading.Thread(target=run, name="kiosk-screen", daemon=True)
        self._follower.start()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        """Stop following the bus and end open event streams (idempotent)."""
        self._closed.set()
        if self._follower is not None:
            self._follower.join(timeout=2)
            self._follower = None

    @property
    def presented(self) -> str | None:
        return self._present

    def _require_present(self, card_uid: str) -> None:
        if self._present is None or self._present != card_uid:
            raise CardNotPresent("put your card back on the reader to continue")

    def identify_qr(self, payload: str) -> str:
        """A phone card QR shown to the scanner: the card it stands for becomes the presented card."""
        if self.verifier is None:
            raise SelfServiceRefused("phone cards are not accepted on this kiosk yet; use the plastic card")
        card_uid = self.verifier.identify_qr(payload, self.clock())
        self.present(card_uid)
        return card_uid

    def refresh_rewards(self) -> bool:
        """Take central's current catalogue; offline, the last one kept on disk stays in use."""
        if self.central is None:
            return False
        try:
            self.rewards.put(self.central.catalogue())
            return True
        except KioskError as exc:
            logger.info("catalogue not refreshed: %s", type(exc).__name__)
            return False

    def pool(self, card_uid: str) -> dict | None:
        """The pool of the presented card's customer: central's figure online, else the one pulled into the store
        with this kiosk's pending pool events; None without a pool."""
        self._require_present(card_uid)
        view = self.store.customer_by_card(card_uid)
        if view is None:
            return None
        found = None
        if self.central is not None:
            try:
                found = self.central.pool_of(view.customer_id)
            except KioskError as exc:
                logger.info("pool balance from central not available: %s", type(exc).__name__)
        local = self.store.pool_summary(view.customer_id)
        if found is None and local is not None:
            found = {"pool_id": local.pool_id, "points": local.points, "members": local.members}
        if found is None or local is None:
            return found
        # What the member may spend here: what this kiosk knows the pool holds (central may know of more).
        spendable = min(int(found["points"]), local.points)
        return {
            **found,
            "spendable": spendable,
            "rewards": [r for r in self.rewards.rewards() if r.points_price <= spendable],
        }

    # -- reading ---------------------------------------------------------------------------------------

    def summary(self, card_uid: str) -> CardSummary:
        """The balance screen for the presented card; UnknownCard leads to self-registration."""
        self._require_present(card_uid)
        view = self.store.customer_by_card(card_uid)
        if view is None and self.store.cache_lost:
            raise CardNotKnowable(
                "this kiosk's customer list is damaged and not yet rebuilt from central: the card "
                "may be a customer's, so it cannot be registered now"
            )
        if view is None or view.erased:
            found = self.cards.find(card_uid)
            if found.stand_in:
                raise BalanceLater(
                    "this kiosk cannot reach central to read this card's account: its balance shows "
                    "once central answers again"
                )
            view = found.view
        if view is None or view.erased:
            raise UnknownCard("this card is not registered yet")
        if view.card_blocked:
            raise CardBlocked("this card is blocked; please ask at the till")
        rewards = self.rewards.rewards()
        points = view.points
        upcoming = next((r for r in rewards if r.points_price > points), None)
        next_reward = None
        if upcoming is not None:
            next_reward = NextReward(
                upcoming.name,
                upcoming.points_price,
                upcoming.points_price - points,
                max(0, min(99, points * 100 // upcoming.points_price)),
            )
        recent, offline = self._recent(view.customer_id)
        return CardSummary(
            card_uid,
            view.customer_id,
            view.first_name or "",
            surname_initial(view.last_initial or view.last_name),
            points,
            next_reward,
            tuple(r for r in rewards if r.points_price <= points),
            recent,
            self._left_today(view.customer_id),
            offline,
            self.standing(view.customer_id),
        )

    def standing(self, customer_id: str) -> CustomerStanding:
        """Points expiring soon and the tier, from the store alone (so offline too)."""
        return standing_of(self.store, self.reference, customer_id, self._local_date())

    def _recent(self, customer_id: str) -> tuple[tuple[Operation, ...], bool]:
        """This kiosk's pending operations merged with central's history (one line per event id), newest first;
        the flag says central could not be asked."""
        pending = self._pending_operations(customer_id)
        if self.central is None:
            return pending, True
        try:
            rows = self.central.recent_operations(customer_id, RECENT_OPERATIONS)
            held = tuple(
                Operation(str(r["kind"]), int(r["points"]), str(r["at"]), r.get("code"), str(r["event_id"]))
                for r in rows
            )
        except KioskError as exc:
            logger.info("history not available from central: %s", type(exc).__name__)
            return pending, True
        except (KeyError, TypeError, ValueError):
            logger.info("history from central not readable")
            return pending, True
        seen: set[str] = set()
        merged: list[Operation] = []
        for operation in sorted(pending + held, key=lambda op: op.at, reverse=True):
            if operation.event_id in seen:
                continue
            seen.add(operation.event_id or "")
            merged.append(operation)
        return tuple(merged[:RECENT_OPERATIONS]), False

    def _pending_operations(self, customer_id: str) -> tuple[Operation, ...]:
        found: list[Operation] = []
        for event in reversed(self.store.pending()):
            if getattr(event, "customer_id", None) != customer_id:
                continue
            operation = _operation(event)
            if operation is not None:
                found.append(operation)
            if len(found) >= RECENT_OPERATIONS:
                break
        return tuple(found)

    def _local_date(self) -> date:
        return datetime.fromtimestamp(self.clock()).astimezone().date()

    def _today(self) -> str:
        return self._local_date().isoformat()

    def _left_today(self, customer_id: str) -> int:
        today = self._today()
        pending = sum(
            1
            for e in self.store.pending()
            if isinstance(e, (PointsRedeemed, PoolRedeemed))
            and e.customer_id == customer_id
            and e.day == today
            and e.device_id == self.device_id
        )
        used = max(pending, self._redeemed.get((customer_id, today), 0))
        return max(0, self.redeem_per_day - used)

    def reward(self, reward_id: str) -> Reward:
        reward = self.rewards.get(reward_id)
        if reward is None:
            raise UnknownReward("this reward is no longer offered")
        return reward

    def confirmation(
        self, card_uid: str, reward_id: str, from_pool: bool = False
    ) -> tuple[CardSummary, Reward, dict | None, int]:
        """What the confirm screen shows (summary, reward, pool, points available), refused when the card's own
        points, or its pool's, do not cover the reward."""
        summary = self.summary(card_uid)
        reward = self.reward(reward_id)
        pool = self.pool(card_uid) if from_pool else None
        if from_pool and pool is None:
            raise PoolRefused("only a member of a pool can spend its points")
        available = pool.get("spendable", 0) if pool else summary.points
        if reward.points_price > available:
            raise InsufficientPoints(f"{available} points do not cover {reward.points_price}")
        return summary, reward, pool, available

    # -- redeeming -------------------------------------------------------------------------------------

    def redeem(self, card_uid: str, reward_id: str, from_pool: bool = False) -> Redemption:
        """Spend points (the card's own, or its pool's when `from_pool`) on a reward after the shopper confirmed;
        prints the voucher. Pool spending has the same daily and offline limits as the card's own points."""
        summary = self.summary(card_uid)
        reward = self.reward(reward_id)
        if summary.redeem_left_today <= 0:
            raise DailyRedeemLimit(
                "this card has used all its kiosk rewards for today; come back tomorrow or ask at the till"
            )
        event = self.redeeming.prepare(
            self.store, reward, summary.customer_id, online=self.online(), from_pool=from_pool
        )
        issued = None
        if reward.needs_central:
            try:
                issued = self.redeeming.voucher(reward, summary.customer_id, event.event_id)
            except SyncError as exc:
                raise OfflineLimitReached(f"the voucher could not be issued now ({exc}); nothing was spent") from None
        code = issued.code if issued is not None else None
        self._require_present(card_uid)
        self.redeeming.record(self.store, event, issued)
        key = (summary.customer_id, self._today())
        self._redeemed[key] = self._redeemed.get(key, 0) + 1
        balance = (
            self.store.pool_balance(event.pool_id)
            if from_pool  # type: ignore[union-attr]
            else self.store.balance(summary.customer_id)
        )
        logger.info(
            "kiosk redemption %s of reward %s (%d points%s)",
            event.event_id,
            reward.reward_id,
            event.points,
            " from the pool" if from_pool else "",
        )
        # The slip shows the shopper's own balance; the screen says what is left in the pool.
        printed = self._print(event, reward, self.store.balance(summary.customer_id) if from_pool else balance, code)
        return Redemption(reward, event.points, balance, event.event_id, code, printed, from_pool)

    def _print(self, event: PointsRedeemed, reward: Reward, balance: int, code: str | None) -> bool:
        if self.print_receipt is None or self.receipt_for is None:
            return False
        try:
            expiring = self.standing(event.customer_id).expiring
            self.print_receipt(
                self.receipt_for(event=event, reward=reward, balance=balance, code=code, expiring=expiring)
            )
            return True
        except (HardwareError, KioskError) as exc:
            logger.warning("kiosk voucher %s not printed: %s", event.event_id, type(exc).__name__)
            return False

    # -- registering -----------------------------------------------------------------------------------

    def register(self, card_uid: str, *, first_name: str, consent: bool) -> CardSummary:
        """Self-registration of an unknown card: consent first, then a first name; nothing else is asked."""
        self._require_present(card_uid)
        if consent is not True:
            raise ConsentRequired("to join the programme, please accept the conditions first")
        self.cards.find(card_uid).may_join()  # offline, an unknown card may be a customer's at another store
        self.registration.register(self.store, card_uid, first_name, consent)  # the till's one rule
        return self.summary(card_uid)

    def phone_link(self, card_uid: str) -> str:
        """The address of the card's phone card page, to show as a QR (needs central)."""
        self._require_present(card_uid)
        if self.central is None:
            raise OfflineLimitReached("the phone card needs the central server, which this kiosk cannot reach")
        try:
            return self.central.phone_link(card_uid)
        except SyncError as exc:
            raise OfflineLimitReached(f"the phone card link could not be made now ({exc})") from None


def _operation(event: Event) -> Operation | None:
    if isinstance(event, PointsEarned):
        return Operation("earned", event.points, event.at, event_id=event.event_id)
    if isinstance(event, PointsRedeemed):
        return Operation("redeemed", event.points, event.at, event_id=event.event_id)
    if isinstance(event, EarnReversed):
        return Operation("reversed", event.points, event.at, event_id=event.event_id)
    if isinstance(event, VoucherIssued):
        return Operation("voucher", 0, event.at, event.code, event.event_id)
    return None
