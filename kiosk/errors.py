"""The one exception hierarchy: every failure the product reports to a person is a KioskError.

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


class SignInRefused(KioskError):
    """Wrong PIN, unknown cashier or a lockout in force."""


class StoreError(KioskError):
    """The local store could not read or write its files."""


class StoreWriteError(StoreError):
    """A write failed (disk full, I/O error): the operation was not recorded, earlier data is intact."""


class StoreCorrupt(StoreError):
    """A store file was damaged; it was moved aside and rebuilt from what remained."""


class HardwareError(KioskError):
    """A device did not answer or could not be opened."""


class ReaderError(HardwareError):
    """The RFID reader is missing, not permitted or not answering."""


class PrinterError(HardwareError):
    """The receipt printer is missing, offline, out of paper or has its cover open."""


class SyncError(KioskError):
    """The central server could not be reached or refused the request."""


class SyncRefused(SyncError):
    """Central answered but refused the request (bad data, unknown device); retrying will not help."""


class SyncUnavailable(SyncError):
    """Central could not be reached, timed out or is overloaded; the request is retried later."""


class DeviceNotEnrolled(SyncError):
    """This device has no valid token: it was never enrolled, or its token was revoked."""


class CentralError(KioskError):
    """Central refused a request; the HTTP status is chosen in `central/http_errors.py`."""


class BadRequest(CentralError):
    """The request is malformed: not JSON, wrong fields, or values out of range."""


class RequestTooLarge(CentralError):
    """The request body or batch is larger than central accepts."""


class AuthenticationFailed(CentralError):
    """No token, an unknown token or a revoked device."""


class EnrolmentRefused(CentralError):
    """The enrolment code is unknown, already used or expired."""


class NotFound(CentralError):
    """The customer, card, device or partner asked for does not exist."""


class Conflict(CentralError):
    """The request clashes with the current state (card already linked, voucher already issued...)."""


class VoucherPoolEmpty(CentralError):
    """The partner's code pool has no code left to issue."""


class OfflineLimitReached(DomainError):
    """Central is unreachable and this redemption is beyond the offline floor limits (or needs central)."""


class InvalidPull(SyncError):
    """Central answered a pull with data that does not fit the pull contract; nothing of it was applied."""


class PrinterOffline(PrinterError):
    """The receipt printer is unplugged, switched off or not answering on its serial port."""


class PaperOut(PrinterError):
    """The receipt printer has no paper, or its cover is open."""


class UnknownPrintJob(PrinterError):
    """No print job has this id, or it cannot be reprinted in its current state."""


class InvalidDeviceCommand(HardwareError):
    """A device command was malformed (a card UID that is not hexadecimal, an empty QR payload...)."""


class ServiceBusy(KioskError):
    """The kiosk service, or another kiosk command, holds this device's files or devices."""


class BackupError(StoreError):
    """A backup file is unreadable, damaged, or of another device (restore refuses it unless forced)."""


class ServiceNotAnswering(KioskError):
    """The kiosk service holds its lock but its local web API does not answer."""


class NotAllowed(CentralError):
    """The signed-in back-office user's role does not allow this page or change."""


class PhoneCodeRefused(DomainError):
    """A phone card QR code was refused; the message says why and what the shopper should do."""


class PhoneCodeInvalid(PhoneCodeRefused):
    """The QR code is not a phone card code, or its signature does not match (altered or forged)."""


class PhoneCodeExpired(PhoneCodeRefused):
    """The QR code's minute is over (or not yet begun): the phone must show its current code."""


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


class KeyScopeRefused(CentralError):
    """The order system's API key is valid but was not given the scope this call needs."""


class RateLimited(CentralError):
    """An API key sent more requests this minute than its limit; retry after the minute."""


class OrderConflict(Conflict):
    """An order id already used on this channel came again with other amounts or another customer."""


class PortalRefused(DomainError):
    """The shopper's portal refused a step (link used or expired, wrong code...); the message says what to do."""


class MailUnavailable(CentralError):
    """Central could not hand an e-mail to its SMTP server; nothing was sent, the shopper may try again."""


class CustomerServiceRefused(Conflict):
    """A customer-service action broke one of its rules (balance, merge window, already done); the message says which."""
