"""Which price a point settles at: the one in force when it was issued or burned, rounded
half-even at the line; points that come back are priced as they went out."""

from __future__ import annotations

from decimal import Decimal as D

from exchange.members.service import create_member
from exchange.settlement.service import close_settlement, run_settlement
from tests.settlement.factories import (
    UTC_ZONE,
    at,
    by_code,
    earn,
    lines,
    partner,
    price,
    redeem,
    refund_purchase,
    refund_redemption,
)


async def test_a_rate_change_mid_month_prices_each_point_when_it_moved(db: str) -> None:
    # given a grocer whose prices change on 15 March at noon
    grocer = await partner("grocer", (at(1, 1), "0.0125", "0.0075"),
                           (at(15), "0.0135", "0.0085"))
    member = await create_member()
    await earn(member.id, grocer.id, 1002, at(10))
    # a purchase made on the 14th but recorded on the 16th is dated by its purchase time
    await earn(member.id, grocer.id, 200, at(14), recorded_at=at(16))
    await earn(member.id, grocer.id, 1010, at(20))
    await redeem(member.id, grocer.id, 300, at(12))
    await redeem(member.id, grocer.id, 250, at(25))
    # when March is settled
    settled = await run_settlement("2026-03", "admin:test", UTC_ZONE)
    # then, by hand, half-even at the cent:
    #   issued (1002 + 200) x 0.0125 = 15.025 -> 15.02 (2 is even; half-up would say 15.03)
    #   issued 1010 x 0.0135         = 13.635 -> 13.64
    #   burned 300 x 0.0075          =  2.25
    #   burned 250 x 0.0085          =  2.125 ->  2.12
    #   net = -15.02 - 13.64 + 2.25 + 2.12 = -24.29; the operator keeps 24.29
    statement = by_code(settled.statements)["grocer"]
    assert lines(statement) == [
        ("issued", 1202, D("0.0125"), D("-15.02"), False),
        ("issued", 1010, D("0.0135"), D("-13.64"), False),
        ("burned", 300, D("0.0075"), D("2.25"), False),
        ("burned", 250, D("0.0085"), D("2.12"), False),
    ]
    assert statement.net == D("-24.29")
    assert [(r.currency, r.result) for r in settled.operator_results] == [("EUR", D("24.29"))]


async def test_a_refund_next_month_reverses_points_at_the_original_issue_price(db: str) -> None:
    # given a purchase of 1000.00 earning 1000 points in March at an issue price of 0.010,
    # 900 of them burned in March, and a new issue price of 0.020 from April
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"), (at(1, 4, 0), "0.020", "0.008"))
    member = await create_member()
    order, _ = await earn(member.id, grocer.id, 1000, at(10))
    await redeem(member.id, grocer.id, 900, at(20))
    march = await close_settlement("2026-03", "admin:test", UTC_ZONE)
    # when 40 % of it is refunded on 5 April (400 points back: the 100 left in its lot, and 300
    # as clawback debt), and a purchase on 10 April earns 500 (300 pay the debt, 200 a lot)
    refund = await refund_purchase(grocer.id, order, 40_000, at(5, 4))
    await earn(member.id, grocer.id, 500, at(10, 4))
    april = await run_settlement("2026-04", "admin:test", UTC_ZONE)
    # then March settled -1000 x 0.010 + 900 x 0.008 = -10.00 + 7.20
    assert (refund.points_reversed, refund.points_to_debt) == (400, 300)
    assert lines(by_code(march.statements)["grocer"]) == [
        ("issued", 1000, D("0.010"), D("-10.00"), False),
        ("burned", 900, D("0.008"), D("7.20"), False),
    ]
    # and April credits the 400 reversed points at March's 0.010 (not April's 0.020): +4.00,
    # while the 500 issued in April (debt payment included) cost 500 x 0.020 = 10.00
    april_grocer = by_code(april.statements)["grocer"]
    assert lines(april_grocer) == [
        ("issued", -400, D("0.010"), D("4.00"), False),
        ("issued", 500, D("0.020"), D("-10.00"), False),
    ]
    assert april_grocer.net == D("-6.00")
    assert [r.result for r in april.operator_results] == [D("6.00")]


