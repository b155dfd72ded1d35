"""Purchases: quote and record the points a purchase earns, and refund a purchase."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from exchange import limits
from exchange.clock import days_to_us, now_us, seconds_to_us
from exchange.errors import DomainError
from exchange.ledger import service as ledger
from exchange.ledger.earning import PurchaseEarn
from exchange.ledger.refunds import PurchaseRefund, RefundResult
from exchange.members.service import get_linked_member
from exchange.money import to_minor
from exchange.offers.at_purchase import (
    HistoryLine,
    PurchaseContext,
    preview_offers,
    purchase_hook,
)
from exchange.offers.eligibility import EarnLine
from exchange.program.errors import ProgramErrorCode
from exchange.program.partner_caller import PartnerCaller
from exchange.program.rules import (
    EarnComputation,
    PurchaseLine,
    check_money,
    compute_earn,
    purchase_amount,
)
from exchange.registry.partners import PartnerRecord, get_partner_by_id
from exchange.registry.rates import Rate, rate_in_force

POINTS_LIFETIME_DAYS = 730
PURCHASE_AGE_DAYS_MAX = 30
CLOCK_SKEW_SECONDS_MAX = 300


@dataclass(frozen=True, slots=True)
class Purchase:
    card_number: str
    order_id: str
    occurred_at: int
    currency: str
    lines: tuple[PurchaseLine, ...] = ()
    total: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PurchaseQuote:
    points: int
    amount: Decimal
    currency: str
    available_at: int
    expires_at: int
    rules_applied: tuple[str, ...]
    offer_points: int = 0


@dataclass(frozen=True, slots=True)
class PurchaseOutcome:
    quote: PurchaseQuote
    earning_id: int
    points_to_debt: int
    points_pending: int
    points_available: int


async def quote_purchase(caller: PartnerCaller, purchase: Purchase) -> PurchaseQuote:
    """What recording the purchase would earn, without writing anything."""
    member = await get_linked_member(caller.partner_id, purchase.card_number)
    partner = await get_partner_by_id(caller.partner_id)
    now = now_us()
    quote, rate = await _quote(partner, purchase, now)
    credits = await preview_offers(member.id, _purchase_context(partner, purchase, rate), now)
    return replace(quote, offer_points=sum(c.points for c in credits),
                   rules_applied=(*quote.rules_applied, *(c.reason for c in credits)))


async def record_purchase(
    caller: PartnerCaller, purchase: Purchase, idempotency_key: str
) -> PurchaseOutcome:
    member = await get_linked_member(caller.partner_id, purchase.card_number)
    partner = await get_partner_by_id(caller.partner_id)
    quote, rate = await _quote(partner, purchase, now_us())
    result = await ledger.earn_purchase(
        PurchaseEarn(
            member_id=member.id, partner_id=partner.id, order_id=purchase.order_id,
            currency=purchase.currency, amount_minor=to_minor(quote.amount, purchase.currency),
            points=quote.points, occurred_at=purchase.occurred_at,
            available_at=quote.available_at, expires_at=quote.expires_at,
            rules_applied=quote.rules_applied,
        ),
        caller=caller.ledger_caller, idempotency_key=idempotency_key, request_as_sent=purchase,
        on_earn=purchase_hook(_purchase_context(partner, purchase, rate)),
    )
    # A retry gets the first answer: the points and rules as they were, not as now.
    as_recorded = replace(
        quote, points=result.points, available_at=result.available_at,
        expires_at=result.expires_at, rules_applied=tuple(result.rules_applied),
        offer_points=result.offer_points,
    )
    return PurchaseOutcome(
        quote=as_recorded, earning_id=result.earning_id, points_to_debt=result.points_to_debt,
        points_pending=result.points_pending, points_available=result.points_available,
    )


async def refund_purchase(
    caller: PartnerCaller, order_id: str, currency: str, amount: Decimal, idempotency_key: str
) -> RefundResult:
    if amount <= 0:
        raise DomainError(ProgramErrorCode.INVALID_PURCHASE, "a refund must be positive",
                           "amount")
    check_money(amount, currency, "amount")
    return await ledger.refund_purchase(
        PurchaseRefund(caller.partner_id, order_id, currency, to_minor(amount, currency)),
        caller=caller.ledger_caller, idempotency_key=idempotency_key,
    )


async def _quote(
    partner: PartnerRecord, purchase: Purchase, now: int
) -> tuple[PurchaseQuote, Rate]:
    _check_time(purchase.occurred_at, now)
    amount = purchase_amount(purchase.lines, purchase.total, purchase.currency)
    rate = await rate_in_force(partner.id, purchase.currency, purchase.occurred_at)
    if rate is None:
        raise DomainError(ProgramErrorCode.NO_RATE,
                           f"{partner.name} has no earn rate for {purchase.currency} then",
                           "currency")
    computed: EarnComputation = compute_earn(rate, purchase.lines, amount, partner.name)
    return PurchaseQuote(
        points=computed.points, amount=amount, currency=purchase.currency,
        available_at=purchase.occurred_at + days_to_us(partner.return_window_days),
        expires_at=purchase.occurred_at + days_to_us(POINTS_LIFETIME_DAYS),
        rules_applied=computed.rules_applied,
    ), rate


def _purchase_context(partner: PartnerRecord, purchase: Purchase, rate: Rate) -> PurchaseContext:
    """The purchase as offers and the ranking history see it."""
    if not purchase.lines:
        assert purchase.total is not None
        lines = (EarnLine("", "", purchase.total * rate.earn_rate),)
        history = (HistoryLine("", "", to_minor(purchase.total, purchase.currency)),)
    else:
        lines = tuple(
            EarnLine(f"{partner.code}/{line.sku}", line.category or "",
                     line.amount * rate.earn_rate * rate.multiplier(line.category))
            for line in purchase.lines
        )
        history = tuple(
            HistoryLine(line.sku, line.category or "", to_minor(line.amount, purchase.currency))
            for line in purchase.lines
        )
    return PurchaseContext(partner.id, partner.code, purchase.currency, purchase.occurred_at,
                           lines, history)


def _check_time(occurred_at: int, now: int) -> None:
    if occurred_at > now + seconds_to_us(CLOCK_SKEW_SECONDS_MAX):
        raise DomainError(ProgramErrorCode.PURCHASE_IN_FUTURE,
                           "a purchase cannot be in the future", "occurredAt")
    if occurred_at < now - days_to_us(PURCHASE_AGE_DAYS_MAX):
        raise DomainError(ProgramErrorCode.PURCHASE_TOO_OLD,
                           f"purchases are accepted up to {PURCHASE_AGE_DAYS_MAX} days old",
                           "occurredAt")


assert limits.return_window_days_max + PURCHASE_AGE_DAYS_MAX < POINTS_LIFETIME_DAYS
