"""Resolvers of purchases: parse the input, make one domain call, build the payload."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from exchange.api.callers import caller_of
from exchange.api.common import moment_us, money, to_user_errors
from exchange.api.purchases.types import (
    EarnQuote,
    EarnQuoteError,
    EarnQuoteInput,
    EarnQuotePayload,
    PurchaseEarning,
    PurchaseRecordError,
    PurchaseRecordInput,
    PurchaseRecordPayload,
    PurchaseRefundError,
    PurchaseRefundInput,
    PurchaseRefundPayload,
)
from exchange.api.scalars import zoned_at
from exchange.errors import DomainError
from exchange.operations import purchases
from exchange.program.purchases import Purchase, PurchaseQuote
from exchange.program.rules import PurchaseLine


def _purchase(data: EarnQuoteInput) -> Purchase:
    lines = tuple(
        PurchaseLine(line.sku, line.category, line.quantity, Decimal(line.unit_price))
        for line in data.lines or ()
    )
    return Purchase(
        card_number=data.card_number, order_id=data.order_id,
        occurred_at=moment_us(data.occurred_at), currency=data.currency, lines=lines,
        total=data.total,
    )


def _quote(quote: PurchaseQuote) -> EarnQuote:
    return EarnQuote(
        points=quote.points, offer_points=quote.offer_points,
        amount=money(quote.amount, quote.currency), pending_until=zoned_at(quote.available_at),
        expires_at=zoned_at(quote.expires_at), rules_applied=list(quote.rules_applied),
    )


async def earn_quote(info: strawberry.Info, input: EarnQuoteInput) -> EarnQuotePayload:
    try:
        quote = await purchases.quote_purchase(caller_of(info), _purchase(input))
    except DomainError as error:
        return EarnQuotePayload(errors=to_user_errors(error, EarnQuoteError))
    return EarnQuotePayload(quote=_quote(quote))


async def purchase_record(
    info: strawberry.Info, input: PurchaseRecordInput
) -> PurchaseRecordPayload:
    try:
        outcome = await purchases.record_purchase(
            caller_of(info), _purchase(input), input.idempotency_key
        )
    except DomainError as error:
        return PurchaseRecordPayload(errors=to_user_errors(error, PurchaseRecordError))
    quote = outcome.quote
    return PurchaseRecordPayload(purchase=PurchaseEarning(
        points=quote.points, points_pending=outcome.points_pending,
        points_available=outcome.points_available, points_to_debt=outcome.points_to_debt,
        offer_points=quote.offer_points,
        amount=money(quote.amount, quote.currency), pending_until=zoned_at(quote.available_at),
        expires_at=zoned_at(quote.expires_at), rules_applied=list(quote.rules_applied),
    ))


async def purchase_refund(
    info: strawberry.Info, input: PurchaseRefundInput
) -> PurchaseRefundPayload:
    try:
        result = await purchases.refund_purchase(
            caller_of(info), input.order_id, input.currency, input.amount, input.idempotency_key
        )
    except DomainError as error:
        return PurchaseRefundPayload(errors=to_user_errors(error, PurchaseRefundError))
    return PurchaseRefundPayload(
        points_reversed=result.points_reversed, points_to_debt=result.points_to_debt
    )