async def test_a_redemption_refund_next_month_is_priced_as_the_burn(db: str) -> None:
    # given 500 points burned at a cinema on 20 March at a redemption price of 0.015, and a
    # redemption price of 0.030 from April
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    cinema = await partner("cinema", (at(1, 1), "0.020", "0.015"),
                           (at(1, 4, 0), "0.020", "0.030"))
    member = await create_member()
    await earn(member.id, grocer.id, 800, at(10))
    burn = await redeem(member.id, cinema.id, 500, at(20))
    await close_settlement("2026-03", "admin:test", UTC_ZONE)
    # when 120 of them are refunded on 3 April
    await refund_redemption(burn.hold_id, cinema.id, 120, at(3, 4))
    april = await run_settlement("2026-04", "admin:test", UTC_ZONE)
    # then April takes back 120 x 0.015 = 1.80 from the cinema (not 120 x 0.030 = 3.60)
    assert lines(by_code(april.statements)["cinema"]) == [
        ("burned", -120, D("0.015"), D("-1.80"), False),
    ]
    # and the matrix gives the 120 points back to their issuer, at the same price
    assert [(c.issuer, c.burned_at, c.points, c.value) for c in april.matrix] == [
        ("grocer", "cinema", -120, D("-1.80")),
    ]
    assert [r.result for r in april.operator_results] == [D("1.80")]


async def test_a_partner_settles_in_its_own_currency_only(db: str) -> None:
    # given a partner settling in JPY (no minor unit) that also has EUR purchase rates
    shop = await partner("shop", (at(1, 1), "1.25", "0.9"), currency="JPY")
    await partner("grocer", (at(1, 1), "0.010", "0.008"))
    await price(shop.id, at(1, 1), "0.5", "0.5", currency="EUR")
    member = await create_member()
    await earn(member.id, shop.id, 1002, at(10))
    await redeem(member.id, shop.id, 5, at(11))
    # when March is settled
    settled = await run_settlement("2026-03", "admin:test", UTC_ZONE)
    # then the JPY prices apply, rounded half-even to whole yen:
    #   issued 1002 x 1.25 = 1252.5 -> 1252 (2 is even); burned 5 x 0.9 = 4.5 -> 4
    assert lines(by_code(settled.statements)["shop"]) == [
        ("issued", 1002, D("1.25"), D("-1252"), False),
        ("burned", 5, D("0.9"), D("4"), False),
    ]
    assert [(r.currency, r.result) for r in settled.operator_results] == [("JPY", D("1248"))]


async def test_a_rate_written_into_a_closed_month_never_reprices_it(db: str) -> None:
    # given March closed after the grocer was charged 67 points x 0.0120 and 30 burned at 0.009
    grocer = await partner("grocer", (at(1, 1), "0.0120", "0.009"))
    member = await create_member()
    order, _ = await earn(member.id, grocer.id, 67, at(10))
    burn = await redeem(member.id, grocer.id, 30, at(12))
    march = await close_settlement("2026-03", "admin:test", UTC_ZONE)
    # when a rate dated inside March is written behind the exchange's back (the rate rules
    # refuse it; this is history changed after the fact), and in April the purchase and the
    # burn are refunded in full
    await price(grocer.id, at(11), "0.0200", "0.0150")
    await refund_redemption(burn.hold_id, grocer.id, 30, at(3, 4))
    await refund_purchase(grocer.id, order, 6_700, at(5, 4))
    april = await run_settlement("2026-04", "admin:test", UTC_ZONE)
    # then April gives back exactly what March charged: +67 x 0.0120 = 0.80 and
    # -30 x 0.009 = -0.27; the grocer neither gains nor loses on the refunded purchase
    assert lines(by_code(march.statements)["grocer"]) == [
        ("issued", 67, D("0.0120"), D("-0.80"), False),
        ("burned", 30, D("0.009"), D("0.27"), False),
    ]
    assert lines(by_code(april.statements)["grocer"]) == [
        ("issued", -67, D("0.0120"), D("0.80"), False),
        ("burned", -30, D("0.009"), D("-0.27"), False),
    ]
