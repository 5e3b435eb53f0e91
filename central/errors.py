"""The central server's own errors: refusals of its API, back office, portal and activation page.

They are KioskErrors like the ground's (`loyalty.errors`), mapped to HTTP statuses in `central/http_errors.py`;
devices read only their names, from central's answers (`device/sync/client.py`).
"""

from loyalty.errors import DomainError, KioskError, NotSignedIn


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


class NotAllowed(CentralError):
    """The signed-in back-office user's role does not allow this page or change."""


class EventRefused(CentralError):
    """A device pushed an event it may not make, or an amount beyond its bounds; `event_id` names it."""

    def __init__(self, message: str, event_id: str | None = None) -> None:
        super().__init__(message)
        self.event_id = event_id


class KeyScopeRefused(CentralError):
    """The order system's API key is valid but was not given the scope this call needs."""


class RateLimited(CentralError):
    """An API key sent more requests this minute than its limit; retry after the minute."""


class OrderConflict(Conflict):
    """An order id already used on this channel came again with other amounts or another customer."""


class RoleNotInstalled(KioskError):
    """A command of another role runs where that role's packages are not installed (e.g. central on a till)."""


class ActivationCodeWrong(Conflict):
    """The activation code typed does not match the card (a few wrong codes lock online activation)."""


class ActivationLocked(Conflict):
    """Too many wrong activation codes for this card: it is activated at a till instead."""


class SpreadsheetNotCsv(BadRequest):
    """A card production file sent as a spreadsheet (xlsx, xls, ods) instead of a CSV text file."""


class SemicolonCsv(BadRequest):
    """A card production CSV separated by semicolons (a spreadsheet's 'CSV' in French settings), not commas."""


class SeveralCustomers(BadRequest):
    """A name matched more than one customer: the card number tells them apart."""


class PortalRefused(DomainError):
    """The shopper's portal refused a step (link used or expired, wrong code...); the message says what to do."""


class MailUnavailable(CentralError):
    """Central could not hand an e-mail to its SMTP server; nothing was sent, the shopper may try again."""


class CustomerServiceRefused(Conflict):
    """A customer-service action broke one of its rules (balance, merge window, already done).

    The message says which, for the person at the back office.
    """


class BackOfficeSessionEnded(NotSignedIn):
    """The back-office session was ended (signed out, password or role changed, account deactivated)."""


class AdjustmentOverBalance(CustomerServiceRefused):
    """An adjustment would take back more points than the customer has."""


class AlreadyMerged(CustomerServiceRefused):
    """The customer was already merged into another: undo that merge first."""


class MergeUndoClosed(CustomerServiceRefused):
    """A merge is undone at most once, and only within its undo window."""


class MergedPointsSpent(CustomerServiceRefused):
    """The kept customer spent the points a merge brought, so the merge can no longer be undone."""


class VoucherAlreadyCancelled(CustomerServiceRefused):
    """The voucher's redemption was cancelled before."""


class NoEmailOnFile(CustomerServiceRefused):
    """The customer has no e-mail address to send to."""


class CardIsBlocked(CentralError):
    """The card asked for is blocked at central (lost, stolen, replaced): a till refuses it."""
