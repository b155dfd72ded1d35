"""Spending points at a partner's till: holds, one-step redemptions, and their refunds.

The partner acts only on members linked to it and on its own holds (the ledger checks that
the hold belongs to the calling partner).
"""

from __future__ import annotations

from exchange import limits
from exchange.ledger import service as ledger
from exchange.ledger.holds import HoldResult, RedemptionRefundResult
from exchange.members.service import get_linked_member
from exchange.offers.at_redemption import redemption_hook
from exchange.program.partner_caller import PartnerCaller


async def authorize(
    caller: PartnerCaller,
    card_number: str,
    points: int,
    idempotency_key: str,
    ttl_seconds: int = limits.hold_ttl_seconds_default,
) -> HoldResult:
    member = await get_linked_member(caller.partner_id, card_number)
    return await ledger.authorize_hold(
        member.id, caller.partner_id, points, ttl_seconds=ttl_seconds,
        caller=caller.ledger_caller, idempotency_key=idempotency_key,
    )


async def capture(
    caller: PartnerCaller, hold_id: int, points: int | None, idempotency_key: str
) -> HoldResult:
    return await ledger.capture_hold(
        hold_id, caller.partner_id, points, caller=caller.ledger_caller,
        idempotency_key=idempotency_key,
        on_capture=redemption_hook(caller.partner_id, caller.code),
    )


async def void(caller: PartnerCaller, hold_id: int, idempotency_key: str) -> HoldResult:
    return await ledger.void_hold(
        hold_id, caller.partner_id, caller=caller.ledger_caller, idempotency_key=idempotency_key
    )


async def redeem(
    caller: PartnerCaller, card_number: str, points: int, idempotency_key: str
) -> HoldResult:
    member = await get_linked_member(caller.partner_id, card_number)
    return await ledger.redeem_points(
        member.id, caller.partner_id, points, caller=caller.ledger_caller,
        idempotency_key=idempotency_key,
        on_redeem=redemption_hook(caller.partner_id, caller.code),
    )


async def refund(
    caller: PartnerCaller, hold_id: int, points: int, idempotency_key: str
) -> RedemptionRefundResult:
    return await ledger.refund_redemption(
        hold_id, caller.partner_id, points, caller=caller.ledger_caller,
        idempotency_key=idempotency_key,
    )
