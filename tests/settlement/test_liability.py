"""Liability and breakage month by month: points members hold at each month end and what expired
in each month, each valued at the issue price its issuer was charged, per settlement currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange import limits
from exchange.db import connection, fetch_value
from exchange.ledger.kinds import MEMBER_KINDS, sql_list
from exchange.members.service import create_member
from exchange.operations import postings, sweeps
from exchange.settlement.errors import SettlementErrorCode
from exchange.settlement.liability import (
    CurrencyValue,
    MonthPoints,
    breakage_by_month,
    liability_by_month,
)
from tests.api.offer_helpers import created_offer
from tests.api.operations import (
    ENROLL,
    member_with_points,
    partner_with_rate,
    redeemed,
    unique,
)
from tests.settlement.factories import (
    UTC_ZONE,
    at,
    earn,
    key,
    partner,
    redeem,
    refund_purchase,
    settlement_failure,
)

JUNE_15 = at(15, 6)
REFUND_REDEMPTION = """mutation($input: RedemptionRefundInput!) {
  redemptionRefund(input: $input) { errors { code } } }"""
END = {3: at(1, 4, hour=0), 4: at(1, 5, hour=0), 5: at(1, 6, hour=0)}


def eur(points: int, value: str) -> CurrencyValue:
    return CurrencyValue("EUR", points, Decimal(value))


def usd(points: int, value: str) -> CurrencyValue:
    return CurrencyValue("USD", points, Decimal(value))


async def _spring() -> None:
    """Grocer (EUR, issues at 0.010) and air (USD, at 0.5). One member earns 1000 at grocer
    (10 March) and 200 at air (5 April), burns 300 at air (20 April: from the grocer lot, which
    expires first), earns 50 at grocer that expire in May, has half the air purchase refunded
    (10 May) and all of the grocer one (1 June: 700 from its own lot, 100 from the air lot, 200
    as debt), earns 300 at air (5 June: 200 pay the debt) and holds 40 of them (10 June)."""
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    air = await partner("air", (at(1, 1), "0.5", "0.4"), currency="USD")
    member = await create_member()
    grocery, _ = await earn(member.id, grocer.id, 1000, at(10))
    flight, _ = await earn(member.id, air.id, 200, at(5, 4))
    await redeem(member.id, air.id, 300, at(20, 4))
    await earn(member.id, grocer.id, 50, at(1, 5), lifetime_days=10)
    await refund_purchase(air.id, flight, 100 * 100, at(10, 5))
    await sweeps.run_sweeps(at(20, 5))  # the 50 expire to breakage
    await refund_purchase(grocer.id, grocery, 1000 * 100, at(1, 6))
    await earn(member.id, air.id, 300, at(5, 6))
    await postings.authorize_hold(member.id, air.id, 40, caller="test", idempotency_key=key(),
                                  now_us=at(10, 6))


async def test_the_liability_is_what_members_held_at_each_month_end_at_its_issue_prices(
    db: str,
) -> None:
    # given a spring of earning, burning, expiry, refunds, clawback debt and a hold
    await _spring()
    # when the liability of the four months up to mid-June is read
    months = await liability_by_month(4, UTC_ZONE, at=JUNE_15)
    # then each month end has the points members held and their value at the issue prices
    assert months == [
        MonthPoints("2026-03", END[3], 1000, (eur(1000, "10.000"),)),
        MonthPoints("2026-04", END[4], 900, (eur(700, "7.000"), usd(200, "100.0"))),
        MonthPoints("2026-05", END[5], 800, (eur(700, "7.000"), usd(100, "50.0"))),
        # the refund took 700 grocer and 100 air points back from their lots and left 200 of
        # debt (at the grocer's price); air points paid that debt (at the air's price)
        MonthPoints("2026-06", JUNE_15, 100, (eur(-200, "-2.000"), usd(300, "150.0"))),
    ]
    assert [m.unpriced_points for m in months] == [0, 0, 0, 0]


async def test_the_current_months_liability_is_the_members_balances_now(db: str) -> None:
    # given the spring's activity
    await _spring()
    # when the liability is read now
    [now] = await liability_by_month(1, UTC_ZONE)
    # then it is what the member accounts hold (available + pending + held - debt)
    held = await fetch_value(connection(), int, "SELECT SUM(balance) FROM accounts WHERE kind IN "
                                                f"({sql_list(MEMBER_KINDS)})")
    assert now.points == held == 100


async def test_breakage_is_what_expired_in_each_month_at_its_issue_price(db: str) -> None:
    # given the spring: 50 grocer points expired, recorded on 20 May
    await _spring()
    # when breakage of the four months up to mid-June is read
    months = await breakage_by_month(4, UTC_ZONE, at=JUNE_15)
    # then May has the 50 points at the grocer's issue price, the other months nothing
    assert [(m.month, m.points, m.values) for m in months] == [
        ("2026-03", 0, ()), ("2026-04", 0, ()), ("2026-05", 50, (eur(50, "0.500"),)),
        ("2026-06", 0, ()),
    ]


async def test_a_month_before_any_activity_holds_nothing(db: str) -> None:
    # given the spring's activity
    await _spring()
    # when the liability of the months up to February is read
    months = await liability_by_month(2, UTC_ZONE, at=at(15, 2))
    # then they are empty
    assert [(m.month, m.points, m.values) for m in months] == [
        ("2026-01", 0, ()), ("2026-02", 0, ())]


async def test_months_the_program_zone_begins_later_than_utc(db: str) -> None:
    # given 100 points earned at 23:30 UTC on 31 March: 1 April in Helsinki (UTC+3)
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    member = await create_member()
    await earn(member.id, grocer.id, 100, at(31, 3, hour=23) + 30 * 60 * 1_000_000)
    # when the liability is read month by month in the program's zone
    months = await liability_by_month(2, "Europe/Helsinki", at=at(15, 4))
    # then the points belong to April's end, not March's
    assert [(m.month, m.points) for m in months] == [("2026-03", 0), ("2026-04", 100)]


@pytest.mark.parametrize("months", [0, -1, limits.report_months_max + 1])
async def test_a_window_out_of_bounds_is_refused(db: str, months: int) -> None:
    for read in (liability_by_month, breakage_by_month):
        error = await settlement_failure(read(months, UTC_ZONE))
        assert (error.code, error.field) == (SettlementErrorCode.LIMIT_EXCEEDED, "months")


async def test_the_longest_window_is_answered(db: str) -> None:
    months = await liability_by_month(limits.report_months_max, UTC_ZONE, at=JUNE_15)
    assert len(months) == limits.report_months_max
    assert (months[0].month, months[-1].month) == ("2023-07", "2026-06")


async def test_a_refunded_discount_is_breakage_at_its_funders_issue_price(db: str) -> None:
    # given a member with 100 grocer points (issued at 0.01) who spends 50 at the fuel chain,
    # 10 of them paid by a grocer-funded 20% discount, and the fuel chain refunds all 50
    grocer = await partner_with_rate(window_days=0)
    fuel = await partner_with_rate("fuel")
    await created_offer(grocer, kind="REWARD_DISCOUNT", bonusPoints=None, discountPercent=20,
                        targeting={"partners": ["fuel"]}, requiresActivation=False)
    card = await member_with_points(grocer, 100)
    await fuel.run(ENROLL, input={"cardNumber": card})
    spent = await redeemed(fuel, card, 50)
    refunded = await fuel.run(REFUND_REDEMPTION, input={
        "redemptionId": spent["id"], "points": 50, "idempotencyKey": unique("k")})
    assert refunded["redemptionRefund"]["errors"] == []
    # when this month's breakage and liability are read
    [breakage] = await breakage_by_month(1, UTC_ZONE)
    [liability] = await liability_by_month(1, UTC_ZONE)
    # then the 10 discount points are breakage at the grocer's issue price; the member holds
    # their 100 again, as issued
    assert (breakage.points, breakage.values) == (10, (eur(10, "0.10"),))
    assert (liability.points, liability.values) == (100, (eur(100, "1.00"),))


async def test_a_refund_of_expired_points_takes_them_back_out_of_breakage(db: str) -> None:
    # given 60 grocer points (0.010 EUR) that expired in April, and the purchase refunded whole
    # in May: the refund takes the expired points back out of breakage, not from the member
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    member = await create_member()
    order, _ = await earn(member.id, grocer.id, 60, at(1, 4), lifetime_days=5)
    await sweeps.run_sweeps(at(20, 4))
    await refund_purchase(grocer.id, order, 60 * 100, at(10, 5))
    # when breakage of April to June is read
    months = await breakage_by_month(3, UTC_ZONE, at=JUNE_15)
    # then April gained 60 points, May gave them back, each at the grocer's issue price
    assert [(m.month, m.points, m.values, m.unpriced_points) for m in months] == [
        ("2026-04", 60, (eur(60, "0.600"),), 0), ("2026-05", -60, (eur(-60, "-0.600"),), 0),
        ("2026-06", 0, (), 0)]
    # and the member's liability never went below zero
    assert [m.points for m in await liability_by_month(3, UTC_ZONE, at=JUNE_15)] == [0, 0, 0]
