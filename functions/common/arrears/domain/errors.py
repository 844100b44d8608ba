"""Domain errors. Their class names are the contract with the ASL Retry/Catch blocks."""

import json


class ArrearsError(Exception):
    """Base of every error Arrears raises on purpose."""


class InvalidInput(ArrearsError):
    """An event or a request does not have the shape or values the handler needs."""


class InvalidAccountData(ArrearsError):
    """A stored account cannot be evaluated (corrupt or inconsistent data). Needs an operator."""


class AccountNotFound(ArrearsError):
    """No account with that id."""


class AccountVersionConflict(ArrearsError):
    """Optimistic locking kept losing to other writers; safe to retry the whole call."""


class StoreUnavailable(ArrearsError):
    """DynamoDB throttled or failed transiently; safe to retry."""


class CycleOutOfOrder(ArrearsError):
    """A cycle was asked for a date before the portfolio's last completed cycle."""


class CycleLockHeld(ArrearsError):
    """Another execution is running the cycle for this portfolio and date."""


class CurrencyMismatch(ArrearsError):
    """Money of two currencies was combined."""


class DuplicateEntry(ArrearsError):
    """A ledger entry with this dedupe key is already posted (a replay)."""

    def __init__(self, message: str, write: str | None = None) -> None:
        super().__init__(message)
        self.write = write  # which of a transaction's dedupe keys refused it


class ShardFailed(ArrearsError):
    """A shard of the day's work stopped on an error; the day is not closed until it is re-run."""


def lambda_error_message(cause: str | None) -> str:
    """Lambda reports a handler's error as JSON (errorType, errorMessage, stackTrace); show the message."""
    try:
        return str(json.loads(cause or "")["errorMessage"])
    except (ValueError, KeyError, TypeError):
        return cause or ""


class SignatureInvalid(ArrearsError):
    """A webhook's signature does not verify with any secret in force, or its timestamp is stale."""


class UnknownProvider(ArrearsError):
    """A webhook was posted for a processor we have no endpoint for."""


class PublishFailed(ArrearsError):
    """EventBridge did not take an event; safe to retry (the ledger dedupes the payment)."""


class ProviderThrottled(ArrearsError):
    """A data provider (bureau, skip-trace, card platform) asked us to slow down; retry with back-off."""


class ProviderUnavailable(ArrearsError):
    """A data provider is down or timed out after our bounded retries; an operator takes over."""


class ProviderBadResponse(ArrearsError):
    """A data provider answered something we cannot trust (wrong shape or values); nothing is stored."""


class NotAuthorised(ArrearsError):
    """The operator's level does not allow this decision (approving beyond one's own authority)."""


class PayloadTooLarge(InvalidInput):
    """A request's body or its list of items is larger than we take (answered 413)."""


class EventConflict(ArrearsError):
    """An event identity seen before arrives with other content: refused, nothing written (409)."""


class AmountOutOfBounds(InvalidInput):
    """An amount or a balance beyond what the ledger holds: refused before anything is written."""


class NotAuthenticated(ArrearsError):
    """No token, or one that does not verify (forged, expired, another pool or application): 401."""


class OperatorDisabled(NotAuthorised):
    """The operator is off the roster or disabled: no authority, whatever their token says (403)."""


class FeedIncomplete(ArrearsError):
    """A chunk of a feed file stopped before all its rows were applied (its report says which)."""


class CustomerNotFound(ArrearsError):
    """No customer with this id (named by id only)."""


class CustomerVersionConflict(ArrearsError):
    """The customer changed since it was read; the writer reads it again."""


class OptOutUnavailable(ArrearsError):
    """An email that must carry the opt-out link (Reg F §1006.6(e)) cannot be given one: the stack
    is not configured with the opt-out endpoint and its key. Needs an operator."""


class ItemizationRefused(ArrearsError):
    """A validation notice's itemization cannot be stated truly: the notice is not sent (an
    operator's task says why). Names amounts and dates only, never a person."""


class ItemizationUnknown(ItemizationRefused):
    """The account has no creditor's data (original and current creditor, itemization date and
    amount) for its validation notice."""


class ItemizationDoesNotAdd(ItemizationRefused):
    """The amount on the itemization date plus interest and fees, less payments and credits since,
    is not the balance now."""
