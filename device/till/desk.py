"""The till's use cases: one object per device, driven by the touch screen, the card reader and the POS.

A sale is keyed (or pushed by the POS) first; the next card tap or phone QR credits it at once and the
result goes to the screen over the bus (message kind "till"). An unknown card opens the new-customer form
(per the capture mode), and the sale is credited as soon as the customer is saved. Training mode swaps in
a separate store that is never synced and marks every receipt TRAINING.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

from device.bus import EventBus
from device.config import Config
from device.disk_space import is_no_space
from device.receipt_code import receipt_code, reference_in
from device.reference_cache import ReferenceCache
from device.standing import standing_of
from device.store import Store
from device.store.views import CustomerView
from device.sync.offline import OfflineLimits
from device.till import presenter
from device.till.adoption import AdoptionBook
from device.till.cashier_book import CashierBook
from device.till.presenter import sale_dict as _sale_dict
from device.till.profile_qr import profile_link_for
from device.till.recent_receipts import RecentReceipt, RecentReceipts
from device.till.redemption_attempts import RedemptionAttempts
from device.till.sessions import CashierSessions
from device.till.training import TrainingBook
from device.till.waiting_refunds import WaitingRefunds
from device.usecases import receipts
from device.usecases.card_lookup import CardFound, CardLookup, CentralCustomers
from device.usecases.online import is_online
from device.usecases.redemption import Redemption, VoucherIssuer
from device.usecases.registration import MAX_FIELD, PROFILE_FIELDS, Registration, clean_profile_text
from hardware.errors import HardwareError, UnknownPrintJob
from loyalty.cashiers import CAPTURE_MODES, Cashier
from loyalty.catalogue import DEFAULT_REWARDS, find_reward
from loyalty.domain import business_clock, operations
from loyalty.domain.customers import card_of_stand_in, clean_first_name, contact_hashes, unknown_card_customer
from loyalty.domain.earning import EarningScale, check_cents
from loyalty.domain.events import (
    EarnReversed,
    Event,
    PointsEarned,
    PointsRedeemed,
    PoolRedeemed,
    ProfileUpdated,
    RedemptionCancelled,
    new_event_id,
)
from loyalty.domain.expiry import ExpiryNotice
from loyalty.domain.ledger import EarnRecord
from loyalty.domain.rewards import IssuedVoucher, Reward
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch
from loyalty.errors import (
    CardBlocked,
    CardNeedsCentral,
    ConfirmationRequired,
    InvalidAmount,
    InvalidProfileField,
    KioskError,
    ManagerPinRequired,
    NoCustomer,
    NoRecentSale,
    NotForThisRole,
    NothingToUndo,
    PhoneCodeRefused,
    PinRequired,
    ReceiptAlreadyCredited,
    ReceiptNeedsCentral,
    SignInRefused,
    SyncError,
    UndoNeedsManager,
    UnknownCard,
    UnknownCustomer,
    UnknownReceipt,
    UnknownReward,
    error_codes,
)
from loyalty.reference_settings import CAPTURE_MODE as CAPTURE_SETTING

logger = logging.getLogger(__name__)

#: A customer seen again within this time is on the same visit: no second profile question.
VISIT_S = 3600.0
#: What a later visit may ask, one field a visit: the first name first (it may have been left for later).
ASKED_FIELDS = ("first_name", *PROFILE_FIELDS)


@dataclass(frozen=True)
class PendingSale:
    """A receipt waiting for a card: amount per category in cents."""

    receipt_ref: str
    lines: tuple[tuple[str, int], ...]
    source: str
    started: float

    @property
    def amount_cents(self) -> int:
        return sum(cents for _, cents in self.lines)


@dataclass(frozen=True)
class LastOperation:
    """The operation the Undo button would cancel."""

    kind: str
    event: Event
    at: float
    training: bool


class Till:
    """What a cashier does at one till; thread-safe (one lock around each operation).

    Joining, redeeming, receipts and the online rule are the use cases the kiosk shares (device.usecases);
    what the screen is sent is formatted by device.till.presenter.
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        bus: EventBus,
        *,
        devices=None,
        sync_state: Callable[[], Mapping[str, object]] = lambda: {"state": "alone"},
        rewards: tuple[Reward, ...] = DEFAULT_REWARDS,
        clock: Callable[[], float] = time.monotonic,
        reference: ReferenceCache | None = None,
        phone_verifier=None,
        voucher_issuer: VoucherIssuer | None = None,
        daily_summary_source: Callable[[str, str], str] | None = None,
        receipt_source: Callable[[str], dict | None] | None = None,
        customers: CentralCustomers | None = None,
    ):
        """`devices` print and signal (None: none); `phone_verifier` reads phone card QR codes (loyalty.phonecard);
        `voucher_issuer` asks central for partner codes, `daily_summary_source` for the store's day,
        `receipt_source` for another till's receipt and `customers` for customers this till does not hold
        (each None without central)."""
        self.config = config
        self.live_store = store
        self.bus = bus
        self.devices = devices
        self.phone_verifier = phone_verifier
        self.sync_state = sync_state
        self._builtin_rewards = rewards
        self._clock = clock
        self._lock = threading.RLock()
        data_dir = config.data_dir
        self.reference = reference if reference is not None else ReferenceCache(data_dir / "reference-data.json")
        self.registration = Registration(
            config.device.id, config.till.consent_version, "till", first_name_later=True
        )  # a queue waits: the first name may come at the next visit
        self.redeeming = Redemption(config.device.id, OfflineLimits.from_config(config.central), voucher_issuer)
        self.cashiers = CashierBook(data_dir / "cashiers.json", central=self._central_cashiers)
        self.sessions = CashierSessions(config.till.session_timeout_s, clock)
        self.adoption = AdoptionBook(data_dir / "till-adoption.json")
        self.voucher_attempts = RedemptionAttempts(data_dir / "voucher-attempts.json")
        self.waiting_refunds = WaitingRefunds(data_dir / "waiting-refunds.json")
        self.receipt_source = receipt_source
        self.central_customers = customers
        self.cards = CardLookup(
            store,
            central=customers.card_customer if customers else None,
            online=self.online,
            issued_cards=self.reference.card_filter,
        )
        self.training_book = TrainingBook(data_dir / "till-training.json", clock)
        self._training_dir = data_dir / "training-store"
        self._training_store: Store | None = None
        self._recent = {
            False: RecentReceipts(data_dir / "till-receipts.json"),
            True: RecentReceipts(data_dir / "till-training-receipts.json"),
        }
        self.training = False
        self._sale: PendingSale | None = None
        self._customer_id: str | None = None
        self._shown_card: str | None = None  # the card of the customer on screen
        self._unknown_card: str | None = None
        self._last: LastOperation | None = None
        self._last_job: str | None = None
        self._offered: dict[str, float] = {}  # customer -> when a profile field was last suggested
        self.server_ms: list[float] = []
        self.daily_summary_source = daily_summary_source
        # LEDs, buzzer and receipts follow the screen: they run here, in order, after the result is shown.
        self._effects = ThreadPoolExecutor(1, thread_name_prefix="till-effects")

    # -- state -----------------------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The live store, or the training store in training mode."""
        return self._training_store if self.training and self._training_store is not None else self.live_store

    @property
    def voucher_issuer(self) -> VoucherIssuer | None:
        """Central's partner codes, through the redemption use case the kiosk shares."""
        return self.redeeming.issuer

    @voucher_issuer.setter
    def voucher_issuer(self, issuer: VoucherIssuer | None) -> None:
        self.redeeming.issuer = issuer

    def online(self) -> bool:
        """Central counts as reachable by the kiosk's rule too (`device.usecases.online`)."""
        return is_online(self.sync_state())

    def set_training(self, on: bool) -> None:
        with self._lock:
            if on and self._training_store is None:
                self._training_store = Store.open(self._training_dir, self.config.device.id)
            self.training = on
            self._reset()
        self._publish("mode", {})

    def _fresh_training_store(self) -> None:
        """Each drill starts on an empty training store, so its new card is new again however often it is run."""
        if self._training_store is not None:
            self._training_store.close()
        shutil.rmtree(self._training_dir, ignore_errors=True)
        self._training_store = Store.open(self._training_dir, self.config.device.id)
        self._reset()

    def _reset(self) -> None:
        self._sale = None
        self._customer_id = None
        self._unknown_card = None
        self._last = None

    @property
    def rewards(self) -> tuple[Reward, ...]:
        """Central's catalogue (withdrawn entries left out) once one was pulled, else the built-in list."""
        pulled = self.reference.rewards()
        if not pulled:
            return self._builtin_rewards
        offered = []
        for state in pulled:
            if not state.active:
                continue
            try:
                offered.append(
                    Reward(
                        state.reward_id,
                        state.kind,
                        state.name,
                        state.points_price,
                        stock=state.stock,
                        partner=state.partner,
                        face_value_cents=state.face_value_cents,
                    )
                )
            except (ValueError, TypeError) as exc:
                logger.warning("reward %s from central ignored: %s", state.reward_id, exc)
        return tuple(sorted(offered, key=lambda r: (r.points_price, r.reward_id)))

    def _central_cashiers(self) -> dict[str, Cashier | None]:
        """Central's cashiers by id, None for a deactivated one; per-cashier capture modes from central."""
        modes = self._capture_setting().get("cashiers")
        modes = modes if isinstance(modes, dict) else {}
        found: dict[str, Cashier | None] = {}
        for state in self.reference.cashiers():
            if not state.active:
                found[state.cashier_id] = None
                continue
            mode = modes.get(state.cashier_id)
            try:
                found[state.cashier_id] = Cashier(
                    state.cashier_id,
                    state.name,
                    state.role,
                    state.pin_hash,
                    state.language,
                    mode if mode in CAPTURE_MODES else None,
                )
            except ValueError as exc:
                logger.warning("cashier %s from central ignored: %s", state.cashier_id, exc)
                found[state.cashier_id] = None
        return found

    def _capture_setting(self) -> dict:
        value = self.reference.setting(CAPTURE_SETTING)
        return value if isinstance(value, dict) else {}

    def earning_scale(self) -> EarningScale:
        """Central's earning rules when pulled (and valid), else the local config's scale."""
        return self.reference.earning_scale() or self.config.earning.scale()

    def capture_mode(self, cashier: Cashier | None) -> str:
        """The cashier's own capture mode, else this store's from central, else the chain's, else the config's."""
        if cashier is not None and cashier.capture_mode in CAPTURE_MODES:
            return cashier.capture_mode
        setting = self._capture_setting()
        stores = setting.get("stores")
        for mode in ((stores if isinstance(stores, dict) else {}).get(self.config.device.id), setting.get("default")):
            if mode in CAPTURE_MODES:
                return mode
        return self.config.till.capture_mode

    def snapshot(self) -> dict:
        """What the till page shows when it (re)loads."""
        with self._lock:
            sale = self._sale
            customer = self.store.customer(self._customer_id) if self._customer_id else None
            return {
                "training": self.training,
                "online": self.online(),
                "sale": _sale_dict(sale),
                "customer": self._customer_dict(customer) if customer else None,
                "unknown_card": self._unknown_card,
                "can_undo": self._last is not None,
                "cache_lost": self.store.cache_lost and not self.training,
            }

    def _active_cashier(self) -> Cashier | None:
        session = self.sessions.active()
        return session.cashier if session else None

    def _publish(self, event: str, data: dict) -> None:
        self.bus.publish("till", {"event": event, "training": self.training, **data})

    def _later(self, action: Callable[..., None], *args: object, **kwargs: object) -> None:
        def run() -> None:
            try:
                action(*args, **kwargs)
            except Exception:  # a lamp or a receipt must never undo a recorded operation
                logger.exception("till follow-up %s failed", getattr(action, "__name__", action))

        self._effects.submit(run)

    def _signal(self, pattern: str) -> None:
        if self.devices is not None:
            try:
                self.devices.signal(pattern)
            except (KioskError, HardwareError) as exc:
                logger.warning("signal %s failed: %s", pattern, exc)

    # -- sale ------------------------------------------------------------------------------------------
    def start_sale(
        self, lines: Mapping[str, object], *, receipt_ref: str | None = None, source: str = "keyed"
    ) -> PendingSale:
        """Hold a receipt for the next card: `lines` maps category to cents (one "general" line when keyed).

        A new sale starts on a clean screen: the previous customer is no longer shown. A new card whose capture
        form is still open stays (the POS may push its basket meanwhile): the customer's yes credits this sale.
        """
        sale = self._checked_sale(lines, receipt_ref, source)
        with self._lock:
            self._sale = sale
            self._customer_id = None
        self._publish("sale", {"sale": _sale_dict(sale)})
        return sale

    def credit_shown_customer(self, lines: Mapping[str, object], customer_id: str) -> dict:
        """The amount keyed while the customer tapped, before OK was pressed: credit it to that customer.

        Nothing keyed is lost: if another customer is on screen by now, it is refused and the amount stays.
        """
        sale = self._checked_sale(lines, None, "keyed")
        cashier = self._active_cashier()
        try:
            with self._lock:
                if self._shown_card is not None and customer_id == unknown_card_customer(self._shown_card):
                    view = self._stand_in_view(self._shown_card)  # a card only central knows, credited all the same
                else:
                    view = self.store.customer(self._customer_id) if self._customer_id == customer_id else None
                if view is None or view.erased:
                    raise NoRecentSale("the customer on screen changed; press OK and tap the card again")
                self._sale = sale
                return self._earn(view, self._shown_card, cashier.cashier_id if cashier else None)
        except KioskError as exc:
            self._failed(exc)
            raise

    def clear_screen(self) -> None:
        """Forget the customer shown (a cashier signs in or out): the next cashier starts on a clean screen."""
        with self._lock:
            self._customer_id = None
            self._unknown_card = None
        self._publish("cleared", {"sale": _sale_dict(self._sale)})

    def _checked_sale(self, lines: Mapping[str, object], receipt_ref: str | None, source: str) -> PendingSale:
        if not isinstance(lines, Mapping) or not lines:
            raise InvalidAmount("give the receipt amount")
        checked = []
        for category, cents in lines.items():
            if not isinstance(category, str) or not category.strip() or len(category) > 40:
                raise InvalidAmount("a category is a short name")
            value = check_cents(cents, f"amount for {category}")
            if value > 0:
                checked.append((category.strip(), value))
        if not checked:
            raise InvalidAmount("the receipt amount must be more than 0")
        ref = receipt_ref or f"{business_clock.now_datetime():%y%m%d}-{secrets.token_hex(3).upper()}"
        ref = ref.strip() if isinstance(ref, str) else ""
        if not ref or len(ref) > operations.MAX_REF_LENGTH or not ref.isprintable():
            raise InvalidAmount(f"a receipt reference is 1 to {operations.MAX_REF_LENGTH} printable characters")
        return PendingSale(ref, tuple(checked), source, self._clock())

    def cancel_sale(self) -> None:
        with self._lock:
            self._sale = None
            self._unknown_card = None
        self._publish("sale", {"sale": None})

    # -- identify --------------------------------------------------------------------------------------
    def qr_presented(self, payload: str, now: float | None = None) -> dict:
        """A phone card QR: verified offline with central's public key, then treated exactly like a tap.

        A receipt's own code is not a card: it opens the refund of that receipt on the screen.
        """
        ref = reference_in(payload)
        if ref is not None:
            return self.receipt_scanned(ref)
        try:
            if self.phone_verifier is None:
                raise PhoneCodeRefused("phone cards are not set up on this till (no phonecard.public_key)")
            uid = self.phone_verifier.identify_qr(payload, business_clock.now() if now is None else now)
        except KioskError as exc:
            self._failed(exc)
            raise
        return self.card_presented(uid, via="qr")

    def card_presented(self, uid: str, via: str = "card") -> dict:
        """A card tap or phone QR: credit the pending sale, or show the customer; unknown cards ask for capture."""
        started = time.perf_counter()
        cashier = self._active_cashier()
        cashier_id = cashier.cashier_id if cashier else None
        logger.debug("card presented (%s)", via)
        try:
            with self._lock:
                if self.training:
                    view = self.store.customer_by_card(uid) or self._copy_to_training(uid)
                else:
                    found = self.cards.find(uid)  # held here, else looked up at central when online
                    if found.stand_in:
                        return self._card_stands_in(found, cashier_id)
                    view = found.view
                if view is None or view.erased:
                    return self._unknown(uid, cashier)
                if view.card_blocked:
                    raise CardBlocked("this card is blocked; ask the customer for another card")
                return self._identified(view, uid, cashier_id)
        except KioskError as exc:
            self._failed(exc)
            raise
        finally:
            self.server_ms.append((time.perf_counter() - started) * 1000)
            del self.server_ms[:-1000]

    def _card_stands_in(self, found: CardFound, cashier_id: str | None) -> dict:
        """Offline, a card this till does not hold: its earn is recorded against the card (central gives it to the
        card's owner, or to one new customer), never a new customer here; the balance shows once central is back."""
        return self._identified(self._stand_in_view(found.card_uid), found.card_uid, cashier_id, held=False)

    def _identified(self, view: CustomerView, uid: str | None, cashier_id: str | None, *, held: bool = True) -> dict:
        """The customer now at the till: the waiting sale is credited to them, or they are shown.

        `held` is False for a card standing in for an owner only central knows: no customer of this till is shown.
        """
        self._customer_id = view.customer_id if held else None
        self._shown_card = uid
        self._unknown_card = None
        if self._sale is not None:
            return self._earn(view, uid, cashier_id)
        result = {"customer": self._customer_dict(view)}
        self._publish("customer", result)
        return result

    def _stand_in_view(self, uid: str) -> CustomerView:
        """The card standing in for its owner: the points it collected here since central last answered."""
        cid = unknown_card_customer(uid)
        return CustomerView(cid, None, None, None, None, self.store.balance(cid), (uid,), False, None, None, False)

    def receipt_scanned(self, receipt_ref: str) -> dict:
        """A receipt's code was scanned: show what can still be refunded on it (nothing is recorded yet)."""
        try:
            record = self.store.earn_for_receipt(receipt_ref)
            if record is None:
                raise UnknownReceipt(f"no earn was recorded for receipt {receipt_ref}")
        except KioskError as exc:
            self._failed(exc)
            raise
        result = {
            "receipt": {
                "receipt_ref": record.receipt_ref,
                "amount_cents": record.amount_cents,
                "left_cents": record.amount_cents - record.refunded_cents,
                "points": record.remaining_points,
            }
        }
        self._publish("receipt_scanned", result)
        return result

    def recent_receipts(self) -> list[dict]:
        """This till's last receipts with what is left to refund on each, newest first."""
        rows = []
        for recent in self._recent[self.training].all():
            record = self.store.earn_for_receipt(recent.receipt_ref)
            left = record.amount_cents - record.refunded_cents if record else 0
            customer = self.store.customer(recent.customer_id) if recent.customer_id else None
            rows.append(
                {
                    "receipt_ref": recent.receipt_ref,
                    "amount_cents": recent.amount_cents,
                    "points": recent.points,
                    "at": recent.at,
                    "first_name": (customer.first_name or "") if customer is not None else "",
                    "left_cents": left,
                }
            )
        return rows

    def _copy_to_training(self, uid: str) -> CustomerView | None:
        """A real card tapped in training: its customer is copied into the training store, never the reverse."""
        live = self.live_store.customer_by_card(uid)
        if live is None or live.erased or self._training_store is None:
            return None
        self._training_store.apply_batch(
            PulledBatch(
                cursor=0,
                customers=(
                    CustomerState(
                        live.customer_id,
                        live.points,
                        live.first_name,
                        live.last_name,
                        live.phone,
                        live.email,
                        live.consent_granted,
                        live.consent_version,
                        last_initial=live.last_initial,
                    ),
                ),
                cards=(CardState(uid, live.customer_id, live.card_blocked),),
            )
        )
        return self._training_store.customer_by_card(uid)

    def _unknown(self, uid: str, cashier: Cashier | None) -> dict:
        self._unknown_card = uid
        self._customer_id = None
        if not self.training:
            self.adoption.count(cashier.cashier_id if cashier else None, "unknown_cards")
        self._later(self._signal, "unknown_card")
        cache_lost = self.store.cache_lost and not self.training
        result = {
            "unknown_card": uid,
            "capture": "off" if cache_lost else self.capture_mode(cashier),
            "sale": _sale_dict(self._sale),
            "consent_version": self.config.till.consent_version,
            "cache_lost": cache_lost,
        }
        self._publish("unknown_card", result)
        return result

    def _failed(self, exc: KioskError) -> None:
        self._later(self._signal, "error")
        if self.training:
            self.training_book.mistake()
        disk_full = is_no_space(exc)  # the screen says "disk full" in its language
        kinds = (["DiskFull"] if disk_full else []) + error_codes(exc)
        self._publish("error", {"message": str(exc), "kind": kinds[0], "kinds": kinds})

    def _earn(self, view: CustomerView, uid: str | None, cashier_id: str | None, qr_for: str | None = None) -> dict:
        sale = self._sale
        assert sale is not None
        store = self.store
        try:
            event, quote = operations.earn(
                store,
                self.earning_scale(),
                device_id=self.config.device.id,
                customer_id=view.customer_id,
                receipt_ref=sale.receipt_ref,
                lines=dict(sale.lines),
                cashier_id=cashier_id,
                card_uid=uid,
            )
        except ReceiptAlreadyCredited as repeat:
            self._sale = None
            result = self._repeat_result(repeat.earlier)
            self._publish("earned", result)
            return result
        recorded = store.record(event)
        self._sale = None
        self._last = LastOperation("earn", recorded, self._clock(), self.training)
        balance = store.balance(view.customer_id)
        fresh = store.customer(view.customer_id) or replace(view, points=balance)
        if card_of_stand_in(view.customer_id) is not None:
            balance = None  # the card's owner is known at central only: no balance on the receipt
        if not self.training:
            self.adoption.count(cashier_id, "operations")
            self.adoption.count(cashier_id, "earns")
            self.adoption.timed(cashier_id, (self._clock() - sale.started) * 1000)
        result = {
            "customer": self._customer_dict(fresh),
            "points": recorded.points,
            "receipt_ref": sale.receipt_ref,
            "amount_cents": sale.amount_cents,
            "capped_by": quote.capped_by,
        }
        self._publish("earned", result)
        self._later(self._signal, "success")
        self._later(self.adoption.save_if_due)
        self._later(
            self._print,
            recorded.event_id,
            receipts.SALE,
            [("Montant", receipts.euros(sale.amount_cents)), *self._pool_lines(view.customer_id)],
            points_earned=recorded.points,
            balance=balance,
            qr_for=qr_for,
            training=self.training,
            expiring=self._expiring(view.customer_id),
            reference=sale.receipt_ref,
            refund_code=True,
        )
        self._later(
            self._recent[self.training].add,
            RecentReceipt(
                sale.receipt_ref, sale.amount_cents, recorded.points, datetime.now().strftime("%H:%M"), view.customer_id
            ),
        )
        self._drill_done("earned")
        logger.info("earn %s: %d points on receipt of %d cents", recorded.event_id, recorded.points, sale.amount_cents)
        return result

    def credited(self, receipt_ref: str) -> dict | None:
        """The first earn's result, marked as a repeat, when this receipt was already credited here."""
        with self._lock:
            earlier = self.store.earn_for_receipt(receipt_ref.strip()) if isinstance(receipt_ref, str) else None
            return self._repeat_result(earlier) if earlier is not None else None

    def _repeat_result(self, earlier) -> dict:
        """What a receipt sent again gets: the first earn, nothing recorded (a retry after a lost answer)."""
        logger.info("receipt sent again: earn %s answered, nothing recorded", earlier.event_id)
        view = self.store.customer(earlier.customer_id)
        return {
            "customer": self._customer_dict(view) if view else None,
            "points": earlier.points,
            "receipt_ref": earlier.receipt_ref,
            "amount_cents": earlier.amount_cents,
            "capped_by": None,
            "repeat": True,
        }

    def _customer_dict(self, view: CustomerView) -> dict:
        if card_of_stand_in(view.customer_id) is not None:
            return presenter.card_only_dict(view)
        return presenter.customer_dict(
            view,
            rewards=self.rewards,
            pool=self.store.pool_summary(view.customer_id),
            expiring=self._expiring(view.customer_id),
            suggest=self._suggestion(view),
        )

    def _pool_lines(self, customer_id: str) -> list[tuple[str, str]]:
        """The receipt's pool line for a member: the pool's balance after the operation."""
        pool = self.store.pool_summary(customer_id)
        return [] if pool is None else [("Cagnotte commune", f"{pool.points} pts")]

    def _suggestion(self, view: CustomerView) -> str | None:
        """At most one more profile field per visit, when the customer consented and capture is on."""
        if view.consent_granted is not True or self.capture_mode(self._active_cashier()) == "off":
            return None
        now = self._clock()
        if now - self._offered.get(view.customer_id, -VISIT_S) < VISIT_S:
            return None
        missing = _missing_field(view)
        if missing:
            if len(self._offered) > 1000:
                self._offered = {cid: at for cid, at in self._offered.items() if now - at < VISIT_S}
            self._offered[view.customer_id] = now
        return missing

    # -- new customer ----------------------------------------------------------------------------------
    def register(
        self, first_name: str, consent: bool, *, card_uid: str | None = None, extra: Mapping[str, str] | None = None
    ) -> dict:
        """A new customer for the unknown card: consent is all that is needed; a first name left blank is asked
        for at the next visit, so capture costs the queue one touch."""
        cashier = self._active_cashier()
        cashier_id = cashier.cashier_id if cashier else None
        try:
            with self._lock:
                uid = card_uid or self._unknown_card
                if not uid:
                    raise UnknownCard("tap the new card first")
                if not self.training:
                    self.cards.find(uid).may_join()  # offline, an unknown card may be a customer's elsewhere
                store = self.store
                made = self.registration.register(
                    store, uid, first_name, consent, cashier_id=cashier_id, extra=extra, cache_matters=not self.training
                )  # the kiosk's too
                if made.again:
                    view = store.customer(made.customer_id)
                    assert view is not None
                    return self._registered_again(view, uid, cashier_id)
                cid = made.customer_id
                self._unknown_card = None
                self._customer_id = cid
                self._shown_card = uid
                self._offered[cid] = self._clock()
                if not self.training:
                    self.adoption.count(cashier_id, "captured")
                self._drill_done("registered")
                view = store.customer(cid)
                assert view is not None
                if self._sale is not None:
                    result = self._earn(view, uid, cashier_id, qr_for=cid)
                else:
                    result = {"customer": self._customer_dict(view)}
                    self._later(
                        self._print,
                        new_event_id(),
                        receipts.WELCOME,
                        [],
                        balance=view.points,
                        qr_for=cid,
                        training=self.training,
                        expiring=self._expiring(cid),
                    )
                    self._publish("customer", result)
                return result
        except KioskError as exc:
            self._failed(exc)
            raise

    def _registered_again(self, view: CustomerView, uid: str, cashier_id: str | None) -> dict:
        """The same card registered again with the same name (a retry after a lost answer): the first customer."""
        self._unknown_card = None
        self._customer_id = view.customer_id
        if self._sale is not None:
            return self._earn(view, uid, cashier_id) | {"repeat": True}
        result = {"customer": self._customer_dict(view), "repeat": True}
        self._publish("customer", result)
        return result

    def skip_capture(self, manager_pin: str | None = None) -> dict:
        """The customer declined (or there is no time): the card stays unknown and the sale is kept.

        Where capture is required, only a manager's PIN lets the sale go on without it.
        """
        cashier = self._active_cashier()
        with self._lock:
            if self.capture_mode(cashier) == "required":
                if not manager_pin:
                    raise ManagerPinRequired(
                        "this till requires new customers to be registered; a manager's PIN can let this one go"
                    )
                self.cashiers.manager_override(manager_pin)
            self._unknown_card = None
        if not self.training:
            self.adoption.count(cashier.cashier_id if cashier else None, "skipped")
        self._publish("skipped", {"sale": _sale_dict(self._sale)})
        return {"sale": _sale_dict(self._sale)}

    def complete_profile(self, customer_id: str, field: str, value: str) -> dict:
        """The one profile field suggested this visit, filled in."""
        if field not in ASKED_FIELDS:
            raise InvalidProfileField(f"{field!r} is not a profile field")
        cleaned = clean_first_name(value) if field == "first_name" else clean_profile_text(value, field, required=True)
        with self._lock:
            store = self.store
            if store.customer(customer_id) is None:
                raise UnknownCustomer("no such customer")
            cashier = self._active_cashier()
            store.record(
                ProfileUpdated(
                    device_id=self.config.device.id,
                    customer_id=customer_id,
                    cashier_id=cashier.cashier_id if cashier else None,
                    **{field: cleaned},
                )
            )
            view = store.customer(customer_id)
            assert view is not None
            return {"customer": self._customer_dict(view)}

    def duplicates(self, text: str, limit: int = 5) -> list[dict]:
        """Customers matching what is typed: the duplicate check while a new customer is typed, and the search
        for a customer without their card. Central's masked search when online (the whole chain); offline this
        till's customers by name, and by phone or e-mail through their keyed hashes (never the clear values)."""
        if not isinstance(text, str) or len(text.strip()) < 2:
            return []
        text = text[:MAX_FIELD]
        if not self.training and self.central_customers is not None and self.online():
            try:
                return [presenter.masked_dict(row) for row in self.central_customers.search_customers(text)][:limit]
            except SyncError as exc:
                logger.info("search at central failed, searching this till's customers: %s", exc)
        same = self._same_contact(text, limit)
        found = {view.customer_id: view for view in same}
        for view in self.store.search(text, limit):
            found.setdefault(view.customer_id, view)
        by_contact = {view.customer_id for view in same}
        return [
            presenter.duplicate_dict(view, same_contact=view.customer_id in by_contact)
            for view in list(found.values())[:limit]
        ]

    def _same_contact(self, text: str, limit: int) -> list[CustomerView]:
        """Customers held here with the phone or e-mail typed, by its keyed hash (`contact_hash_key`)."""
        key = self.reference.contact_hash_key()
        if key is None:
            return []
        return self.store.customers_with_contact(contact_hashes(key, text, text), limit)

    def open_customer(self, customer_id: str) -> dict:
        """A customer chosen from the search (no card with them): held here, else fetched from central and held;
        shown like a tap, and credited with the pending sale if there is one."""
        cashier = self._active_cashier()
        try:
            with self._lock:
                if not isinstance(customer_id, str) or not customer_id or card_of_stand_in(customer_id):
                    raise UnknownCustomer("no such customer")
                view = self.store.customer(customer_id)
                if view is None and not self.training and self.central_customers is not None and self.online():
                    found = self.central_customers.customer_by_id(customer_id)
                    if found is not None:
                        self.live_store.hold(found)
                        view = self.store.customer(customer_id)
                if view is None or view.erased:
                    raise UnknownCustomer("no such customer here (central is needed to open one of another store)")
                return self._identified(view, None, cashier.cashier_id if cashier else None)
        except KioskError as exc:
            self._failed(exc)
            raise

    # -- redeem, refund, undo --------------------------------------------------------------------------
    def redeem(
        self, reward_id: str, *, pin: str | None = None, customer_id: str | None = None, from_pool: bool = False
    ) -> dict:
        """Spend points on a reward; above the threshold the cashier's or a manager's PIN confirms it.

        `from_pool`: the member spends the pool's points instead of their own (`loyalty.domain.pools.redeem`).
        """
        cashier = self._active_cashier()
        cashier_id = cashier.cashier_id if cashier else None
        try:
            with self._lock:
                cid = customer_id or self._customer_id
                if cid is None:
                    raise NoCustomer("tap the customer's card first")
                if card_of_stand_in(cid) is not None:
                    raise CardNeedsCentral(
                        "this card's owner is known at central only: its points can be spent once central answers again"
                    )
                reward = find_reward(self.rewards, reward_id)
                if reward is None:
                    raise UnknownReward(f"no reward {reward_id!r} in the catalogue")
                if reward.points_price > self.config.till.confirm_above_points:
                    self._confirm_pin(cashier, pin)
                training = self.training
                event = self._redemption(reward, cid, cashier_id, from_pool)
                if reward.needs_central and not training:  # a retry asks central again with the same id
                    event = replace(event, event_id=self.voucher_attempts.id_for(cid, reward_id, event.event_id))
            # Central is asked outside the lock: a slow answer must not hold up the card reader.
            voucher = self._voucher_for(reward, cid, event.event_id) if reward.needs_central else None
            with self._lock:
                if self.training != training:
                    raise ConfirmationRequired("training mode changed during the redemption; try again")
                self._redemption(reward, cid, cashier_id, from_pool)  # the balance may have moved meanwhile
                result = self._record_redemption(event, reward, voucher, cashier_id)
                if reward.needs_central and not training:
                    self.voucher_attempts.done(cid, reward_id)
                return result
        except KioskError as exc:
            self._failed(exc)
            raise

    def _redemption(
        self, reward: Reward, customer_id: str, cashier_id: str | None, from_pool: bool = False
    ) -> PointsRedeemed | PoolRedeemed:
        return self.redeeming.prepare(
            self.store,
            reward,
            customer_id,
            cashier_id=cashier_id,
            from_pool=from_pool,
            online=None if self.training else self.online(),
        )  # no limits in training

    def _record_redemption(
        self, event: PointsRedeemed | PoolRedeemed, reward: Reward, voucher, cashier_id: str | None
    ) -> dict:
        store = self.store
        cid = event.customer_id
        recorded = self.redeeming.record(store, event, voucher, cashier_id)
        voucher_lines = []
        if voucher is not None:
            voucher_lines = [("Code", voucher.code), ("Valeur", receipts.euros(voucher.face_value_cents))]
        from_pool = isinstance(recorded, PoolRedeemed)
        # A pool's redemption has no cancelling event: the undo button has nothing to take back.
        self._last = None if from_pool else LastOperation("redeem", recorded, self._clock(), self.training)
        balance = store.balance(cid)
        self._later(
            self._print,
            recorded.event_id,
            receipts.POOL_REWARD if from_pool else receipts.REWARD,
            [("", reward.name), *voucher_lines, *self._pool_lines(cid)],
            points_used=0 if from_pool else recorded.points,
            balance=balance,
            training=self.training,
            expiring=self._expiring(cid),
        )
        self._later(self._signal, "success")
        if not self.training:
            self.adoption.count(cashier_id, "operations")
            self.adoption.count(cashier_id, "redemptions")
        view = store.customer(cid)
        result = {
            "customer": self._customer_dict(view),
            "reward": presenter.reward_dict(reward),
            "points_used": recorded.points,
            "voucher_code": voucher.code if voucher else None,
            "from_pool": from_pool,
        }
        self._publish("redeemed", result)
        self._drill_done("redeemed")
        return result

    def _voucher_for(self, reward: Reward, customer_id: str, redemption_id: str):
        """The partner's code from central's pool, asked before anything is recorded (same id, same code)."""
        if self.training:
            return IssuedVoucher(
                reward.partner or "",
                f"TRAINING-{redemption_id[:8].upper()}",
                reward.face_value_cents or 0,
                redemption_id,
            )
        return self.redeeming.voucher(reward, customer_id, redemption_id)

    def _confirm_pin(self, cashier: Cashier | None, pin: str | None) -> None:
        if not pin:
            raise PinRequired("this reward needs a PIN to confirm")
        if cashier is not None:
            try:
                self.cashiers.check(cashier.cashier_id, pin)
                return
            except SignInRefused:
                pass
        self.cashiers.manager_override(pin)

    def refund(
        self, receipt_ref: str, refund_cents: int | None = None, *, later: bool = False, manager_pin: str | None = None
    ) -> dict:
        """Take back the points of an earlier receipt (all of it, or the refunded part), earned at any till.

        A receipt of another till of the store is asked of central; offline that is impossible, and a
        manager may note the refund (`later=True`) for the till to make once central answers.
        """
        cashier = self._active_cashier()
        cashier_id = cashier.cashier_id if cashier else None
        try:
            ref = receipt_ref.strip() if isinstance(receipt_ref, str) else ""
            if later:
                return self._refund_later(ref, refund_cents, manager_pin)
            with self._lock:
                training = self.training
                known = not ref or self.store.earn_for_receipt(ref) is not None
            foreign = None if known or training else self._earn_from_central(ref)  # outside the lock
            with self._lock:
                store = self.store
                if foreign is not None and self.training == training:
                    store.remember_earn(*foreign)
                event = operations.reverse(
                    store,
                    device_id=self.config.device.id,
                    receipt_ref=receipt_ref,
                    refund_cents=refund_cents,
                    cashier_id=cashier_id,
                )
                before = store.balance(event.customer_id)
                recorded = store.record(event)  # with the pool's part of the refund right after, when there is one
                balance = store.balance(recorded.customer_id)
                taken = before - balance  # the member's part: the pool gives back its own
                self._later(
                    self._print,
                    recorded.event_id,
                    receipts.REFUND,
                    [("Montant", receipts.euros(recorded.refund_cents)), *self._pool_lines(recorded.customer_id)],
                    points_used=taken,
                    balance=balance,
                    training=self.training,
                    expiring=self._expiring(recorded.customer_id),
                    reference=recorded.receipt_ref,
                )
                self._later(self._signal, "success")
                if not self.training:
                    self.adoption.count(cashier_id, "operations")
                    self.adoption.count(cashier_id, "refunds")
                view = store.customer(recorded.customer_id)
                result = {
                    "customer": self._customer_dict(view) if view else None,
                    "points": taken,
                    "receipt_ref": recorded.receipt_ref,
                    "refund_cents": recorded.refund_cents,
                }
                self._publish("refunded", result)
                self._drill_done("refunded")
                return result
        except KioskError as exc:
            self._failed(exc)
            raise

    def _earn_from_central(self, ref: str) -> tuple[EarnRecord, str | None]:
        """Another till's earn of this receipt, from central; ReceiptNeedsCentral when central cannot answer."""
        needs_central = ReceiptNeedsCentral(
            f"receipt {ref} was not recorded at this till: its refund needs the central server, which cannot be "
            "reached now; refund it when the till is back online, or a manager can note the refund for later"
        )
        if self.receipt_source is None:  # no central: there is no other till whose receipts could be asked for
            raise UnknownReceipt(f"no earn was recorded for receipt {ref}")
        if not self.online():
            raise needs_central
        try:
            found = self.receipt_source(ref)
        except SyncError:
            raise needs_central from None
        if found is None:
            raise UnknownReceipt(f"no earn was recorded for receipt {ref} at any till of this store")
        return (
            EarnRecord(
                found["event_id"],
                found["customer_id"],
                found["receipt_ref"],
                found["amount_cents"],
                found["points"],
                found["refunded_cents"],
                found["reversed_points"],
            ),
            found.get("day"),
        )

    def _refund_later(self, ref: str, refund_cents: int | None, manager_pin: str | None) -> dict:
        """A manager notes a refund of another till's receipt, made as soon as central answers."""
        if not ref or len(ref) > operations.MAX_REF_LENGTH or not ref.isprintable():
            raise InvalidAmount(f"a receipt reference is 1 to {operations.MAX_REF_LENGTH} printable characters")
        if refund_cents is not None:
            check_cents(refund_cents, "refund amount")
        if self.training:
            raise ConfirmationRequired("refunds noted for later are not for training mode")
        if not manager_pin:
            raise ConfirmationRequired("a manager's PIN is needed to note a refund for later")
        manager = self.cashiers.manager_override(manager_pin)
        waiting = self.waiting_refunds.add(ref, refund_cents, getattr(manager, "cashier_id", None))
        result = {"receipt_ref": waiting.receipt_ref, "refund_cents": waiting.refund_cents, "waiting": True}
        self._publish("refund_waiting", result)
        logger.info("refund of receipt noted for later by a manager")
        return result

    def central_answers(self) -> None:
        """Central answered a sync round: the refunds noted for later are made, after what the screen shows."""
        if self.waiting_refunds.all():
            self._later(self.make_waiting_refunds)

    def make_waiting_refunds(self) -> int:
        """Make the refunds noted for later, now that central answers; returns how many were made."""
        made = 0
        for waiting in self.waiting_refunds.all():
            if not self.online() or self.training:  # never into the training store: after training ends
                break
            try:
                self.refund(waiting.receipt_ref, waiting.refund_cents)
            except ReceiptNeedsCentral:
                break
            except KioskError as exc:  # refunded meanwhile, or unknown: the note is done with, and logged
                logger.warning("refund noted for later not made: %s", exc)
            else:
                made += 1
            self.waiting_refunds.remove(waiting)
        return made

    def undo(self, manager_pin: str | None = None) -> dict:
        """Cancel the last earn or redemption with a compensating event; after the window, a manager's PIN."""
        cashier = self._active_cashier()
        cashier_id = cashier.cashier_id if cashier else None
        try:
            with self._lock:
                last = self._last
                if last is None or last.training != self.training:
                    raise NothingToUndo("there is no operation to undo")
                if self._clock() - last.at > self.config.till.undo_window_s:
                    if not manager_pin:
                        raise UndoNeedsManager("the undo window is over; a manager's PIN can still undo it")
                    self.cashiers.manager_override(manager_pin)
                store = self.store
                device = self.config.device.id
                event = last.event
                if isinstance(event, PointsEarned):
                    reversal = operations.reverse(
                        store, device_id=device, receipt_ref=event.receipt_ref, cashier_id=cashier_id
                    )
                    recorded: Event = store.record(reversal)
                elif isinstance(event, PointsRedeemed) and event.reward_kind == "partner_voucher":
                    raise NothingToUndo("a partner voucher's code is issued: it cannot be undone here")
                elif isinstance(event, PointsRedeemed):
                    recorded = store.record(
                        RedemptionCancelled(
                            device_id=device,
                            cashier_id=cashier_id,
                            customer_id=event.customer_id,
                            redemption_event_id=event.event_id,
                            points=event.points,
                        )
                    )
                else:  # pragma: no cover - only earns and redemptions are kept for undo
                    raise NothingToUndo("this operation cannot be undone")
                self._last = None
                if not self.training:
                    self.adoption.count(cashier_id, "undos")
                view = store.customer(event.customer_id)
                result = {
                    "customer": self._customer_dict(view) if view else None,
                    "undone": last.kind,
                    "points": getattr(recorded, "points", 0),
                }
                self._publish("undone", result)
                if isinstance(recorded, EarnReversed):
                    logger.info("earn %s undone by %s", event.event_id, recorded.event_id)
                return result
        except KioskError as exc:
            self._failed(exc)
            raise

    # -- printing and drills ---------------------------------------------------------------------------
    def _expiring(self, customer_id: str) -> ExpiryNotice | None:
        """The points this customer will lose within the notice period (central's setting), for the receipt."""
        return standing_of(self.store, self.reference, customer_id, business_clock.now_datetime().date()).expiring

    def _print(
        self,
        receipt_id: str,
        title: str,
        lines: list[tuple[str, str]],
        *,
        points_earned: int = 0,
        points_used: int = 0,
        balance: int | None = None,
        qr_for: str | None = None,
        training: bool = False,
        expiring: ExpiryNotice | None = None,
        reference: str = "",
        refund_code: bool = False,
    ) -> None:
        if self.devices is None:
            return
        qr_url = ""
        if qr_for and self.config.till.profile_url and not training:
            qr_url = profile_link_for(self.config, qr_for)
        receipt = receipts.shop_receipt(
            self.config,
            receipt_id=receipt_id,
            title=title,
            lines=lines,
            expiring=expiring,
            points_earned=points_earned,
            points_used=points_used,
            balance=balance,
            qr_url=qr_url,
            qr_caption=receipts.PROFILE_QR_CAPTION if qr_url else "",
            training=training,
            reference=reference,
            reference_code=receipt_code(reference) if refund_code and reference else "",
        )
        try:
            self._last_job = self.devices.print(receipt)
        except (KioskError, HardwareError) as exc:  # the operation stands; the receipt can be reprinted
            logger.warning("receipt %s not queued: %s", receipt_id, exc)
            self._publish("printer", {"message": str(exc), "kind": type(exc).__name__, "kinds": error_codes(exc)})

    def reprint_last(self) -> None:
        """Print the last receipt again (after paper was put back)."""
        if self.devices is None or self._last_job is None:
            raise UnknownPrintJob("no receipt to reprint")
        job_id = self._last_job
        if any(j.job_id == job_id and j.state == "printed" for j in self.devices.jobs()):
            self._drill_done("reprinted")
            return
        self.devices.reprint(job_id)
        self._drill_done("reprinted")

    def start_drill(self, drill: str) -> dict:
        cashier = self._active_cashier()
        if cashier is None:
            raise SignInRefused("sign in first")
        with self._lock:
            self._fresh_training_store()  # before entering training, which then finds it open
            if not self.training:
                self.set_training(True)
        run = self.training_book.start(cashier.cashier_id, drill)
        if drill == "paper_out" and self.devices is not None and self.devices.emulators is not None:
            self.devices.emulators.paper_out()  # the drill's printer runs out of paper on the next receipt
        result = {"drill": run.drill}
        self._publish("drill", result)
        return result

    def _drill_done(self, operation: str) -> None:
        if not self.training:
            return
        result = self.training_book.done(operation)
        if result is not None:
            self._publish("drill_done", {"drill": result.drill, "seconds": result.seconds, "score": result.score})

    def adoption_figures(self, cashier: Cashier) -> list:
        """Figures per cashier (device.till.adoption), for managers only."""
        if cashier.role != "manager":
            raise NotForThisRole("adoption figures are for managers")
        return self.adoption.figures()

    def close(self) -> None:
        self._effects.shutdown(wait=True)
        self.adoption.save()
        if self._training_store is not None:
            self._training_store.close()


def _missing_field(view: CustomerView) -> str | None:
    """The first profile field this customer lacks, as far as the till can tell from least data: a surname
    initial means a surname; a keyed hash cannot say whether it is a phone's or an e-mail's, so a customer with
    any contact hash is asked neither."""
    for name in ASKED_FIELDS:
        if name == "last_name" and (view.last_name or view.last_initial):
            continue
        if name in ("phone", "email") and view.contact_hashes:
            return None
        if not getattr(view, name):
            return name
    return None
