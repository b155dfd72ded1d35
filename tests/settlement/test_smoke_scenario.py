"""A month settled by hand and by the exchange: a rate change mid-month, a burn drawing points
issued by two partners."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from exchange.clock import days_to_us, to_us
from exchange.ledger.earning import PurchaseEarn
from exchange.members.service import create_member
from exchange.operations import postings as service
from exchange.registry.partners import create_partner
from exchange.registry.rates import Rate, set_rate
from exchange.settlement import storage
from exchange.settlement.service import run_settlement


def at(day: int, month: int = 3) -> int:
    return to_us(datetime(2026, month, day, 12, tzinfo=UTC))


async def _earn(member: int, partner: int, points: int, when: int, order: str) -> None:
    await service.earn_purchase(
        PurchaseEarn(member, partner, order, "EUR", points * 100, points, when, when,
                     when + days_to_us(730)),
        caller="test", idempotency_key=order, now_us=when,
    )


async def test_march_by_hand(db: str) -> None:
    # given a grocer whose issue price rises mid-month, and a fuel station
    grocer = await create_partner("grocer", "Grocer")
    fuel = await create_partner("fuel", "Fuel")
    await set_rate(Rate(grocer.id, "EUR", at(1, 1), Decimal(1), Decimal("0.010"),
                        Decimal("0.008")))
    await set_rate(Rate(grocer.id, "EUR", at(15), Decimal(1), Decimal("0.012"),
                        Decimal("0.008")))
    await set_rate(Rate(fuel.id, "EUR", at(1, 1), Decimal(1), Decimal("0.020"),
                        Decimal("0.015")))
    member = await create_member()
    await _earn(member.id, grocer.id, 1000, at(10), "g-1")
    await _earn(member.id, grocer.id, 500, at(20), "g-2")
    await _earn(member.id, fuel.id, 200, at(5), "f-1")
    await service.redeem_points(member.id, fuel.id, 300, caller="test", idempotency_key="r-1",
                                now_us=at(25))
    # when March is settled
    settled = await run_settlement("2026-03", "admin:test", "UTC")
    # then the grocer owes 10.00 + 6.00, fuel is owed 4.50 - 4.00, the operator keeps 15.50
    nets = {s.code: s.net for s in settled.statements}
    assert nets == {"fuel": Decimal("0.50"), "grocer": Decimal("-16.00")}
    assert [r.result for r in settled.operator_results] == [Decimal("15.50")]
    matrix = {(c.issuer, c.burned_at): (c.points, c.value) for c in settled.matrix}
    assert matrix == {("fuel", "fuel"): (200, Decimal("3.00")),
                      ("grocer", "fuel"): (100, Decimal("1.50"))}
    again = await run_settlement("2026-03", "admin:test", "UTC")
    assert again.checksum == settled.checksum
    assert [s.net for s in await storage.read_statements("2026-03")] == [
        Decimal("0.50"), Decimal("-16.00")]
