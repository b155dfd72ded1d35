"""Holds (two-phase redemptions) and one-step redemptions, and refunds of burned points.

Every redemption is a row in `holds`: `authorize` reserves points (available to held, drawing
lots), `capture` burns all or part (held to the partner's redeemed account) and releases the
rest, `void` releases everything. A one-step redemption is a hold created already captured.
A hold resolves exactly once: its status changes only under its member's lock, from
`authorized`. An unresolved hold lapses by the database clock (`{db_now_us}`).

A burn may be paid in part by a funding partner (a discount): that part moves straight from the
funder's issued account to the partner where the points are burned (`discount`), and the member
burns only the rest. Refunding such a redemption gives the member back their own points first;
the discount's part, which never was the member's, goes to breakage (`discount_refund`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exchange import limits
from exchange.clock import seconds_to_us
from exchange.db import execute, fetch_one
from exchange.errors import DomainError
from exchange.ledger.accounts import (
    MemberAccounts,
    lock_member,
    operator_account_id,
    partner_issued_account_id,
    partner_redeemed_account_id,
)
from exchange.ledger.earning import FundedCredit
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.expiry import expire_member_lots
from exchange.ledger.journal import Journal
from exchange.ledger.kinds import AccountKind, HoldStatus, TransferKind
from exchange.ledger.lots import (
    Draw,
    allocations_of,
    draw_lots,
    record_allocations,
    restore_lots,
    split_draws,
)
from exchange.ledger.prices import Price, price_of
from exchange.ledger.validation import check_points


@dataclass(frozen=True, slots=True)
class HoldResult:
    hold_id: int
    status: str
    points: int
    points_captured: int
    points_released: int
    expires_at: int
    offer_points: int = 0  # of the burned points, those a funding partner paid for


@dataclass(frozen=True, slots=True)
class RedemptionRefundResult:
    hold_id: int
    points_refunded: int
    points_refunded_total: int


@dataclass(frozen=True, slots=True)
class HoldRow:
    id: int
    member_id: int
    partner_id: int
    points: int
    points_captured: int
    points_refunded: int
    points_discount: int
    status: HoldStatus
    authorize_transfer_id: int
    capture_transfer_id: int | None
    expires_at: int
    is_lapsed: bool


_HOLD_SELECT = (
    "SELECT id, member_id, partner_id, points, points_captured, points_refunded, "
    "points_discount, status, authorize_transfer_id, capture_transfer_id, expires_at, "
    "(expires_at <= {db_now_us}) AS is_lapsed FROM holds WHERE id = $1"
)


async def _read_hold(journal: Journal, hold_id: int) -> HoldRow | None:
    row = await fetch_one(journal.conn, _HOLD_SELECT, hold_id)
    if row is None:
        return None
    return HoldRow(
        id=int(row["id"]), member_id=int(row["member_id"]), partner_id=int(row["partner_id"]),
        points=int(row["points"]), points_captured=int(row["points_captured"]),
        points_refunded=int(row["points_refunded"]),
        points_discount=int(row["points_discount"]), status=HoldStatus(row["status"]),
        authorize_transfer_id=int(row["authorize_transfer_id"]),
        capture_transfer_id=None if row["capture_transfer_id"] is None
        else int(row["capture_transfer_id"]),
        expires_at=int(row["expires_at"]), is_lapsed=bool(row["is_lapsed"]),
    )


async def authorize(
    journal: Journal, accounts: MemberAccounts, partner_id: int, points: int, ttl_seconds: int
) -> HoldResult:
    """Reserve points; the caller has locked the member with their lots up to date."""
    check_points(points, "points")
    _check_ttl(ttl_seconds)
    _take_available(accounts, points)
    await partner_redeemed_account_id(journal.conn, partner_id)  # the partner must exist
    hold = await fetch_one(
        journal.conn,
        "INSERT INTO holds (member_id, partner_id, points, points_captured, points_refunded, "
        "points_discount, status, authorize_transfer_id, created_at, expires_at) "
        "VALUES ($1, $2, $3, 0, 0, 0, $4, NULL, $5, {db_now_us} + $6) "
        "RETURNING id, expires_at",
        accounts.member_id, partner_id, points, HoldStatus.AUTHORIZED, journal.now_us,
        seconds_to_us(ttl_seconds),
    )
    assert hold is not None
    hold_id = int(hold["id"])
    transfer_id = await journal.post(
        TransferKind.AUTHORIZE, accounts.available_id, accounts.held_id, points, hold_id=hold_id
    )
    await draw_lots(journal, accounts.member_id, points, transfer_id)
    await _update_hold(journal, hold_id, authorize_transfer_id=transfer_id)
    return HoldResult(hold_id, HoldStatus.AUTHORIZED, points, 0, 0, int(hold["expires_at"]))


async def redeem(
    journal: Journal, accounts: MemberAccounts, partner_id: int, points: int,
    redemption_price: Decimal, discount: FundedCredit | None = None,
) -> HoldResult:
    """Burn points in one step: a hold created already captured, the burn charged at the
    partner's `redemption_price` (in force now). The caller has locked the member with their
    lots up to date. A discount pays part of the points; the member burns the rest."""
    check_points(points, "points")
    discount_points = _check_discount(discount, points)
    own_points = points - discount_points
    _take_available(accounts, own_points)
    redeemed_id = await partner_redeemed_account_id(journal.conn, partner_id)
    hold = await fetch_one(
        journal.conn,
        "INSERT INTO holds (member_id, partner_id, points, points_captured, points_refunded, "
        "points_discount, status, authorize_transfer_id, created_at, expires_at, resolved_at) "
        "VALUES ($1, $2, $3, $3, 0, $4, $5, NULL, $6, $6, $6) RETURNING id",
        accounts.member_id, partner_id, points, discount_points, HoldStatus.CAPTURED,
        journal.now_us,
    )
    assert hold is not None
    hold_id = int(hold["id"])
    transfer_id = await journal.post(
        TransferKind.REDEEM, accounts.available_id, redeemed_id, own_points, hold_id=hold_id,
        price=Price(redemption=redemption_price),
    )
    await draw_lots(journal, accounts.member_id, own_points, transfer_id)
    await _post_discount(journal, discount, redeemed_id, hold_id, transfer_id, redemption_price)
    await _update_hold(
        journal, hold_id, authorize_transfer_id=transfer_id, capture_transfer_id=transfer_id
    )
    return HoldResult(hold_id, HoldStatus.CAPTURED, points, points, 0, journal.now_us,
                      discount_points)


def _check_discount(discount: FundedCredit | None, points: int) -> int:
    if discount is None:
        return 0
    # A discount pays part of a burn, never all of it: the member always burns some points.
    assert 0 < discount.points < points, (discount, points)
    return discount.points


async def _post_discount(
    journal: Journal, discount: FundedCredit | None, redeemed_id: int, hold_id: int,
    burn_transfer_id: int, redemption_price: Decimal,
) -> None:
    """The funder issues the discount's points at its issue price; they burn at the burn's
    redemption price."""
    if discount is None:
        return
    funding_id = await partner_issued_account_id(journal.conn, discount.funding_partner_id)
    await journal.post(
        TransferKind.DISCOUNT, funding_id, redeemed_id, discount.points, hold_id=hold_id,
        linked_transfer_id=burn_transfer_id, reason=discount.reason,
        price=Price(discount.issue_price, redemption_price),
    )


async def lock_hold(
    journal: Journal, hold_id: int, partner_id: int | None
) -> tuple[HoldRow, MemberAccounts]:
    """Lock the hold's member, then read the hold: holds change only under that lock."""
    found = await _read_hold(journal, hold_id)
    # A partner may only act on its own holds; another partner's hold is as good as missing.
    if found is None or (partner_id is not None and found.partner_id != partner_id):
        raise DomainError(LedgerErrorCode.HOLD_NOT_FOUND, f"no hold {hold_id}", "holdId")
    accounts = await lock_member(journal, found.member_id)
    hold = await _read_hold(journal, hold_id)
    assert hold is not None
    return hold, accounts


