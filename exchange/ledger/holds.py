"""Holds (two-phase redemptions) and one-step redemptions, and refunds of burned points.

Every redemption is a row in `holds`: `authorize` reserves points (available to held, drawing
lots), `capture` burns all or part (held to the partner's redeemed account) and releases the
rest, `void` releases everything. A one-step redemption is a hold created already captured.
A hold resolves exactly once: its status changes only under its member's lock, from
`authorized`. An unresolved hold lapses by the database clock (`{db_now_us}`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tortoise import BaseDBAsyncClient

from exchange import limits
from exchange.clock import seconds_to_us
from exchange.db import execute, fetch_one
from exchange.errors import DomainError
from exchange.ledger.accounts import (
    MemberAccounts,
    lock_member,
    partner_issued_account_id,
    partner_redeemed_account_id,
)
from exchange.ledger.earning import OfferCredit, credit_member
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.expiry import settle_member_lots
from exchange.ledger.journal import Journal
from exchange.ledger.lots import (
    Draw,
    allocations_of,
    draw_lots,
    record_allocations,
    restore_lots,
    split_draws,
)
from exchange.ledger.validation import check_points

AUTHORIZED = "authorized"
CAPTURED = "captured"
VOIDED = "voided"
EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class HoldResult:
    hold_id: int
    status: str
    points: int
    points_captured: int
    points_released: int
    expires_at: int
    offer_points: int = 0  # of the burned points, those an offer's funder paid for


@dataclass(frozen=True, slots=True)
class SpendContext:
    """What a redemption hook sees: the open transaction, after the member's lock is taken."""

    conn: BaseDBAsyncClient
    member_id: int
    points: int
    now_us: int


# Runs inside the redemption's transaction: it may spend offer budgets (locking offer rows after
# the member, before the shared accounts) and returns the points offers pay for.
SpendHook = Callable[[SpendContext], Awaitable[tuple[OfferCredit, ...]]]


@dataclass(frozen=True, slots=True)
class RedemptionRefundResult:
    hold_id: int
    points_refunded: int
    points_refunded_total: int


async def authorize(
    journal: Journal, member_id: int, partner_id: int, points: int, ttl_seconds: int
) -> HoldResult:
    check_points(points, "points")
    _check_ttl(ttl_seconds)
    accounts = await _lock_for_spend(journal, member_id, points)
    await partner_redeemed_account_id(journal.conn, partner_id)  # the partner must exist
    hold = await fetch_one(
        journal.conn,
        "INSERT INTO holds (member_id, partner_id, points, points_captured, points_refunded, "
        "status, authorize_transfer_id, created_at, expires_at) "
        "VALUES ($1, $2, $3, 0, 0, 'authorized', NULL, $4, {db_now_us} + $5) "
        "RETURNING id, expires_at",
        member_id, partner_id, points, journal.now_us, seconds_to_us(ttl_seconds),
    )
    assert hold is not None
    transfer_id = await journal.post(
        "authorize", accounts.available_id, accounts.held_id, points, hold_id=int(hold["id"])
    )
    await draw_lots(journal, member_id, points, transfer_id)
    await _update_hold(journal, int(hold["id"]), authorize_transfer_id=transfer_id)
    return HoldResult(int(hold["id"]), AUTHORIZED, points, 0, 0, int(hold["expires_at"]))


async def redeem(
    journal: Journal, member_id: int, partner_id: int, points: int,
    on_redeem: SpendHook | None = None,
) -> HoldResult:
    """Burn points in one step: a hold created already captured. A discount an offer gives is
    credited to the member first, by the offer's funder, and burned with the rest."""
    check_points(points, "points")
    accounts = await lock_member(journal, member_id)
    await settle_member_lots(journal, accounts)
    credits = await _discounts(journal, accounts, points, on_redeem)
    offer_points = await _credit_discounts(journal, accounts, points, credits)
    _take_available(accounts, points)
    redeemed_id = await partner_redeemed_account_id(journal.conn, partner_id)
    hold = await fetch_one(
        journal.conn,
        "INSERT INTO holds (member_id, partner_id, points, points_captured, points_refunded, "
        "status, authorize_transfer_id, created_at, expires_at, resolved_at) "
        "VALUES ($1, $2, $3, $3, 0, 'captured', NULL, $4, $4, $4) RETURNING id",
        member_id, partner_id, points, journal.now_us,
    )
    assert hold is not None
    hold_id = int(hold["id"])
    transfer_id = await journal.post(
        "redeem", accounts.available_id, redeemed_id, points, hold_id=hold_id
    )
    await draw_lots(journal, member_id, points, transfer_id)
    await _update_hold(
        journal, hold_id, authorize_transfer_id=transfer_id, capture_transfer_id=transfer_id
    )
    return HoldResult(hold_id, CAPTURED, points, points, 0, journal.now_us, offer_points)


