"""GraphQL types of purchases: earning points, quoting, refunding."""

from __future__ import annotations

import strawberry

from exchange.api.common import LEDGER_WRITE_CODES, Money, user_error
from exchange.api.scalars import StrictDecimal, ZonedDateTime
from exchange.ledger.errors import LedgerErrorCode
from exchange.members.errors import MemberErrorCode
from exchange.program.errors import ProgramErrorCode
from exchange.registry.errors import RegistryErrorCode


# Each operation's codes: exactly those it can raise (tests/api/test_error_codes.py checks).
@user_error(
    MemberErrorCode.MEMBER_NOT_FOUND, RegistryErrorCode.PARTNER_NOT_FOUND,
    ProgramErrorCode.NO_RATE, ProgramErrorCode.INVALID_PURCHASE, ProgramErrorCode.PURCHASE_TOO_OLD,
    ProgramErrorCode.PURCHASE_IN_FUTURE,
)
class EarnQuoteError:
    """An expected failure of earnQuote; nothing was changed."""


@user_error(
    *LEDGER_WRITE_CODES, MemberErrorCode.MEMBER_NOT_FOUND, RegistryErrorCode.PARTNER_NOT_FOUND,
    ProgramErrorCode.NO_RATE, ProgramErrorCode.INVALID_PURCHASE, ProgramErrorCode.PURCHASE_TOO_OLD,
    ProgramErrorCode.PURCHASE_IN_FUTURE, LedgerErrorCode.INVALID_INPUT,
    LedgerErrorCode.INVALID_AMOUNT, LedgerErrorCode.LIMIT_EXCEEDED, LedgerErrorCode.INVALID_DATES,
    LedgerErrorCode.DUPLICATE_ORDER,
)
class PurchaseRecordError:
    """An expected failure of purchaseRecord; nothing was changed."""


@user_error(
    *LEDGER_WRITE_CODES, ProgramErrorCode.INVALID_PURCHASE, LedgerErrorCode.INVALID_INPUT,
    LedgerErrorCode.INVALID_AMOUNT, LedgerErrorCode.LIMIT_EXCEEDED,
    LedgerErrorCode.PURCHASE_NOT_FOUND, LedgerErrorCode.CURRENCY_MISMATCH,
    LedgerErrorCode.REFUND_EXCEEDS_PURCHASE,
)
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
