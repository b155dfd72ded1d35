"""Expired points: reported as breakage, and still billed to the partner that issued them."""

from __future__ import annotations

from decimal import Decimal as D

from exchange.members.service import create_member
from exchange.operations import sweeps
from exchange.settlement import storage
from exchange.settlement.service import close_settlement, run_settlement
from tests.settlement.factories import UTC_ZONE, at, by_code, earn, lines, partner, redeem


async def test_expired_points_are_breakage_and_stay_billed(db: str) -> None:
    # given 1000 points issued on 1 March that expire on 20 March, 300 of them burned
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    member = await create_member()
    await earn(member.id, grocer.id, 1000, at(1), lifetime_days=19)
    await redeem(member.id, grocer.id, 300, at(10))
    # when the expiry sweep runs on 25 March and March is settled
    expired = await sweeps.expire_lots(at(25))
    settled = await run_settlement("2026-03", "admin:test", UTC_ZONE)
    # then 1000 - 300 = 700 points are breakage
    assert expired == 700
    assert settled.breakage_points == 700
    assert [run.breakage_points for run in await storage.read_runs("2026-03")] == [700]
    # and the grocer still pays for all 1000 issued: -1000 x 0.010 + 300 x 0.008 = -7.60
    grocer_statement = by_code(settled.statements)["grocer"]
    assert lines(grocer_statement) == [
        ("issued", 1000, D("0.010"), D("-10.00"), False),
        ("burned", 300, D("0.008"), D("2.40"), False),
    ]
    assert grocer_statement.net == D("-7.60")
    assert [r.result for r in settled.operator_results] == [D("7.60")]


async def test_breakage_is_dated_when_the_points_expire(db: str) -> None:
    # given 500 points issued in March that expire on 5 April
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    member = await create_member()
    await earn(member.id, grocer.id, 500, at(10), lifetime_days=26)
    march = await close_settlement("2026-03", "admin:test", UTC_ZONE)
    # when the sweep runs on 6 April
    await sweeps.expire_lots(at(6, 4))
    april = await run_settlement("2026-04", "admin:test", UTC_ZONE)
    # then March bills the 500 points (5.00) and April reports them expired
    assert (march.breakage_points, april.breakage_points) == (0, 500)
    assert [s.net for s in march.statements] == [D("-5.00")]
    assert april.statements == []
