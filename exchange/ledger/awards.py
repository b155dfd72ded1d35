"""Awards: points a partner grants for a non-purchase action, available at once.

The daily cap is counted under the member's lock, so concurrent awards cannot exceed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.clock import days_to_us
from exchange.db import fetch_one
from exchange.errors import DomainError
from exchange.ledger.accounts import lock_member, partner_issued_account_id
from exchange.ledger.earning import credit_member
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.expiry import settle_member_lots
from exchange.ledger.journal import Journal
from exchange.ledger.validation import check_points

DAY_US = days_to_us(1)


@dataclass(frozen=True, slots=True)
class Award:
    member_id: int
    partner_id: int
    activity: str
    points: int
    daily_count_max: int
    lifetime_days: int  # not an expiry time: a retry must fingerprint the same


@dataclass(frozen=True, slots=True)
class AwardResult:
    points: int
    points_to_debt: int
    points_available: int
    expires_at: int


async def award(journal: Journal, request: Award) -> AwardResult:
    check_points(request.points, "points")
    accounts = await lock_member(journal, request.member_id)
    await settle_member_lots(journal, accounts)
    issued_id = await partner_issued_account_id(journal.conn, request.partner_id)
    day_start = journal.now_us - journal.now_us % DAY_US  # the UTC day
    # One award posts a debt payment, a lot transfer, or both (the lot's linked to the payment):
    # count payments, and lot transfers that are not the rest of a payment's award.
    done = await fetch_one(
        journal.conn,
        "SELECT COUNT(*) AS n FROM transfers WHERE debit_account_id = $1 AND reason = $4 "
        "AND created_at >= $5 AND ((kind = 'debt_payment' AND credit_account_id = $3) "
        "OR (kind = 'activity' AND credit_account_id = $2 AND linked_transfer_id IS NULL))",
        issued_id, accounts.available_id, accounts.clawback_id, request.activity, day_start,
    )
    assert done is not None
    if int(done["n"]) >= request.daily_count_max:
        raise DomainError(
            LedgerErrorCode.LIMIT_EXCEEDED,
            f"{request.activity} earns points at most {request.daily_count_max} times a day",
            "activity",
        )
    expires_at = journal.now_us + days_to_us(request.lifetime_days)
    to_debt, to_lot = await credit_member(
        journal, accounts, issued_id, request.points, earning_id=None,
        available_at=journal.now_us, expires_at=expires_at,
        kind="activity", reason=request.activity,
    )
    return AwardResult(request.points, to_debt, to_lot, expires_at)
