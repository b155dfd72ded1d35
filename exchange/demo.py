"""A small demo coalition: partners, members and a few months of history, all through the ledger.

Seeding goes through the same service functions partners call, so the demo data obeys every
ledger rule (lots, pending windows, holds, refunds) and a new user sees a realistic exchange.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from exchange.clock import days_to_us, now_us
from exchange.ledger import service, sweeps
from exchange.ledger.earning import PurchaseEarn, PurchaseRefund
from exchange.ledger.errors import LedgerError
from exchange.members.service import MemberRecord, create_member
from exchange.registry.partners import PartnerRecord, create_partner

DEMO_PARTNERS = (
    ("grocer", "Green Grocer", 14, 1),  # code, name, return window days, points per EUR
    ("fuel", "Fuel Stop", 0, 2),
    ("air", "Blue Air", 30, 5),
    ("books", "Book Nook", 14, 3),
)
MEMBER_COUNT = 12
HISTORY_DAYS = 120
LOT_LIFETIME_DAYS = 730


@dataclass(frozen=True, slots=True)
class DemoCoalition:
    partners: list[PartnerRecord]
    members: list[MemberRecord]
    purchases: int
    redemptions: int


async def seed_demo(seed: int = 7, on_step: Callable[[], None] | None = None) -> DemoCoalition:
    rng = random.Random(seed)
    partners = [
        await create_partner(code, name, return_window_days=window)
        for code, name, window, _ in DEMO_PARTNERS
    ]
    members = [await create_member() for _ in range(MEMBER_COUNT)]
    start = now_us() - days_to_us(HISTORY_DAYS)
    purchases = redemptions = 0
    for day in range(HISTORY_DAYS):
        at = start + days_to_us(day)
        for member in rng.sample(members, k=3):
            index = rng.randrange(len(partners))
            purchases += await _purchase(rng, member, partners[index], index, at)
            if rng.random() < 0.25:
                redemptions += await _redeem(rng, member, rng.choice(partners), at)
        if on_step:
            on_step()
    await sweeps.run_sweeps(now_us())  # bring the history up to today
    return DemoCoalition(partners, members, purchases, redemptions)


async def _purchase(
    rng: random.Random, member: MemberRecord, partner: PartnerRecord, index: int, at: int
) -> int:
    amount_minor = rng.randrange(500, 12_000)
    points = amount_minor // 100 * DEMO_PARTNERS[index][3]
    order_id = f"demo-{partner.code}-{at}-{member.id}"
    caller = f"partner:{partner.code}"
    await service.earn_purchase(
        PurchaseEarn(
            member_id=member.id, partner_id=partner.id, order_id=order_id, currency="EUR",
            amount_minor=amount_minor, points=points, occurred_at=at,
            available_at=at + days_to_us(partner.return_window_days),
            expires_at=at + days_to_us(LOT_LIFETIME_DAYS),
        ),
        caller=caller, idempotency_key=order_id, now_us=at,
    )
    if rng.random() < 0.08:  # now and then a customer returns half of it
        await service.refund_purchase(
            PurchaseRefund(partner.id, order_id, "EUR", amount_minor // 2),
            caller=caller, idempotency_key=f"{order_id}-refund", now_us=at + days_to_us(1),
        )
    return 1


async def _redeem(rng: random.Random, member: MemberRecord, partner: PartnerRecord, at: int) -> int:
    try:
        await service.redeem_points(
            member.id, partner.id, rng.randrange(50, 400), caller=f"partner:{partner.code}",
            idempotency_key=f"demo-redeem-{member.id}-{at}", now_us=at + 1,
        )
    except LedgerError:
        return 0  # not enough points yet: a real till would say so too
    return 1
