"""Spending points at a partner's till: holds, one-step redemptions, and their refunds.

The partner acts only on members linked to it and on its own holds (the ledger checks that
the hold belongs to the calling partner). A reward discount an offer gives is asked for inside
the burn's transaction, after the member's lock, and posted with the burn.
"""

from __future__ import annotations

from exchange import limits
from exchange.callers import Caller
from exchange.ledger import holds
from exchange.ledger.earning import FundedCredit
from exchange.ledger.expiry import lock_settled_member
from exchange.ledger.holds import HoldResult, RedemptionRefundResult
from exchange.ledger.journal import Journal
from exchange.ledger.validation import check_points
from exchange.members.service import get_linked_member
from exchange.offers.at_redemption import DiscountSpent, record_discount, spend_discount
from exchange.operations import postings
from exchange.operations.pricing import prices_at
from exchange.operations.purchases import funded
from exchange.operations.unit import run_once


async def authorize(
    caller: Caller,
    card_number: str,
    points: int,
    idempotency_key: str,
    ttl_seconds: int = limits.hold_ttl_seconds_default,
) -> HoldResult:
    member = await get_linked_member(caller.partner_id_or_raise(), card_number)
    return await postings.authorize_hold(
        member.id, caller.partner_id_or_raise(), points, ttl_seconds=ttl_seconds,
        caller=caller.label, idempotency_key=idempotency_key,
    )


async def capture(
    caller: Caller, hold_id: int, points: int | None, idempotency_key: str
) -> HoldResult:
    partner_id = caller.partner_id_or_raise()
    payload = {"hold": hold_id, "partner": partner_id, "points": points}
    return await run_once(
        "capture_hold", payload, HoldResult,
        lambda journal: _capture(journal, caller, hold_id, points),
        caller=caller.label, idempotency_key=idempotency_key,
    )


async def _capture(journal: Journal, caller: Caller, hold_id: int, points: int | None
                   ) -> HoldResult:
    hold, accounts = await holds.lock_hold(journal, hold_id, caller.partner_id_or_raise())
    capture_points = holds.points_to_capture(hold, points)
    price = await prices_at(journal.conn, hold.partner_id, journal.now_us)
    spent = await _spend_discount(journal, caller, hold.member_id, capture_points)
    result = await holds.capture(journal, hold, accounts, capture_points, price.redemption_price,
                                 await _discount(journal, spent))
    await _record_discount(journal, spent, hold.member_id, result.hold_id)
    return result


async def void(caller: Caller, hold_id: int, idempotency_key: str) -> HoldResult:
    return await postings.void_hold(
        hold_id, caller.partner_id_or_raise(), caller=caller.label,
        idempotency_key=idempotency_key,
    )


async def redeem(
    caller: Caller, card_number: str, points: int, idempotency_key: str
) -> HoldResult:
    partner_id = caller.partner_id_or_raise()
    member = await get_linked_member(partner_id, card_number)
    payload = {"member": member.id, "partner": partner_id, "points": points}
    return await run_once(
        "redeem_points", payload, HoldResult,
        lambda journal: _redeem(journal, caller, member.id, points),
        caller=caller.label, idempotency_key=idempotency_key,
    )


async def _redeem(journal: Journal, caller: Caller, member_id: int, points: int) -> HoldResult:
    check_points(points, "points")  # before any budget is looked at
    accounts = await lock_settled_member(journal, member_id)
    price = await prices_at(journal.conn, caller.partner_id_or_raise(), journal.now_us)
    spent = await _spend_discount(journal, caller, member_id, points)
    result = await holds.redeem(journal, accounts, caller.partner_id_or_raise(), points,
                                price.redemption_price, await _discount(journal, spent))
    await _record_discount(journal, spent, member_id, result.hold_id)
    return result


async def _spend_discount(journal: Journal, caller: Caller, member_id: int, points: int
                          ) -> DiscountSpent | None:
    return await spend_discount(journal.conn, member_id, caller.partner_id_or_raise(),
                                caller.name, points, journal.now_us)


async def _discount(journal: Journal, spent: DiscountSpent | None) -> FundedCredit | None:
    """The discount as the ledger posts it: issued by the funder at its price now."""
    if spent is None:
        return None
    funder = await prices_at(journal.conn, spent.credit.funding_partner_id, journal.now_us)
    return funded(spent.credit, funder.issue_price)


async def _record_discount(journal: Journal, spent: DiscountSpent | None, member_id: int,
                           hold_id: int) -> None:
    """The award names the redemption it paid part of, so it is recorded after the burn."""
    if spent is not None:
        await record_discount(journal.conn, spent, member_id, hold_id, journal.now_us)


async def refund(
    caller: Caller, hold_id: int, points: int, idempotency_key: str
) -> RedemptionRefundResult:
    return await postings.refund_redemption(
        hold_id, caller.partner_id_or_raise(), points, caller=caller.label,
        idempotency_key=idempotency_key,
    )
