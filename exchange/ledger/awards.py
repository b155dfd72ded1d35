"""Awards: points a partner grants for a non-purchase action, available at once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exchange.clock import days_to_us
from exchange.ledger.accounts import MemberAccounts, partner_issued_account_id
from exchange.ledger.earning import credit_member
from exchange.ledger.journal import Journal
from exchange.ledger.kinds import TransferKind
from exchange.ledger.prices import Price
from exchange.ledger.validation import check_points


@dataclass(frozen=True, slots=True)
class Award:
    member_id: int
    partner_id: int
    activity: str
    points: int
    lifetime_days: int  # not an expiry time: a retry must fingerprint the same


@dataclass(frozen=True, slots=True)
class AwardResult:
    points: int
    points_to_debt: int
    points_available: int
    expires_at: int


async def award(
    journal: Journal, accounts: MemberAccounts, request: Award, issue_price: Decimal
) -> AwardResult:
    """Credit the award, charged to the partner at `issue_price` (in force now); the caller has
    locked the member with their lots up to date."""
    assert accounts.member_id == request.member_id
    check_points(request.points, "points")
    issued_id = await partner_issued_account_id(journal.conn, request.partner_id)
    expires_at = journal.now_us + days_to_us(request.lifetime_days)
    credited = await credit_member(
        journal, accounts, issued_id, request.points, earning_id=None,
        available_at=journal.now_us, expires_at=expires_at,
        kind=TransferKind.ACTIVITY, reason=request.activity, price=Price(issue=issue_price),
    )
    return AwardResult(request.points, credited.points_to_debt, credited.points_to_lot,
                       expires_at)