async def _discounts(
    journal: Journal, accounts: MemberAccounts, points: int, hook: SpendHook | None
) -> tuple[OfferCredit, ...]:
    if hook is None:
        return ()
    return await hook(SpendContext(journal.conn, accounts.member_id, points, journal.now_us))


async def _credit_discounts(
    journal: Journal, accounts: MemberAccounts, points: int, credits: tuple[OfferCredit, ...]
) -> int:
    """Credit the discounts, each funded by its offer's partner. The caller has settled the
    member's lots, so each discount's lot, expiring in a microsecond, is the first the burn
    right after draws, and it draws it whole: a discount is always less than the points."""
    for credit in credits:
        funding_id = await partner_issued_account_id(journal.conn, credit.funding_partner_id)
        assert 0 < credit.points < points
        await credit_member(
            journal, accounts, funding_id, credit.points, earning_id=None,
            available_at=journal.now_us, expires_at=journal.now_us + 1,
            kind="offer", debt_kind="offer_debt_payment", reason=credit.reason,
        )
    return sum(credit.points for credit in credits)


async def capture(
    journal: Journal, hold_id: int, partner_id: int, points: int | None,
    on_capture: SpendHook | None = None,
) -> HoldResult:
    """Burn `points` of the hold (all when None) and release the rest. A discount an offer
    gives joins the hold first, funded by the offer's partner, and is burned first: the
    member's own points released are that much more."""
    hold, accounts = await _lock_hold(journal, hold_id, partner_id)
    _check_open(hold)
    capture_points = int(hold["points"]) if points is None else points
    check_points(capture_points, "points")
    if capture_points > int(hold["points"]):
        raise DomainError(
            LedgerErrorCode.CAPTURE_EXCEEDS_HOLD,
            f"the hold reserves {hold['points']} points",
            "points",
        )
    offer_points, discount_draws = await _discount_into_hold(
        journal, hold, accounts, capture_points, on_capture)
    draws = discount_draws + await allocations_of(journal, int(hold["authorize_transfer_id"]))
    captured, released = split_draws(draws, capture_points)
    redeemed_id = await partner_redeemed_account_id(journal.conn, partner_id)
    transfer_id = await journal.post(
        "capture", accounts.held_id, redeemed_id, capture_points, hold_id=hold_id,
        linked_transfer_id=int(hold["authorize_transfer_id"]),
    )
    # The captured transfer records the lots it burns (already drawn at authorize).
    await record_allocations(journal, transfer_id, captured)
    released_points = await _release(journal, hold, accounts, released, "release")
    await _update_hold(
        journal, hold_id, status=CAPTURED, points_captured=capture_points,
        capture_transfer_id=transfer_id, resolved_at=journal.now_us,
    )
    return HoldResult(
        hold_id, CAPTURED, int(hold["points"]), capture_points, released_points,
        int(hold["expires_at"]), offer_points,
    )


async def _discount_into_hold(
    journal: Journal, hold: dict[str, Any], accounts: MemberAccounts, points: int,
    on_capture: SpendHook | None,
) -> tuple[int, list[Draw]]:
    """Credit an offer's discount and move it into the hold; return it and what it drew (the
    discount's own lot: it expires before any other, once expired lots are settled)."""
    credits = await _discounts(journal, accounts, points, on_capture)
    if not credits:
        return 0, []  # the common case: no lots to settle, nothing to move
    await settle_member_lots(journal, accounts)
    offer_points = await _credit_discounts(journal, accounts, points, credits)
    transfer_id = await journal.post(
        "authorize", accounts.available_id, accounts.held_id, offer_points,
        hold_id=int(hold["id"]), linked_transfer_id=int(hold["authorize_transfer_id"]),
    )
    draws = await draw_lots(journal, accounts.member_id, offer_points, transfer_id)
    assert all(draw.expires_at == journal.now_us + 1 for draw in draws), draws
    accounts.available -= offer_points
    accounts.held += offer_points
    return offer_points, draws


async def void(journal: Journal, hold_id: int, partner_id: int) -> HoldResult:
    hold, accounts = await _lock_hold(journal, hold_id, partner_id)
    if hold["status"] != AUTHORIZED:
        raise _already_resolved(hold)
    return await _release_all(journal, hold, accounts, VOIDED)


async def expire(journal: Journal, hold_id: int) -> HoldResult | None:
    """Release a lapsed hold; None if it was resolved or is not due after all."""
    hold, accounts = await _lock_hold(journal, hold_id, None)
    if hold["status"] != AUTHORIZED or not hold["is_lapsed"]:
        return None
    return await _release_all(journal, hold, accounts, EXPIRED)


