"""The one exception hierarchy: every failure the product reports to a person is a KioskError, except the
hardware's own (`hardware.errors.HardwareError`), which the product reports beside them.

HTTP status codes are mapped in `web/errors.py`, CLI exit codes in `kiosk/cli.py`; nowhere else.
"""


class KioskError(Exception):
    """Root of every error the kiosk reports; its message is written for the person who sees it."""


class ConfigError(KioskError):
    """The configuration file is missing, unreadable or holds a wrong key or value."""


class DomainError(KioskError):
    """A business rule refused an operation."""


class InvalidAmount(DomainError):
    """An amount is not a whole number of cents within the allowed range."""


class InvalidEvent(DomainError):
    """An event record is malformed: unknown type, missing field, wrong type."""


class UnknownCard(DomainError):
    """No customer is linked to this card UID."""


class CardBlocked(DomainError):
    """The card is on the blocklist (lost, stolen, replaced)."""


class UnknownCustomer(DomainError):
    """No customer has this id (or the customer was erased)."""


class InsufficientPoints(DomainError):
    """The balance does not cover the points asked for."""


class UnknownReceipt(DomainError):
    """No earn was recorded for this receipt reference."""


class NothingToReverse(DomainError):
    """The earn for this receipt has already been fully reversed."""


class ReceiptAlreadyCredited(DomainError):
    """This receipt was already credited here: a repeat answers the first earn and records nothing."""

    def __init__(self, message: str, earlier: object = None) -> None:
        super().__init__(message)
        self.earlier = earlier  # the EarnRecord of the first earn


class ReceiptNeedsCentral(DomainError):
    """The receipt was earned at another till: only central knows it, and central cannot be reached now."""


class SignInRefused(KioskError):
    """Wrong PIN, unknown cashier or a lockout in force."""


class SignInLocked(SignInRefused):
    """Too many wrong PINs or passwords in a row: the account must wait before it may try again."""


class StoreError(KioskError):
    """The local store could not read or write its files."""


class StoreWriteError(StoreError):
    """A write failed (disk full, I/O error): the operation was not recorded, earlier data is intact."""


class StoreCorrupt(StoreError):
    """A store file was damaged; it was moved aside and rebuilt from what remained."""


class SyncError(KioskError):
    """The central server could not be reached or refused the request."""


class SyncRefused(SyncError):
    """Central answered but refused the request (bad data, unknown device); retrying will not help."""


class SyncUnavailable(SyncError):
    """Central could not be reached, timed out or is overloaded; the request is retried later."""


class DeviceNotEnrolled(SyncError):
    """This device has no valid token: it was never enrolled, or its token was revoked."""


class OfflineLimitReached(DomainError):
    """Central is unreachable and this redemption is beyond the offline floor limits (or needs central)."""


class InvalidPull(SyncError):
    """Central answered a pull with data that does not fit the pull contract; nothing of it was applied."""


class ServiceBusy(KioskError):
    """The kiosk service, or another kiosk command, holds this device's files or devices."""


class BackupError(StoreError):
    """A backup file is unreadable, damaged, or of another device (restore refuses it unless forced)."""


class ServiceNotAnswering(KioskError):
    """The kiosk service holds its lock but its local web API does not answer."""


class PhoneCodeRefused(DomainError):
    """A phone card QR code was refused; the message says why and what the shopper should do."""


class PhoneCodeInvalid(PhoneCodeRefused):
    """The QR code is not a phone card code, or its signature does not match (altered or forged)."""


class PhoneCodeExpired(PhoneCodeRefused):
    """The QR code's minute is over (or not yet begun): the phone must show its current code."""


class PhoneCodeClockWrong(PhoneCodeRefused):
    """The code's minute is far from the device's clock: the device's clock is the likely fault, not the shopper."""


class PhoneCodeReplayed(PhoneCodeRefused):
    """This exact QR code was already accepted here: a code counts once (a photo of a code is refused)."""


class PoolRefused(DomainError):
    """A pool operation broke a pool rule (not a member, bad pool id or share)."""


