"""Single postings, each in a unit of work of its own: idempotent, atomic, retried on
contention.

For the use cases that need nothing but the ledger (a hold, a void, the refunds), and for the
tools and tests that drive the ledger directly by member and partner id. A use case that must
ask offers or rules inside the transaction opens its unit of work itself (purchases.py,
redemptions.py). Every write takes the caller's label (`Caller.label`: `partner:<code>`,
`admin:<name>`, `system:<job>`) and an idempotency key unique per caller.
"""

from __future__ import annotations

from exchange import limits
from exchange.ledger import earning, holds, refunds
from exchange.ledger.earning import EarnResult, PurchaseEarn
from exchange.ledger.expiry import lock_settled_member
from exchange.ledger.holds import HoldResult, RedemptionRefundResult
from exchange.ledger.journal import Journal
from exchange.ledger.refunds import PurchaseRefund, RefundResult
from exchange.offers.at_purchase import PurchaseContext, record_history
from exchange.operations.pricing import prices_at
from exchange.operations.unit import run_once


async def earn_purchase(
    request: PurchaseEarn, *, caller: str, idempotency_key: str, now_us: int | None = None
) -> EarnResult:
    return await run_once("earn_purchase", request, EarnResult,
                          lambda journal: _earn(journal, request), caller=caller,
                          idempotency_key=idempotency_key, now_us=now_us)


async def refund_purchase(
    request: PurchaseRefund, *, caller: str, idempotency_key: str, now_us: int | None = None
) -> RefundResult:
    return await run_once(
        "refund_purchase", request, RefundResult,
        lambda journal: refunds.refund_purchase(journal, request),
        caller=caller, idempotency_key=idempotency_key, now_us=now_us,
    )


async def authorize_hold(
    member_id: int,
    partner_id: int,
    points: int,
    *,
    ttl_seconds: int = limits.hold_ttl_seconds_default,
    caller: str,
    idempotency_key: str,
    now_us: int | None = None,
) -> HoldResult:
    async def post(journal: Journal) -> HoldResult:
        accounts = await lock_settled_member(journal, member_id)
        return await holds.authorize(journal, accounts, partner_id, points, ttl_seconds)

    payload = {"member": member_id, "partner": partner_id, "points": points, "ttl": ttl_seconds}
    return await run_once("authorize_hold", payload, HoldResult, post, caller=caller,
                          idempotency_key=idempotency_key, now_us=now_us)


async def capture_hold(
    hold_id: int,
    partner_id: int,
    points: int | None = None,
    *,
    caller: str,
    idempotency_key: str,
    now_us: int | None = None,
) -> HoldResult:
    async def post(journal: Journal) -> HoldResult:
        hold, accounts = await holds.lock_hold(journal, hold_id, partner_id)
        to_capture = holds.points_to_capture(hold, points)
        price = await prices_at(journal.conn, partner_id, journal.now_us)
        return await holds.capture(journal, hold, accounts, to_capture, price.redemption_price)

    payload = {"hold": hold_id, "partner": partner_id, "points": points}
    return await run_once("capture_hold", payload, HoldResult, post, caller=caller,
                          idempotency_key=idempotency_key, now_us=now_us)


async def void_hold(
    hold_id: int, partner_id: int, *, caller: str, idempotency_key: str, now_us: int | None = None
) -> HoldResult:
    return await run_once(
        "void_hold", {"hold": hold_id, "partner": partner_id}, HoldResult,
        lambda journal: holds.void(journal, hold_id, partner_id),
        caller=caller, idempotency_key=idempotency_key, now_us=now_us,
    )


async def redeem_points(
    member_id: int,
    partner_id: int,
    points: int,
    *,
    caller: str,
    idempotency_key: str,
    now_us: int | None = None,
) -> HoldResult:
    async def post(journal: Journal) -> HoldResult:
        accounts = await lock_settled_member(journal, member_id)
        price = await prices_at(journal.conn, partner_id, journal.now_us)
        return await holds.redeem(journal, accounts, partner_id, points, price.redemption_price)

    payload = {"member": member_id, "partner": partner_id, "points": points}
    return await run_once("redeem_points", payload, HoldResult, post, caller=caller,
                          idempotency_key=idempotency_key, now_us=now_us)


async def refund_redemption(
    hold_id: int,
    partner_id: int,
    points: int,
    *,
    caller: str,
    idempotency_key: str,
    now_us: int | None = None,
) -> RedemptionRefundResult:
    return await run_once(
        "refund_redemption", {"hold": hold_id, "partner": partner_id, "points": points},
        RedemptionRefundResult,
        lambda journal: holds.refund_redemption(journal, hold_id, partner_id, points),
        caller=caller, idempotency_key=idempotency_key, now_us=now_us,
    )


async def import_purchase(request: PurchaseEarn, lines: PurchaseContext, *, caller: str) -> None:
    """Record a purchase as if when it happened (it may be older than a partner may send), with
    its lines for ranking, and no offers: for seeding (the demo) and imports of past history."""
    async def post(journal: Journal) -> EarnResult:
        earned = await _earn(journal, request)
        await record_history(journal.conn, request.member_id, earned.earning_id, lines)
        return earned

    await run_once("earn_purchase", request, EarnResult, post, caller=caller,
                   idempotency_key=request.order_id, now_us=request.occurred_at)


async def _earn(journal: Journal, request: PurchaseEarn) -> EarnResult:
    """A purchase's own points, charged at the partner's issue price when it happened."""
    accounts = await lock_settled_member(journal, request.member_id)
    prices = await prices_at(journal.conn, request.partner_id, request.occurred_at)
    return await earning.earn_purchase(journal, accounts, request, prices.issue_price)
