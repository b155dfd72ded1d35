"""Crediting members: a purchase's own points, points a partner funds on it, clawback debt
paid first."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tortoise.exceptions import IntegrityError

from exchange import limits
from exchange.clock import days_to_us
from exchange.db import fetch_value
from exchange.errors import DomainError
from exchange.ledger.accounts import MemberAccounts, partner_issued_account_id
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.journal import Journal
from exchange.ledger.kinds import TransferKind
from exchange.ledger.lots import NewLot, create_lot
from exchange.ledger.prices import Price
from exchange.ledger.validation import (
    check_amount_minor,
    check_currency,
    check_points,
    check_text,
)


@dataclass(frozen=True, slots=True)
class PurchaseEarn:
    member_id: int
    partner_id: int
    order_id: str
    currency: str
    amount_minor: int
    points: int
    occurred_at: int
    available_at: int  # end of the partner's return window
    expires_at: int
    # Why the program gave these points; kept with the result a retry gets back.
    rules_applied: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FundedCredit:
    """Points a partner funds for a member, issued (and billed) by it: a bonus on a purchase,
    or a discount, the part of a burn the partner pays instead of the member."""

    funding_partner_id: int
    points: int
    reason: str
    issue_price: Decimal  # the funding partner's, in force when the points move


@dataclass(frozen=True, slots=True)
class Credited:
    """Where credited points went: to the member's clawback debt first, the rest to a lot."""

    points_to_debt: int
    points_to_lot: int


@dataclass(frozen=True, slots=True)
class EarnResult:
    earning_id: int
    points: int
    points_to_debt: int
    points_pending: int
    points_available: int
    available_at: int
    expires_at: int
    rules_applied: list[str] = field(default_factory=list)


def validate_earn(request: PurchaseEarn) -> None:
    check_text(request.order_id, "orderId", limits.order_id_length_max)
    check_amount_minor(request.amount_minor, "amount")
    check_points(request.points, "points", allow_zero=True)
    if not request.occurred_at <= request.available_at < request.expires_at:
        raise DomainError(
            LedgerErrorCode.INVALID_DATES,
            "expected occurred_at <= available_at < expires_at",
            "occurredAt",
        )
    check_currency(request.currency)
    if request.available_at - request.occurred_at > days_to_us(limits.return_window_days_max):
        raise DomainError(
            LedgerErrorCode.LIMIT_EXCEEDED,
            f"the return window is at most {limits.return_window_days_max} days",
            "availableAt",
        )
    if request.expires_at - request.occurred_at > days_to_us(limits.lot_lifetime_days_max):
        raise DomainError(
            LedgerErrorCode.LIMIT_EXCEEDED,
            f"points live at most {limits.lot_lifetime_days_max} days",
            "expiresAt",
        )


async def earn_purchase(
    journal: Journal, accounts: MemberAccounts, request: PurchaseEarn, issue_price: Decimal
) -> EarnResult:
    """Record the purchase and credit its own points, charged to the partner at `issue_price`
    (its price in force when the purchase happened). The caller has locked the member
    (`lock_member`) and may credit funded points on the same earning (`credit_funded`)."""
    assert accounts.member_id == request.member_id
    validate_earn(request)
    if request.expires_at <= journal.now_us:
        raise DomainError(
            LedgerErrorCode.INVALID_DATES, "the points would expire before they are earned",
            "expiresAt",
        )
    issued_id = await partner_issued_account_id(journal.conn, request.partner_id)
    earning_id = await _insert_earning(journal, request)
    credited = await credit_member(
        journal, accounts, issued_id, request.points, earning_id=earning_id,
        available_at=request.available_at, expires_at=request.expires_at,
        price=Price(issue=issue_price), dated_at=request.occurred_at,
    )
    is_pending = request.available_at > journal.now_us
    return EarnResult(
        earning_id=earning_id,
        points=request.points,
        points_to_debt=credited.points_to_debt,
        points_pending=credited.points_to_lot if is_pending else 0,
        points_available=0 if is_pending else credited.points_to_lot,
        available_at=request.available_at,
        expires_at=request.expires_at,
        rules_applied=list(request.rules_applied),
    )


async def credit_funded(
    journal: Journal, accounts: MemberAccounts, earning: EarnResult, credit: FundedCredit,
    occurred_at: int,
) -> Credited:
    """Credit points a partner funds on a purchase: dated (`occurred_at`), pending and
    expiring with the purchase's own, and billed to the funding partner (`offer` transfers)."""
    funding_id = await partner_issued_account_id(journal.conn, credit.funding_partner_id)
    return await credit_member(
        journal, accounts, funding_id, credit.points, earning_id=earning.earning_id,
        available_at=earning.available_at, expires_at=earning.expires_at,
        kind=TransferKind.OFFER, debt_kind=TransferKind.OFFER_DEBT_PAYMENT, reason=credit.reason,
        price=Price(issue=credit.issue_price), dated_at=occurred_at,
    )


async def credit_member(
    journal: Journal,
    accounts: MemberAccounts,
    source_account_id: int,
    points: int,
    *,
    earning_id: int | None,
    available_at: int,
    expires_at: int,
    kind: TransferKind = TransferKind.EARN,
    debt_kind: TransferKind = TransferKind.DEBT_PAYMENT,
    reason: str = "",
    price: Price,
    dated_at: int | None = None,
) -> Credited:
    """Credit points: clawback debt first, the rest as a new lot, each transfer charged
    `price` and dated `dated_at` (None: now).

    When a credit is split, the lot's transfer links to the debt payment: both are one credit.
    """
    to_debt = min(points, -accounts.clawback)
    debt_transfer_id = None
    if to_debt:
        debt_transfer_id = await journal.post(
            debt_kind, source_account_id,
            accounts.clawback_id, to_debt, earning_id=earning_id, reason=reason, price=price,
            dated_at=dated_at,
        )
        accounts.clawback += to_debt
    to_lot = points - to_debt
    if not to_lot:
        return Credited(to_debt, 0)
    is_pending = available_at > journal.now_us
    target_id = accounts.pending_id if is_pending else accounts.available_id
    transfer_id = await journal.post(
        kind, source_account_id, target_id, to_lot, earning_id=earning_id, reason=reason,
        linked_transfer_id=debt_transfer_id, price=price, dated_at=dated_at,
    )
    await create_lot(journal, NewLot(
        member_id=accounts.member_id, issuer_account_id=source_account_id,
        earn_transfer_id=transfer_id, earning_id=earning_id, points=to_lot,
        is_pending=is_pending, earned_at=journal.now_us, available_at=available_at,
        expires_at=expires_at,
    ))
    if is_pending:
        accounts.pending += to_lot
    else:
        accounts.available += to_lot
    return Credited(to_debt, to_lot)


async def _insert_earning(journal: Journal, request: PurchaseEarn) -> int:
    try:
        earning_id = await fetch_value(
            journal.conn, int,
            "INSERT INTO earnings (member_id, partner_id, order_id, currency, amount_minor, "
            "amount_refunded_minor, points, points_reversed, occurred_at, created_at) "
            "VALUES ($1, $2, $3, $4, $5, 0, $6, 0, $7, $8) RETURNING id",
            request.member_id, request.partner_id, request.order_id, request.currency,
            request.amount_minor, request.points, request.occurred_at, journal.now_us,
        )
    except IntegrityError:
        raise DomainError(
            LedgerErrorCode.DUPLICATE_ORDER,
            f"order {request.order_id!r} was already recorded",
            "orderId",
        ) from None
    assert earning_id is not None
    return earning_id
