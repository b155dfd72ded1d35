"""Small builders for ledger tests."""

from __future__ import annotations

import itertools
from decimal import Decimal

from exchange.clock import days_to_us
from exchange.ledger.earning import EarnResult, PurchaseEarn
from exchange.members.service import MemberRecord, create_member
from exchange.operations import postings as service
from exchange.registry.partners import PartnerRecord, create_partner
from exchange.registry.rates import Rate, set_rate

T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z in microseconds
DAY = days_to_us(1)
ISSUE_PRICE = Decimal("0.01")
REDEMPTION_PRICE = Decimal("0.008")
_orders = itertools.count(1)
_keys = itertools.count(1)


def key() -> str:
    return f"key-{next(_keys)}"


async def partner(code: str = "grocer", window_days: int = 0) -> PartnerRecord:
    """A partner with prices in force since the epoch: points move only at a price."""
    created = await create_partner(code, code.title(), return_window_days=window_days)
    await set_rate(Rate(created.id, "EUR", 0, Decimal(1), ISSUE_PRICE, REDEMPTION_PRICE))
    return created


async def member() -> MemberRecord:
    return await create_member()


async def earn(
    member_id: int,
    partner_id: int,
    points: int,
    *,
    at: int = T0,
    pending_days: int = 0,
    lifetime_days: int = 730,
    amount_minor: int | None = None,
    order_id: str | None = None,
) -> EarnResult:
    request = PurchaseEarn(
        member_id=member_id, partner_id=partner_id,
        order_id=order_id or f"order-{next(_orders)}", currency="EUR",
        amount_minor=amount_minor or max(points, 1) * 100, points=points, occurred_at=at,
        available_at=at + pending_days * DAY, expires_at=at + lifetime_days * DAY,
    )
    return await service.earn_purchase(request, caller=f"partner:{partner_id}",
                                       idempotency_key=key(), now_us=at)