def points_to_capture(hold: HoldRow, points: int | None) -> int:
    """The points a capture of the open hold burns (all when None), checked."""
    _check_open(hold)
    capture_points = hold.points if points is None else points
    check_points(capture_points, "points")
    if capture_points > hold.points:
        raise DomainError(
            LedgerErrorCode.CAPTURE_EXCEEDS_HOLD,
            f"the hold reserves {hold.points} points",
            "points",
        )
    return capture_points


async def capture(
    journal: Journal, hold: HoldRow, accounts: MemberAccounts, points: int,
    redemption_price: Decimal, discount: FundedCredit | None = None,
) -> HoldResult:
    """Burn `points` of the locked hold (`lock_hold`, `points_to_capture`), charged at the
    partner's `redemption_price` (in force now), and release the rest. A discount pays part of
    the points: the member's own points released are that much more."""
    assert hold.status == HoldStatus.AUTHORIZED and 0 < points <= hold.points, (hold, points)
    discount_points = _check_discount(discount, points)
    own_points = points - discount_points
    draws = await allocations_of(journal, hold.authorize_transfer_id)
    captured, released = split_draws(draws, own_points)
    redeemed_id = await partner_redeemed_account_id(journal.conn, hold.partner_id)
    transfer_id = await journal.post(
        TransferKind.CAPTURE, accounts.held_id, redeemed_id, own_points, hold_id=hold.id,
        linked_transfer_id=hold.authorize_transfer_id, price=Price(redemption=redemption_price),
    )
    # The captured transfer records the lots it burns (already drawn at authorize).
    await record_allocations(journal, transfer_id, captured)
    await _post_discount(journal, discount, redeemed_id, hold.id, transfer_id, redemption_price)
    released_points = await _release(journal, hold, accounts, released, TransferKind.RELEASE)
    await _update_hold(
        journal, hold.id, status=HoldStatus.CAPTURED, points_captured=points,
        points_discount=discount_points, capture_transfer_id=transfer_id,
        resolved_at=journal.now_us,
    )
    return HoldResult(hold.id, HoldStatus.CAPTURED, hold.points, points, released_points,
                      hold.expires_at, discount_points)