class SelfServiceRefused(DomainError):
    """The self-service kiosk refused a step; the message tells the shopper what to do instead."""


class CardNotPresent(SelfServiceRefused):
    """The card this step is for is no longer on the reader (or the session ended)."""


class DailyRedeemLimit(SelfServiceRefused):
    """This card has used all its kiosk redemptions for today."""


class ConsentRequired(SelfServiceRefused):
    """Registration needs the shopper's consent first."""


class NotSignedIn(SignInRefused):
    """No cashier is signed in at the till, or the session timed out."""


class ConfirmationRequired(DomainError):
    """The operation needs a PIN (the cashier's or a manager's) before it is done."""


class NothingToUndo(DomainError):
    """There is no operation to undo, or its undo window is over and no manager PIN was given."""


class NoCustomer(DomainError):
    """The till has no customer identified (tap a card or scan the QR first)."""


class UnknownDrill(DomainError):
    """No training drill has this name."""


class PushEventRefused(SyncRefused):
    """Central refused one event of a push for good (`event_id`); the device sets it aside and goes on."""

    def __init__(self, message: str, event_id: str) -> None:
        super().__init__(message)
        self.event_id = event_id


class CardNotKnowable(DomainError):
    """The device's customer cache is damaged and not yet rebuilt: an unknown card may be a customer's, so it
    cannot be taken as a new customer's."""


class ForeignCard(DomainError):
    """Offline, a card the device does not know and the chain never issued (not in the issued-cards filter)."""


class CardNeedsCentral(DomainError):
    """Offline, a card the device does not know may already be a customer's elsewhere: it cannot join now."""


class BalanceLater(CardNeedsCentral):
    """Offline, a card the device does not hold: its balance shows once central answers again."""


class VoucherOutOfStock(DomainError):
    """Central has no code left for this partner voucher: nothing was spent; another reward can be chosen."""


class InvalidCustomerText(DomainError):
    """A customer's name, phone or e-mail is too long or holds characters that cannot be kept."""


class FieldRequired(InvalidCustomerText):
    """A field the form needs (the first name when joining) was left empty."""


class ConsentMissing(ConfirmationRequired):
    """The customer's consent box is not ticked, so the customer cannot join."""


class PinRequired(ConfirmationRequired):
    """This reward is above the confirmation threshold: the cashier's or a manager's PIN confirms it."""


class ManagerPinRequired(ConfirmationRequired):
    """Only a manager's PIN lets this go on (skipping a required capture)."""


class UndoNeedsManager(NothingToUndo):
    """The undo window is over: a manager's PIN can still undo the last operation."""


class UnknownReward(DomainError):
    """No reward of the catalogue has this id (withdrawn since the screen was drawn)."""


class NoRecentSale(DomainError):
    """The amount keyed was meant for the customer on screen, but another customer is there now."""


def error_codes(error: Exception) -> list[str]:
    """The stable codes of an error (a KioskError or a hardware error), most specific first: a screen explains
    the first one it knows."""
    return [cls.__name__ for cls in type(error).__mro__ if issubclass(cls, Exception) and cls is not Exception]


class PoolMoveNeeded(PoolRefused):
    """The customer gives to another pool: changing pools is an explicit move, never a silent second join."""


class EnrolmentCodeMalformed(KioskError):
    """What was typed for `kiosk enroll` cannot be an enrolment code (length or characters)."""


class EnrolmentCodeRefused(SyncRefused):
    """Central refused the enrolment code: unknown, already used, expired, or made for another device."""


class CardAlreadyLinked(DomainError):
    """The card already belongs to a customer (not blocked: taken), so it cannot be a new customer's."""


class InvalidName(InvalidCustomerText):
    """A first name that is not letters (with spaces, ' - .) or is too long."""


class InvalidProfileField(DomainError):
    """The profile field named is not one a till may fill in (last name, phone, e-mail)."""


class NotForThisRole(SignInRefused):
    """The signed-in cashier's role does not allow this (adoption figures and the daily summary are a manager's)."""
