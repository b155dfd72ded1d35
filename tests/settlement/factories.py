"""Builders for settlement tests: partners with dated prices, and ledger activity dated with an
explicit `now_us` (the time it is recorded), so that months can be settled by hand."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable
from datetime import UTC, datetime
from decimal import Decimal

from exchange.clock import days_to_us, to_us
from exchange.db import connection, execute
from exchange.errors import DomainError
from exchange.ledger.earning import EarnResult, PurchaseEarn
from exchange.ledger.holds import HoldResult, RedemptionRefundResult
from exchange.ledger.refunds import PurchaseRefund, RefundResult
from exchange.operations import postings as service
from exchange.registry.partners import PartnerRecord, create_partner
from exchange.registry.rates import Rate, set_rate
from exchange.settlement.service import begin_settlement
from exchange.settlement.statements import Statement

UTC_ZONE = "UTC"
_orders = itertools.count(1)
_keys = itertools.count(1)

LineView = tuple[str, int, Decimal, Decimal, bool]  # kind, points, price, amount, is_late


def at(day: int, month: int = 3, hour: int = 12, year: int = 2026) -> int:
    return to_us(datetime(year, month, day, hour, tzinfo=UTC))


async def begin(label: str) -> None:
    """Set the coalition's first settlement month."""
    await begin_settlement(label, "admin:test", UTC_ZONE)


def key() -> str:
    return f"key-{next(_keys)}"


async def partner(
    code: str, *prices: tuple[int, str, str], currency: str = "EUR"
) -> PartnerRecord:
    """A partner with (valid_from, issue price, redemption price) rates in its currency."""
    record = await create_partner(code, code.title(), return_window_days=0,
                                  settlement_currency=currency)
    for valid_from, issue, redemption in prices:
        await price(record.id, valid_from, issue, redemption, currency)
    return record


async def price(
    partner_id: int, valid_from: int, issue: str, redemption: str, currency: str = "EUR"
) -> None:
    await set_rate(Rate(partner_id, currency, valid_from, Decimal(1), Decimal(issue),
                        Decimal(redemption)))


async def earn(
    member_id: int,
    partner_id: int,
    points: int,
    occurred_at: int,
    *,
    recorded_at: int | None = None,
    lifetime_days: int = 730,
    order_id: str | None = None,
) -> tuple[str, EarnResult]:
    """A purchase of `points` euros earning `points` points, available at once; its order id."""
    order = order_id or f"order-{next(_orders)}"
    request = PurchaseEarn(
        member_id, partner_id, order, "EUR", points * 100, points, occurred_at, occurred_at,
        occurred_at + days_to_us(lifetime_days),
    )
    result = await service.earn_purchase(request, caller="test", idempotency_key=key(),
                                         now_us=recorded_at or occurred_at)
    return order, result


async def redeem(member_id: int, partner_id: int, points: int, when: int) -> HoldResult:
    return await service.redeem_points(member_id, partner_id, points, caller="test",
                                       idempotency_key=key(), now_us=when)


async def refund_purchase(
    partner_id: int, order_id: str, amount_minor: int, when: int
) -> RefundResult:
    return await service.refund_purchase(
        PurchaseRefund(partner_id, order_id, "EUR", amount_minor), caller="test",
        idempotency_key=key(), now_us=when,
    )


async def refund_redemption(
    hold_id: int, partner_id: int, points: int, when: int
) -> RedemptionRefundResult:
    return await service.refund_redemption(hold_id, partner_id, points, caller="test",
                                           idempotency_key=key(), now_us=when)


async def unpriced_transfer(partner_id: int, when: int) -> None:
    """A transfer of the partner's issued points without a price, as a database upgraded from
    before prices were kept on transfers holds where no rate was in force (and as no posting can
    make now: points a partner has no price for are never moved)."""
    await execute(
        connection(),
        "INSERT INTO transfers (kind, debit_account_id, credit_account_id, points, caller, "
        "reason, created_at, dated_at) SELECT 'earn', i.id, b.id, 7, 'test', '', $2, $2 "
        "FROM accounts i, accounts b WHERE i.kind = 'partner_issued' AND i.owner_id = $1 "
        "AND b.kind = 'operator_breakage'",
        partner_id, when,
    )


async def settlement_failure(call: Awaitable[object]) -> DomainError:
    """Await a call that must fail with a DomainError, and return the error."""
    try:
        result = await call
    except DomainError as error:
        return error
    raise AssertionError(f"expected a DomainError, got {result!r}")


def lines(statement: Statement) -> list[LineView]:
    return [(ln.kind, ln.points, ln.price, ln.amount, ln.is_late) for ln in statement.lines]


def by_code(statements: list[Statement]) -> dict[str, Statement]:
    return {statement.code: statement for statement in statements}