async def void(journal: Journal, hold_id: int, partner_id: int) -> HoldResult:
    hold, accounts = await lock_hold(journal, hold_id, partner_id)
    if hold.status != HoldStatus.AUTHORIZED:
        raise _already_resolved(hold)
    return await _release_all(journal, hold, accounts, HoldStatus.VOIDED)


async def expire(journal: Journal, hold_id: int) -> HoldResult | None:
    """Release a lapsed hold; None if it was resolved or is not due after all."""
    hold, accounts = await lock_hold(journal, hold_id, None)
    if hold.status != HoldStatus.AUTHORIZED or not hold.is_lapsed:
        return None
    return await _release_all(journal, hold, accounts, HoldStatus.EXPIRED)


async def refund_redemption(
    journal: Journal, hold_id: int, partner_id: int, points: int
) -> RedemptionRefundResult:
    """Give burned points back: the member's own first, to the lots they came from, freshest
    first; then the discount's part, to breakage."""
    check_points(points, "points")
    hold, accounts = await lock_hold(journal, hold_id, partner_id)
    refundable = hold.points_captured - hold.points_refunded
    if hold.status != HoldStatus.CAPTURED or points > refundable:
        raise DomainError(
            LedgerErrorCode.REFUND_EXCEEDS_REDEMPTION,
            f"{refundable} points of this redemption can be refunded",
            "points",
        )
    assert hold.capture_transfer_id is not None
    own_burned = hold.points_captured - hold.points_discount
    own_left = max(own_burned - hold.points_refunded, 0)
    own_points = min(points, own_left)
    redeemed_id = await partner_redeemed_account_id(journal.conn, partner_id)
    # Given back at the price the burn was charged (the discount burned at the same price).
    burn = await price_of(journal.conn, hold.capture_transfer_id)
    refund_price = Price(redemption=burn.redemption)
    if own_points:
        await _refund_own(journal, hold, accounts, redeemed_id, own_left, own_points, refund_price)
    if points - own_points:
        breakage_id = await operator_account_id(journal.conn, AccountKind.OPERATOR_BREAKAGE)
        await journal.post(
            TransferKind.DISCOUNT_REFUND, redeemed_id, breakage_id, points - own_points,
            hold_id=hold.id, linked_transfer_id=hold.capture_transfer_id, price=refund_price,
        )
    total = hold.points_refunded + points
    await _update_hold(journal, hold.id, points_refunded=total)
    return RedemptionRefundResult(hold.id, points, total)