async def refund_redemption(
    journal: Journal, hold_id: int, partner_id: int, points: int
) -> RedemptionRefundResult:
    """Give burned points back to the lots they came from, freshest first."""
    check_points(points, "points")
    hold, accounts = await _lock_hold(journal, hold_id, partner_id)
    refundable = int(hold["points_captured"]) - int(hold["points_refunded"])
    if hold["status"] != CAPTURED or points > refundable:
        raise DomainError(
            LedgerErrorCode.REFUND_EXCEEDS_REDEMPTION,
            f"{refundable} points of this redemption can be refunded",
            "points",
        )
    capture_id = int(hold["capture_transfer_id"])
    burned = await allocations_of(journal, capture_id)
    still_burned, _ = split_draws(burned, refundable)
    _, to_restore = split_draws(still_burned, refundable - points)
    redeemed_id = await partner_redeemed_account_id(journal.conn, partner_id)
    transfer_id = await journal.post(
        "redemption_refund", redeemed_id, accounts.available_id, points, hold_id=hold_id,
        linked_transfer_id=capture_id,
    )
    await restore_lots(journal, to_restore, transfer_id)
    accounts.available += points
    total = int(hold["points_refunded"]) + points
    await _update_hold(journal, hold_id, points_refunded=total)
    return RedemptionRefundResult(hold_id, points, total)


def _check_ttl(ttl_seconds: int) -> None:
    if not limits.hold_ttl_seconds_min <= ttl_seconds <= limits.hold_ttl_seconds_max:
        raise DomainError(
            LedgerErrorCode.LIMIT_EXCEEDED,
            f"a hold lives {limits.hold_ttl_seconds_min} to {limits.hold_ttl_seconds_max} s",
            "ttlSeconds",
        )


async def _lock_for_spend(journal: Journal, member_id: int, points: int) -> MemberAccounts:
    accounts = await lock_member(journal, member_id)
    await settle_member_lots(journal, accounts)
    _take_available(accounts, points)
    return accounts


def _take_available(accounts: MemberAccounts, points: int) -> None:
    if accounts.available < points:
        raise DomainError(
            LedgerErrorCode.INSUFFICIENT_POINTS,
            f"{accounts.available} points available, {points} needed",
            "points",
        )
    accounts.available -= points


async def _lock_hold(
    journal: Journal, hold_id: int, partner_id: int | None
) -> tuple[dict[str, Any], MemberAccounts]:
    """Lock the hold's member, then read the hold: holds change only under that lock."""
    sql = "SELECT *, (expires_at <= {db_now_us}) AS is_lapsed FROM holds WHERE id = $1"
    found = await fetch_one(journal.conn, sql, hold_id)
    # A partner may only act on its own holds; another partner's hold is as good as missing.
    if found is None or (partner_id is not None and int(found["partner_id"]) != partner_id):
        raise DomainError(LedgerErrorCode.HOLD_NOT_FOUND, f"no hold {hold_id}", "holdId")
    accounts = await lock_member(journal, int(found["member_id"]))
    hold = await fetch_one(journal.conn, sql, hold_id)
    assert hold is not None
    return hold, accounts


def _check_open(hold: dict[str, Any]) -> None:
    if hold["status"] != AUTHORIZED:
        raise _already_resolved(hold)
    if hold["is_lapsed"]:
        raise DomainError(LedgerErrorCode.HOLD_EXPIRED, "the hold has expired", "holdId")


def _already_resolved(hold: dict[str, Any]) -> DomainError:
    return DomainError(
        LedgerErrorCode.HOLD_ALREADY_RESOLVED, f"the hold is already {hold['status']}", "holdId"
    )


async def _release_all(
    journal: Journal, hold: dict[str, Any], accounts: MemberAccounts, status: str
) -> HoldResult:
    draws = await allocations_of(journal, int(hold["authorize_transfer_id"]))
    kind = "release" if status == VOIDED else "hold_expiry"
    released = await _release(journal, hold, accounts, draws, kind)
    await _update_hold(journal, int(hold["id"]), status=status, resolved_at=journal.now_us)
    return HoldResult(int(hold["id"]), status, released, 0, released, int(hold["expires_at"]))


async def _release(
    journal: Journal, hold: dict[str, Any], accounts: MemberAccounts, draws: list, kind: str
) -> int:
    points = sum(draw.points for draw in draws)
    if points:
        transfer_id = await journal.post(
            kind, accounts.held_id, accounts.available_id, points, hold_id=int(hold["id"]),
            linked_transfer_id=int(hold["authorize_transfer_id"]),
        )
        await restore_lots(journal, draws, transfer_id)
        accounts.held -= points
        accounts.available += points
    return points


async def _update_hold(journal: Journal, hold_id: int, **changes: int | str) -> None:
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=2))
    changed = await execute(
        journal.conn, f"UPDATE holds SET {assignments} WHERE id = $1", hold_id, *changes.values()
    )
    assert changed == 1
