"""The provenance matrix: who issued the points burned where, from the lots each burn drew."""

from __future__ import annotations

from decimal import Decimal as D

from exchange.members.service import create_member
from exchange.settlement import storage
from exchange.settlement.service import run_settlement
from tests.settlement.factories import UTC_ZONE, at, by_code, earn, lines, partner, redeem


async def test_one_burn_drawing_points_of_three_issuers(db: str) -> None:
    # given lots issued by a grocer (expiring first), the fuel station, and a bookshop (last)
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    fuel = await partner("fuel", (at(1, 1), "0.020", "0.015"))
    books = await partner("books", (at(1, 1), "0.030", "0.025"))
    member = await create_member()
    await earn(member.id, grocer.id, 200, at(2), lifetime_days=100)
    await earn(member.id, fuel.id, 300, at(3), lifetime_days=200)
    await earn(member.id, books.id, 400, at(4), lifetime_days=300)
    # when one burn of 600 at the fuel station draws them, earliest expiry first
    await redeem(member.id, fuel.id, 600, at(20))
    settled = await run_settlement("2026-03", "admin:test", UTC_ZONE)
    # then the matrix has a row per issuer, valued at fuel's redemption price 0.015:
    #   grocer 200 x 0.015 = 3.00, fuel 300 x 0.015 = 4.50, books 100 x 0.015 = 1.50
    expected = [("books", "fuel", 100, D("1.50"), "EUR"), ("fuel", "fuel", 300, D("4.50"), "EUR"),
                ("grocer", "fuel", 200, D("3.00"), "EUR")]
    assert [(c.issuer, c.burned_at, c.points, c.value, c.currency)
            for c in settled.matrix] == expected
    assert [(c.issuer, c.burned_at, c.points, c.value, c.currency)
            for c in await storage.read_matrix("2026-03")] == expected
    # and the rows add up to fuel's burned line: 600 x 0.015 = 9.00 = 3.00 + 4.50 + 1.50
    assert lines(by_code(settled.statements)["fuel"]) == [
        ("issued", 300, D("0.020"), D("-6.00"), False),
        ("burned", 600, D("0.015"), D("9.00"), False),
    ]
    # and each issuer still pays for everything it issued: 2.00, 6.00 and 12.00
    assert {s.code: s.net for s in settled.statements} == {
        "books": D("-12.00"), "fuel": D("3.00"), "grocer": D("-2.00")}