async def _refund_own(
    journal: Journal, hold: HoldRow, accounts: MemberAccounts, redeemed_id: int,
    own_left: int, points: int, price: Price,
) -> None:
    assert hold.capture_transfer_id is not None
    burned = await allocations_of(journal, hold.capture_transfer_id)
    still_burned, _ = split_draws(burned, own_left)
    _, to_restore = split_draws(still_burned, own_left - points)
    transfer_id = await journal.post(
        TransferKind.REDEMPTION_REFUND, redeemed_id, accounts.available_id, points,
        hold_id=hold.id, linked_transfer_id=hold.capture_transfer_id, price=price,
    )
    await restore_lots(journal, to_restore, transfer_id)
    accounts.available += points
    await _expire_restored(journal, accounts, to_restore)


def _check_ttl(ttl_seconds: int) -> None:
    if not limits.hold_ttl_seconds_min <= ttl_seconds <= limits.hold_ttl_seconds_max:
        raise DomainError(
            LedgerErrorCode.LIMIT_EXCEEDED,
            f"a hold lives {limits.hold_ttl_seconds_min} to {limits.hold_ttl_seconds_max} s",
            "ttlSeconds",
        )


def _take_available(accounts: MemberAccounts, points: int) -> None:
    if accounts.available < points:
        raise DomainError(
            LedgerErrorCode.INSUFFICIENT_POINTS,
            f"{accounts.available} points available, {points} needed",
            "points",
        )
    accounts.available -= points


def _check_open(hold: HoldRow) -> None:
    if hold.status != HoldStatus.AUTHORIZED:
        raise _already_resolved(hold)
    if hold.is_lapsed:
        raise DomainError(LedgerErrorCode.HOLD_EXPIRED, "the hold has expired", "holdId")


def _already_resolved(hold: HoldRow) -> DomainError:
    return DomainError(
        LedgerErrorCode.HOLD_ALREADY_RESOLVED, f"the hold is already {hold.status}", "holdId"
    )


async def _release_all(
    journal: Journal, hold: HoldRow, accounts: MemberAccounts, status: HoldStatus
) -> HoldResult:
    draws = await allocations_of(journal, hold.authorize_transfer_id)
    kind = TransferKind.RELEASE if status == HoldStatus.VOIDED else TransferKind.HOLD_EXPIRY
    released = await _release(journal, hold, accounts, draws, kind)
    await _update_hold(journal, hold.id, status=status, resolved_at=journal.now_us)
    return HoldResult(hold.id, status, released, 0, released, hold.expires_at)


async def _release(
    journal: Journal, hold: HoldRow, accounts: MemberAccounts, draws: list[Draw],
    kind: TransferKind,
) -> int:
    points = sum(draw.points for draw in draws)
    if points:
        transfer_id = await journal.post(
            kind, accounts.held_id, accounts.available_id, points, hold_id=hold.id,
            linked_transfer_id=hold.authorize_transfer_id,
        )
        await restore_lots(journal, draws, transfer_id)
        accounts.held -= points
        accounts.available += points
        await _expire_restored(journal, accounts, draws)
    return points


async def _expire_restored(journal: Journal, accounts: MemberAccounts, draws: list[Draw]) -> None:
    """Points given back to a lot that expired meanwhile (a void, a lapsed hold, a redemption
    refund) go to breakage at once: points live as long as their lot, whatever way they took
    back to it, and the member sees them expire now rather than at some later sweep."""
    if any(draw.expires_at <= journal.now_us for draw in draws):
        await expire_member_lots(journal, accounts)


async def _update_hold(journal: Journal, hold_id: int, **changes: int | str) -> None:
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=2))
    changed = await execute(
        journal.conn, f"UPDATE holds SET {assignments} WHERE id = $1", hold_id, *changes.values()
    )
    assert changed == 1
