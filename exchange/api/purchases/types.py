"""GraphQL types of purchases: earning points, quoting, refunding."""

from __future__ import annotations

import strawberry

from exchange.api.common import Money, error_enum, user_error
from exchange.api.scalars import StrictDecimal, ZonedDateTime
from exchange.ledger.errors import LedgerErrorCode
from exchange.members.errors import MemberErrorCode
from exchange.program.errors import ProgramErrorCode
from exchange.registry.errors import RegistryErrorCode

# Each operation's codes: exactly those it can raise (tests/api/test_error_codes.py checks).
EarnQuoteErrorCode = error_enum(
    "EarnQuoteErrorCode",
    MemberErrorCode.MEMBER_NOT_FOUND, RegistryErrorCode.PARTNER_NOT_FOUND,
    ProgramErrorCode.NO_RATE, ProgramErrorCode.INVALID_PURCHASE,
    ProgramErrorCode.PURCHASE_TOO_OLD, ProgramErrorCode.PURCHASE_IN_FUTURE,
)
@user_error(EarnQuoteErrorCode)
class EarnQuoteError:
    """An expected failure of earnQuote; nothing was changed."""


PurchaseRecordErrorCode = error_enum(
    "PurchaseRecordErrorCode",
    MemberErrorCode.MEMBER_NOT_FOUND, RegistryErrorCode.PARTNER_NOT_FOUND,
    ProgramErrorCode.NO_RATE, ProgramErrorCode.INVALID_PURCHASE,
    ProgramErrorCode.PURCHASE_TOO_OLD, ProgramErrorCode.PURCHASE_IN_FUTURE,
    LedgerErrorCode.INVALID_IDEMPOTENCY_KEY, LedgerErrorCode.IDEMPOTENCY_KEY_REUSED,
    LedgerErrorCode.INVALID_INPUT, LedgerErrorCode.INVALID_AMOUNT,
    LedgerErrorCode.LIMIT_EXCEEDED, LedgerErrorCode.INVALID_DATES,
    LedgerErrorCode.DUPLICATE_ORDER, LedgerErrorCode.ACCOUNT_NOT_FOUND,
)
@user_error(PurchaseRecordErrorCode)
class PurchaseRecordError:
    """An expected failure of purchaseRecord; nothing was changed."""


PurchaseRefundErrorCode = error_enum(
    "PurchaseRefundErrorCode",
    ProgramErrorCode.INVALID_PURCHASE,
    LedgerErrorCode.INVALID_IDEMPOTENCY_KEY, LedgerErrorCode.IDEMPOTENCY_KEY_REUSED,
    LedgerErrorCode.INVALID_INPUT, LedgerErrorCode.INVALID_AMOUNT,
    LedgerErrorCode.LIMIT_EXCEEDED, LedgerErrorCode.PURCHASE_NOT_FOUND,
    LedgerErrorCode.CURRENCY_MISMATCH, LedgerErrorCode.REFUND_EXCEEDS_PURCHASE,
    LedgerErrorCode.ACCOUNT_NOT_FOUND,
)
@user_error(PurchaseRefundErrorCode)
class PurchaseRefundError:
    """An expected failure of purchaseRefund; nothing was changed."""




@strawberry.input(description="One line of a purchase.")
class PurchaseLineInput:
    sku: str
    category: str | None = None
    quantity: int = 1
    unit_price: StrictDecimal


@strawberry.input(description="A purchase: lines (preferred, for category rules) or a total.")
class EarnQuoteInput:
    card_number: str
    order_id: str
    occurred_at: ZonedDateTime
    currency: str
    lines: list[PurchaseLineInput] | None = None
    total: StrictDecimal | None = None


@strawberry.input(description="A purchase to record; the points follow the program's rules.")
class PurchaseRecordInput(EarnQuoteInput):
    idempotency_key: str


@strawberry.type(description="What a purchase earns, and why.")
class EarnQuote:
    points: int
    offer_points: int = strawberry.field(
        description="Bonus points offers would add now; a budget may run out before the "
                    "purchase is recorded.")
    amount: Money
    pending_until: ZonedDateTime
    expires_at: ZonedDateTime
    rules_applied: list[str]


@strawberry.type(description="The points a recorded purchase earned.")
class PurchaseEarning:
    points: int
    points_pending: int
    points_available: int
    points_to_debt: int = strawberry.field(
        description="Points that paid off the member's clawback debt first."
    )
    offer_points: int = strawberry.field(
        description="Bonus points of offers, funded by their partners, beyond `points`."
    )
    amount: Money
    pending_until: ZonedDateTime
    expires_at: ZonedDateTime
    rules_applied: list[str]


@strawberry.type
class EarnQuotePayload:
    quote: EarnQuote | None = None
    errors: list[EarnQuoteError] = strawberry.field(default_factory=list)


@strawberry.type
class PurchaseRecordPayload:
    purchase: PurchaseEarning | None = None
    errors: list[PurchaseRecordError] = strawberry.field(default_factory=list)


@strawberry.input(description="Refund all or part of a recorded purchase.")
class PurchaseRefundInput:
    order_id: str
    amount: StrictDecimal
    currency: str
    idempotency_key: str


@strawberry.type
class PurchaseRefundPayload:
    points_reversed: int | None = None
    points_to_debt: int | None = strawberry.field(
        default=None, description="Reversed points the member had spent: now owed as debt."
    )
    errors: list[PurchaseRefundError] = strawberry.field(default_factory=list)
