"""The ledger's public writes: each one idempotent, atomic, and retried on contention.

Every write takes the caller (who is asking: `partner:<code>`, `admin:<name>`, `system`) and an
idempotency key unique per caller. The API layer turns results and LedgerErrors into payloads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from exchange import limits
from exchange.ledger import awards, earning, holds, idempotency, refunds
from exchange.ledger.awards import Award, AwardResult
from exchange.ledger.earning import EarnHook, EarnResult, PurchaseEarn
from exchange.ledger.holds import HoldResult, RedemptionRefundResult, SpendHook
from exchange.ledger.journal import Journal
from exchange.ledger.refunds import PurchaseRefund, RefundResult
from exchange.ledger.transaction import run_atomic

R = TypeVar("R")


async def _write(
    operation: str,
    payload: Any,
    result_type: type[R],
    work: Callable[[Journal], Awaitable[R]],
    *,
    caller: str,
    idempotency_key: str,
    now_us: int | None,
) -> R:
    idempotency.check_key(idempotency_key)
    print_ = idempotency.fingerprint(operation, payload)

    async def once(journal: Journal) -> R:
        done = await idempotency.claim(journal, idempotency_key, print_, result_type)
        if done is not None:
            return done
        result = await work(journal)
        await idempotency.store(journal, idempotency_key, result)
        return result

    return await run_atomic(once, caller=caller, now_us=now_us)


async def earn_purchase(
    request: PurchaseEarn,
    *,
    caller: str,
    idempotency_key: str,
    now_us: int | None = None,
    request_as_sent: Any = None,
    on_earn: EarnHook | None = None,
) -> EarnResult:
    """Earn for a purchase. `request_as_sent` is what the partner sent, when the points were
    derived from it: a retry is matched on that, so a rate changed in between cannot turn the
    retry into a different request. `on_earn` runs in the same transaction (offers, history)."""
    return await _write(
        "earn_purchase", request if request_as_sent is None else request_as_sent, EarnResult,
        lambda journal: earning.earn_purchase(journal, request, on_earn),
        caller=caller, idempotency_key=idempotency_key, now_us=now_us,
    )


async def refund_purchase(
    request: PurchaseRefund, *, caller: str, idempotency_key: str, now_us: int | None = None
) -> RefundResult:
    return await _write(
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
    payload = {"member": member_id, "partner": partner_id, "points": points, "ttl": ttl_seconds}
    return await _write(
        "authorize_hold", payload, HoldResult,
        lambda journal: holds.authorize(journal, member_id, partner_id, points, ttl_seconds),
        caller=caller, idempotency_key=idempotency_key, now_us=now_us,
    )


async def capture_hold(
    hold_id: int,
    partner_id: int,
    points: int | None = None,
    *,
    caller: str,
    idempotency_key: str,
    now_us: int | None = None,
    on_capture: SpendHook | None = None,
) -> HoldResult:
    payload = {"hold": hold_id, "partner": partner_id, "points": points}
    return await _write(
        "capture_hold", payload, HoldResult,
        lambda journal: holds.capture(journal, hold_id, partner_id, points, on_capture),
        caller=caller, idempotency_key=idempotency_key, now_us=now_us,
    )


async def void_hold(
    hold_id: int, partner_id: int, *, caller: str, idempotency_key: str, now_us: int | None = None
) -> HoldResult:
    return await _write(
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
    on_redeem: SpendHook | None = None,
) -> HoldResult:
    return await _write(
        "redeem_points", {"member": member_id, "partner": partner_id, "points": points},
        HoldResult,
        lambda journal: holds.redeem(journal, member_id, partner_id, points, on_redeem),
        caller=caller, idempotency_key=idempotency_key, now_us=now_us,
    )


async def refund_redemption(
    hold_id: int,
    partner_id: int,
    points: int,
    *,
    caller: str,
    idempotency_key: str,
    now_us: int | None = None,
) -> RedemptionRefundResult:
    return await _write(
        "refund_redemption", {"hold": hold_id, "partner": partner_id, "points": points},
        RedemptionRefundResult,
        lambda journal: holds.refund_redemption(journal, hold_id, partner_id, points),
        caller=caller, idempotency_key=idempotency_key, now_us=now_us,
    )


async def award_points(
    request: Award, *, caller: str, idempotency_key: str, now_us: int | None = None
) -> AwardResult:
    return await _write(
        "award_points", request, AwardResult,
        lambda journal: awards.award(journal, request),
        caller=caller, idempotency_key=idempotency_key, now_us=now_us,
    )
