"""Crediting members: purchase earn, clawback debt paid first, and purchase refunds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tortoise import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from exchange import limits
from exchange.clock import days_to_us
from exchange.db import fetch_one
from exchange.errors import DomainError
from exchange.ledger.accounts import MemberAccounts, lock_member, partner_issued_account_id
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.expiry import settle_member_lots
from exchange.ledger.journal import Journal
from exchange.ledger.lots import NewLot, create_lot
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
class OfferCredit:
    """Bonus points an offer gives on a purchase, issued (and paid for) by its funding partner."""

    offer_id: int
    funding_partner_id: int
    points: int
    reason: str


@dataclass(frozen=True, slots=True)
class EarnContext:
    """What an earn hook sees: the open transaction, after the member's lock is taken."""

    conn: BaseDBAsyncClient
    member_id: int
    earning_id: int
    now_us: int


# Runs inside the earn's own transaction, so what it records (history, offer budgets) commits
# or rolls back with the points. It may lock offer rows: after the member, before the shared
# partner accounts (journal.py), so the lock order holds.
EarnHook = Callable[[EarnContext], Awaitable[tuple[OfferCredit, ...]]]


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
    offer_points: int = 0
    offer_ids: list[int] = field(default_factory=list)


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
    journal: Journal, request: PurchaseEarn, on_earn: EarnHook | None = None
) -> EarnResult:
    validate_earn(request)
    if request.expires_at <= journal.now_us:
        raise DomainError(
            LedgerErrorCode.INVALID_DATES, "the points would expire before they are earned",
            "expiresAt",
        )
    accounts = await lock_member(journal, request.member_id)
    await settle_member_lots(journal, accounts)
    issued_id = await partner_issued_account_id(journal.conn, request.partner_id)
    earning_id = await _insert_earning(journal, request)
    to_debt, lot_points = await credit_member(
        journal, accounts, issued_id, request.points, earning_id=earning_id,
        available_at=request.available_at, expires_at=request.expires_at,
    )
    credits = ()
    if on_earn is not None:
        credits = await on_earn(EarnContext(journal.conn, request.member_id, earning_id,
                                            journal.now_us))
    for credit in credits:
        funding_id = await partner_issued_account_id(journal.conn, credit.funding_partner_id)
        debt, lot = await credit_member(
            journal, accounts, funding_id, credit.points, earning_id=earning_id,
            available_at=request.available_at, expires_at=request.expires_at, kind="offer",
            debt_kind="offer_debt_payment", reason=credit.reason,
        )
        to_debt, lot_points = to_debt + debt, lot_points + lot
    is_pending = request.available_at > journal.now_us
    return EarnResult(
        earning_id=earning_id,
        points=request.points,
        points_to_debt=to_debt,
        points_pending=lot_points if is_pending else 0,
        points_available=0 if is_pending else lot_points,
        available_at=request.available_at,
        expires_at=request.expires_at,
        rules_applied=[*request.rules_applied, *(c.reason for c in credits)],
        offer_points=sum(c.points for c in credits),
        offer_ids=[c.offer_id for c in credits],
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
    kind: str = "earn",
    debt_kind: str = "debt_payment",
    reason: str = "",
) -> tuple[int, int]:
    """Credit points: clawback debt first, the rest as a new lot. Return (to debt, to lot).

    When a credit is split, the lot's transfer links to the debt payment: both are one credit
    (awards.py counts an activity's awards by that).
    """
    to_debt = min(points, -accounts.clawback)
    debt_transfer_id = None
    if to_debt:
        debt_transfer_id = await journal.post(
            debt_kind, source_account_id,
            accounts.clawback_id, to_debt, earning_id=earning_id, reason=reason,
        )
        accounts.clawback += to_debt
    to_lot = points - to_debt
    if not to_lot:
        return to_debt, 0
    is_pending = available_at > journal.now_us
    target_id = accounts.pending_id if is_pending else accounts.available_id
    transfer_id = await journal.post(
        kind, source_account_id, target_id, to_lot, earning_id=earning_id, reason=reason,
        linked_transfer_id=debt_transfer_id,
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
    return to_debt, to_lot


async def _insert_earning(journal: Journal, request: PurchaseEarn) -> int:
    try:
        row = await fetch_one(
            journal.conn,
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
    assert row is not None
    return int(row["id"])
